"""The stacking engine: every rule of the catalogue evaluated over a table of entry lines at once.

For each rule, in the catalogue's evaluation order (every rule before the rules it excludes):

1. *coverage*: product (dated lists included), country, a rate step in force on the entry date
   (as known on ``as_of``), claims (USMCA) and in-transit escapes;
2. *statutory rate* by ``kind``: ``add`` charges ``rate x share``; ``floor`` charges
   ``max(0, rate - base) x share`` (all-in ``max(MFN, rate)``); ``preference`` charges
   ``min(0, rate - base)`` (all-in ``min(MFN, rate)``, a trade agreement's rate); ``exempt`` nothing
   (:mod:`tariffscope.resolver.kinds`);
3. *owed* = statutory x (1 - displaced share), where a rule is displaced by an earlier rule that
   excludes it and is "subject to" duty (owes more than 0%, CSMS 65054270; exemptions and floors
   always count: the paired "MFN at or above the floor" heading still replaces the general rate),
   on the share of value that rule is charged on (the metal content of a derivative, EO 14257 §3(b));
4. the owed rate adds to its authority's column.

Single lookups run the same code on a one-row table, with ``explain=True`` recording why each rule
applied or not, so batch and single answers are identical by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from tariffscope.catalogue.jurisdiction import registry
from tariffscope.catalogue.loader import Catalogue, Era, RuleRef, visible_steps
from tariffscope.catalogue.schema import Rule
from tariffscope.resolver.coverage import CodeSet, compile_products, product_masks, row_product_mask
from tariffscope.resolver.ids import dense_ids, interval_of
from tariffscope.resolver.kinds import KINDS

AUTHORITY_COLUMNS: dict[str, str] = registry().authority_columns
"""Authority -> output rate column, from the registry (``catalogue/us/jurisdiction.yaml``)."""
RATE_COLUMNS = registry().rate_columns
"""The output rate columns; every jurisdiction's authorities are charged in these."""

KEY_INPUTS = ("hts10", "origin", "date", "base_rate")
OPTIONAL_INPUTS: dict[str, pl.DataType] = {
    "loading_date": pl.Date(),
    "claim": pl.String(),
    "metal_share": pl.Float64(),
    "steel_share": pl.Float64(),
    "aluminum_share": pl.Float64(),
    "copper_share": pl.Float64(),
    "us_content": pl.Float64(),
}


@dataclass
class _Trace:
    """What one rule did, on the rows it covered (sparse: ``rows`` are sorted row indices)."""

    ref: RuleRef
    rows: np.ndarray
    statutory: np.ndarray
    owed: np.ndarray
    share: np.ndarray
    step_idx: np.ndarray
    claimed_out: np.ndarray
    transit_out: np.ndarray
    displaced_by: np.ndarray  # index into traces, -1 = none
    steps: list[Any]
    trigger: np.ndarray  # rows (subset of ``rows``, sorted) where the rule takes articles out of its targets
    trigger_share: np.ndarray

    def at(self, row: int) -> int:
        """Position of ``row`` in this trace, or -1."""
        i = int(np.searchsorted(self.rows, row))
        return i if i < self.rows.size and self.rows[i] == row else -1


@dataclass
class EngineResult:
    """Rates per authority column (decimals of customs value), the total and the refundable part."""

    rates: dict[str, np.ndarray]
    total: np.ndarray
    refundable: np.ndarray
    traces: list[_Trace] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        cols = {k: v for k, v in self.rates.items()}
        cols["rate_refundable"] = self.refundable
        cols["total_rate"] = self.total
        return pl.DataFrame(cols)


class _Index:
    """Rows grouped by a key (CSR): the rows of any set of keys without scanning the table."""

    def __init__(self, key_idx: np.ndarray, n_keys: int) -> None:
        # a stable sort of small integers is a radix sort in NumPy: linear time
        small = key_idx.astype(np.int16) if n_keys < 2**15 else key_idx
        self.order = np.argsort(small, kind="stable")
        counts = np.bincount(key_idx, minlength=n_keys)
        self.starts = np.concatenate([[0], np.cumsum(counts)])
        self.counts = counts

    def size(self, keys: np.ndarray) -> int:
        return int(self.counts[keys].sum())

    def rows(self, keys: np.ndarray) -> np.ndarray:
        lens = self.counts[keys]
        total = int(lens.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offs = np.repeat(self.starts[keys] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
        return np.sort(self.order[np.arange(total) + offs])


@dataclass(frozen=True)
class _RulePlan:
    """What the engine needs of one rule that does not depend on the rows: its visible steps, their
    start dates and rates, the step in force between each pair of change dates, the spans with a rate,
    and its expanded countries. Built once per catalogue and knowledge date (see :func:`_plans`)."""

    steps: list[Any]
    step_from: np.ndarray
    step_rate: np.ndarray
    step_of_interval: np.ndarray
    live_from: np.ndarray  # spans with a non-null rate: [live_from, live_to)
    live_to: np.ndarray
    every_country: bool
    include: frozenset[str]
    exclude: frozenset[str]

    def overlaps(self, dmin: np.datetime64, dmax: np.datetime64) -> bool:
        return bool(((self.live_from <= dmax) & (self.live_to > dmin)).any())

    def country_mask(self, origins: list[str]) -> np.ndarray:
        inc, exc = self.include, self.exclude
        if len(origins) <= 16:  # a lookup: set membership beats np.isin on object arrays
            return np.fromiter(
                ((self.every_country or o in inc) and o not in exc for o in origins), bool, len(origins)
            )
        arr = np.array(origins, dtype=object)
        m = np.ones(len(origins), dtype=bool) if self.every_country else np.isin(arr, list(inc))
        if exc:
            m &= ~np.isin(arr, list(exc))
        return m


_FAR = np.datetime64("2999-12-31")
_PLANS: dict[tuple[int, dt.date | None], tuple[Catalogue, list[tuple[RuleRef, str, _RulePlan]]]] = {}
_BY_ORIGIN: dict[tuple[int, dt.date | None, str], list[tuple[RuleRef, str, _RulePlan]]] = {}
_PLANS_MAX = 16  # scenario overlays make new catalogues: keep the plans of the last few


def _plans(cat: Catalogue, as_of: dt.date | None) -> list[tuple[RuleRef, str, _RulePlan]]:
    """Every rule of ``cat`` in order, with its id and :class:`_RulePlan` as known on ``as_of``
    (memoised per catalogue object; catalogues are not changed after loading)."""
    key = (id(cat), as_of)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is cat:
        return hit[1]
    change = cat.change_dates
    plans: list[tuple[RuleRef, str, _RulePlan]] = []
    for ref in cat.rules:
        rule = ref.rule
        steps = visible_steps(rule, as_of)
        step_from = np.array([np.datetime64(st.from_, "D") for st in steps], dtype="datetime64[D]")
        step_rate = np.append(np.array([np.nan if st.rate is None else st.rate for st in steps]), np.nan)
        live = [i for i, st in enumerate(steps) if st.rate is not None]
        inc, exc = cat.countries(rule.countries.include), cat.countries(rule.countries.exclude)
        plan = _RulePlan(
            steps=steps,
            step_from=step_from,
            step_rate=step_rate,
            step_of_interval=np.concatenate([[-1], np.searchsorted(step_from, change, side="right") - 1]),
            live_from=step_from[live] if live else np.empty(0, "datetime64[D]"),
            live_to=np.array(
                [step_from[i + 1] if i + 1 < len(steps) else _FAR for i in live], "datetime64[D]"
            ),
            every_country="ALL" in inc,
            include=frozenset(inc),
            exclude=frozenset(exc),
        )
        plans.append((ref, ref.id, plan))
    if len(_PLANS) >= _PLANS_MAX:
        old = next(iter(_PLANS))
        _PLANS.pop(old)
        for k in [k for k in _BY_ORIGIN if k[:2] == old]:
            del _BY_ORIGIN[k]
    _PLANS[key] = (cat, plans)
    return plans


def _plans_for(
    cat: Catalogue, as_of: dt.date | None, origins: list[str]
) -> list[tuple[RuleRef, str, _RulePlan]]:
    """The rules that can reach ``origins``: for a single origin (a lookup) only the rules covering it,
    found once per origin; for several, every rule (each is masked by country in the loop)."""
    plans = _plans(cat, as_of)
    if len(origins) != 1:
        return plans
    key = (id(cat), as_of, origins[0])
    hit = _BY_ORIGIN.get(key)
    if hit is None:
        hit = [p for p in plans if p[2].country_mask(origins)[0]]
        _BY_ORIGIN[key] = hit
    return hit


@dataclass(frozen=True)
class _Covered:
    """The rows a rule covers (sorted), their entry dates, the step in force and its rate."""

    rows: np.ndarray
    days: np.ndarray
    step_idx: np.ndarray
    rate: np.ndarray


@dataclass
class _Inputs:
    """The engine's view of its input table: arrays, and row indexes by code, origin and date."""

    n: int
    codes: CodeSet
    code_idx: np.ndarray
    origin_idx: np.ndarray
    origins: list[str]
    by_code: _Index
    by_origin: _Index
    days: np.ndarray
    dmin: np.datetime64
    dmax: np.datetime64
    date_order: np.ndarray
    sorted_days: np.ndarray
    interval: np.ndarray
    base: np.ndarray
    loading: np.ndarray
    claim_id: np.ndarray
    claim_texts: list[str]
    shares: dict[str, np.ndarray]
    slot: np.ndarray  # scratch: a covered row's position in its rule's rows (-1 when not in use)

    @classmethod
    def of(cls, rows: pl.DataFrame, change_dates: np.ndarray) -> _Inputs:
        """Check the columns and build the arrays and indexes (``change_dates``: the catalogue's, every
        step date of every rule is one of them)."""
        missing = [c for c in KEY_INPUTS if c not in rows.columns]
        if missing:
            raise ValueError(f"engine input lacks columns {missing}")
        # a missing code, origin or date has no meaning to the rules (and would scramble the row indexes)
        holes = [c for c in ("hts10", "origin", "date") if rows[c].null_count()]
        if holes:
            raise ValueError(f"engine input has missing {', '.join(holes)}: validate the rows first")
        for col, dtype in OPTIONAL_INPUTS.items():
            if col not in rows.columns:
                rows = rows.with_columns(pl.lit(None, dtype=dtype).alias(col))
        n = rows.height
        # dense indexes of codes and origins (hashing to categorical ids, then small integer sorts)
        hts = rows["hts10"].cast(pl.String)
        code_idx, first = dense_ids(hts)
        codes = CodeSet(hts.gather(first))
        org = rows["origin"].cast(pl.String)
        origin_idx, ofirst = dense_ids(org)
        origins = org.gather(ofirst).to_list()
        days = rows["date"].to_numpy().astype("datetime64[D]")
        dmin, dmax = days.min(), days.max()
        span = int((dmax - dmin).astype(int))
        offsets = (days - dmin).astype(np.int16) if span < 2**15 else days
        date_order = np.argsort(offsets, kind="stable")
        # claims as ids of the batch's few distinct claim texts (a lookup asks each text once)
        if rows["claim"].null_count() == n:
            claim_id, claim_texts = np.zeros(n, dtype=np.int64), [""]
        else:
            claim_id, cfirst = dense_ids(rows["claim"])
            claim_texts = [t or "" for t in rows["claim"].gather(cfirst).to_list()]
        return cls(
            n=n,
            codes=codes,
            code_idx=code_idx,
            origin_idx=origin_idx,
            origins=origins,
            by_code=_Index(code_idx, codes.ints.size),
            by_origin=_Index(origin_idx, len(origins)),
            days=days,
            dmin=dmin,
            dmax=dmax,
            date_order=date_order,
            sorted_days=days[date_order],
            interval=interval_of(days, change_dates),
            base=_filled(rows["base_rate"].cast(pl.Float64), 0.0),
            loading=rows["loading_date"].to_numpy().astype("datetime64[D]"),
            claim_id=claim_id,
            claim_texts=claim_texts,
            shares=_shares(rows),
            slot=np.full(n, -1, dtype=np.int64),
        )

    def declared(self, rows: np.ndarray, name: str) -> np.ndarray:
        """Which of ``rows`` declare ``name`` (a claim text holds comma-separated claims and
        declarations)."""
        says = np.array([f",{name}," in f",{t}," for t in self.claim_texts], dtype=bool)
        return says[self.claim_id[rows]]

    def candidates(self, steps: list[Any], ctry: np.ndarray, any_code: np.ndarray) -> np.ndarray:
        """Rows of a rule's countries and codes, found through the smallest of three indexes: its
        in-force dates, its codes or its countries (sorted row numbers)."""
        okeys, ckeys = np.nonzero(ctry)[0], np.nonzero(any_code)[0]
        spans = _in_force_spans(steps, self.sorted_days)
        n_code, n_origin = self.by_code.size(ckeys), self.by_origin.size(okeys)
        n_date = sum(b - a for a, b in spans)
        if n_date < min(n_code, n_origin):
            cand = (
                np.sort(np.concatenate([self.date_order[a:b] for a, b in spans]))
                if spans
                else np.empty(0, np.int64)
            )
            return cand[ctry[self.origin_idx[cand]] & any_code[self.code_idx[cand]]]
        if n_code <= n_origin:
            cand = self.by_code.rows(ckeys)
            return cand[ctry[self.origin_idx[cand]]]
        cand = self.by_origin.rows(okeys)
        return cand[any_code[self.code_idx[cand]]]


class Engine:
    """Evaluate a catalogue over entry lines (see the module docstring for the semantics).

    Each rule works only on the rows it can cover: the rows of its products or of its countries,
    whichever are fewer (found through row indexes by code and by origin), so a country-specific
    rule costs as much as that country's rows. A rule's displacement of others is pulled by the
    target from the triggers of the rules that exclude it.
    """

    def __init__(self, catalogue: Catalogue, as_of: dt.date | None = None) -> None:
        self.cat = catalogue
        self.as_of = as_of

    def warm(self) -> None:
        """Build what every run needs of the catalogue once (rule plans, exclusion relations, change
        dates, compiled product lists), so a large batch can do it beside its other work and its
        threads do not each build it."""
        cat = self.cat
        _ = cat.change_dates, cat.loading_cutoffs, cat.excluders
        for ref, _id, _plan in _plans(cat, self.as_of):
            if ref.rule.products is not None:
                inc, exc = compile_products(cat, ref.rule.products)
                for prefixes in [*inc.values(), *exc.values()]:
                    prefixes.arrays()

    def run(self, rows: pl.DataFrame, explain: bool = False) -> EngineResult:
        """Evaluate every rule over ``rows`` (columns: hts10, origin, date, base_rate [+ optional inputs])."""
        inp = _Inputs.of(rows, self.cat.change_dates)
        totals = {c: np.zeros(inp.n) for c in RATE_COLUMNS}
        totals["rate_mfn"] = inp.base.copy()
        refundable = np.zeros(inp.n)
        column_of = self.cat.jurisdiction.authority_columns
        fired: dict[str, int] = {}  # rule id -> trace number, for rules that ran
        traces: list[_Trace] = []
        for ref, ref_id, plan in _plans_for(self.cat, self.as_of, inp.origins):
            covered = self._coverage(ref.rule, plan, inp)
            if covered is None:
                continue
            tr = self._charge(ref, ref_id, plan, inp, covered, fired, traces, explain)
            totals[column_of[ref.authority]][tr.rows] += tr.owed
            refund = ref.measure.refundable
            if refund is not None and (self.as_of is None or self.as_of >= refund.from_):
                refundable[tr.rows] += tr.owed
            fired[ref_id] = len(traces)
            traces.append(tr)
        total = np.sum([totals[c] for c in RATE_COLUMNS], axis=0)
        return EngineResult(
            rates=totals, total=total, refundable=refundable, traces=traces if explain else []
        )

    def _coverage(self, rule: Rule, plan: _RulePlan, inp: _Inputs) -> _Covered | None:
        """Step 1: the rows a rule covers (product, country, a rate in force, "only" claims), or None."""
        if not plan.steps or not plan.overlaps(inp.dmin, inp.dmax):
            return None
        ctry = plan.country_mask(inp.origins)
        if not ctry.any():
            return None
        masks = product_masks(self.cat, rule.products, inp.codes)
        if not masks:
            return None
        any_code = np.zeros(inp.codes.ints.size, dtype=bool)
        for m in masks:
            any_code |= m.codes
        cand = inp.candidates(plan.steps, ctry, any_code)
        if cand.size == 0:
            return None
        d = inp.days[cand]
        # the step in force on each interval between change dates, then one gather per row
        sidx = plan.step_of_interval[inp.interval[cand]]
        rate = plan.step_rate[sidx]  # index -1 reads the trailing NaN: no step yet
        keep = ~np.isnan(rate) & row_product_mask(masks, inp.code_idx[cand], d)
        for prog, how in rule.claims.items():
            if how == "only":  # the rule exists only for goods so claimed or declared
                keep &= inp.declared(cand, prog)
        if not keep.any():
            return None
        return _Covered(cand[keep], d[keep], sidx[keep], rate[keep])

    def _charge(
        self,
        ref: RuleRef,
        ref_id: str,
        plan: _RulePlan,
        inp: _Inputs,
        cov: _Covered,
        fired: dict[str, int],
        traces: list[_Trace],
        explain: bool,
    ) -> _Trace:
        """Steps 2-3: escapes (in transit, exempting claims), the statutory rate by kind, then the owed
        rate after displacement by earlier rules; the rule's trace."""
        rule, cand, d = ref.rule, cov.rows, cov.days
        transit_out = np.zeros(cand.size, dtype=bool)
        for t in rule.in_transit:
            ld = inp.loading[cand]
            transit_out |= (
                ~np.isnat(ld)
                & (ld < np.datetime64(t.loaded_before, "D"))
                & (d < np.datetime64(t.entered_before, "D"))
            )
        claimed_out = np.zeros(cand.size, dtype=bool)
        for prog, how in rule.claims.items():
            if how == "exempt":
                claimed_out |= inp.declared(cand, prog)
        live = ~transit_out & ~claimed_out
        share = inp.shares[rule.basis][cand]
        kind = KINDS[rule.kind]
        stat = np.where(live, kind.statutory(cov.rate, inp.base[cand], share), 0.0)
        disp, disp_by = self._pull_displacement(
            ref_id, cand, d, self.cat.excluders, fired, traces, inp.slot, explain
        )
        owed = stat * (1.0 - disp)
        # a rule that is itself wholly displaced (an exemption took the article out) excludes nothing
        trig = live & ((owed > 0) | (kind.excludes_at_zero & (disp < 1.0)))
        return _Trace(
            ref,
            cand,
            stat,
            owed,
            share,
            cov.step_idx,
            claimed_out,
            transit_out,
            disp_by if explain else np.empty(0, dtype=np.int64),
            plan.steps if explain else [],
            cand[trig],
            share[trig],
        )

    def _country_mask(self, rule: Rule, origins: list[str]) -> np.ndarray:
        inc = self.cat.countries(rule.countries.include)
        exc = self.cat.countries(rule.countries.exclude)
        arr = np.array(origins, dtype=object)
        m = np.ones(len(origins), dtype=bool) if "ALL" in inc else np.isin(arr, list(inc))
        if exc:
            m &= ~np.isin(arr, list(exc))
        return m

    @staticmethod
    def _pull_displacement(
        rule_id: str,
        cand: np.ndarray,
        d: np.ndarray,
        excluders: dict[str, list[tuple[str, list[Era]]]],
        fired: dict[str, int],
        traces: list[_Trace],
        slot: np.ndarray,
        explain: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The share of value on which earlier rules take these rows out of this rule, and (when
        ``explain``) which excluder took the largest share of each row.

        ``slot`` (one entry per input row, all -1) is scratch space: each of ``cand``'s position,
        while the triggers of excluders are looked up by row; reset before returning.

        Shares from different excluders add up (a line charged on its copper content by one rule and
        on its aluminium content by another keeps the reciprocal on the rest only), capped at the full
        value; each excluder counts once whatever the number of relations naming this rule.
        """
        disp = np.zeros(cand.size)
        best = np.zeros(cand.size)
        by = np.full(cand.size, -1, dtype=np.int64)
        pulled = [
            (t, eras)
            for ex_id, eras in excluders.get(rule_id, [])
            if (t := fired.get(ex_id)) is not None and traces[t].trigger.size
        ]
        slotted = False
        for t, eras in pulled:
            tr = traces[t]
            if not slotted and tr.trigger.size <= 4 * cand.size:
                slot[cand] = np.arange(cand.size)
                slotted = True
            p, sh = _matched(cand, tr.trigger, tr.trigger_share, slot if slotted else None)
            if p.size == 0:
                continue
            if any(a is not None or b is not None or w for a, b, w in eras):
                p, sh = _in_eras(p, sh, d[p], eras)
            disp[p] += sh
            if explain:
                better = sh > best[p]
                by[p[better]] = t
                best[p] = np.maximum(best[p], sh)
        if slotted:
            slot[cand] = -1
        return np.minimum(disp, 1.0), by


def _matched(
    cand: np.ndarray, trigger: np.ndarray, share: np.ndarray, slot: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``cand`` of an excluder's trigger rows (both sorted row numbers), with their
    shares: through ``slot`` when it is set, else by binary search of ``cand`` in the triggers
    (cheaper when they far outnumber ``cand``)."""
    if slot is not None:
        pos = slot[trigger]
        ok = pos >= 0
        return pos[ok], share[ok]
    j = np.minimum(np.searchsorted(trigger, cand), trigger.size - 1)
    hit = trigger[j] == cand
    return np.flatnonzero(hit), share[j[hit]]


def _in_eras(p: np.ndarray, sh: np.ndarray, dd: np.ndarray, eras: list[Era]) -> tuple[np.ndarray, np.ndarray]:
    """The matched rows whose entry dates ``dd`` fall in an era of the relation; an era that
    displaces the whole value gives share 1."""
    in_era = np.zeros(p.size, dtype=bool)
    whole = np.zeros(p.size, dtype=bool)
    for a, b, w in eras:
        m = np.ones(p.size, dtype=bool)
        if a is not None:
            m &= dd >= np.datetime64(a, "D")
        if b is not None:
            m &= dd <= np.datetime64(b, "D")
        in_era |= m
        if w:
            whole |= m
    sh = np.where(whole, 1.0, sh)
    return p[in_era], sh[in_era]


def _shares(rows: pl.DataFrame) -> dict[str, np.ndarray]:
    """Shares of value per basis; undeclared shares default to the full value (1)."""

    def col(name: str) -> np.ndarray:
        if name not in rows.columns:
            return np.ones(rows.height)
        return np.clip(_filled(rows[name].cast(pl.Float64), 1.0), 0.0, 1.0)

    steel, alu, copper = col("steel_share"), col("aluminum_share"), col("copper_share")
    metal = np.clip(steel + alu, 0.0, 1.0)
    if "metal_share" in rows.columns:
        declared = np.clip(rows["metal_share"].cast(pl.Float64).to_numpy(), 0.0, 1.0)  # null: NaN
        metal = np.where(np.isnan(declared), metal, declared)
    us = np.clip(_filled(rows["us_content"].cast(pl.Float64), 0.0), 0.0, 1.0)
    return {
        "value": np.ones(rows.height),
        "metal": metal,
        "steel": steel,
        "aluminum": alu,
        "copper": copper,
        "non_us_content": 1.0 - us,
        "us_content": us,
    }


def _filled(values: pl.Series, fill: float) -> np.ndarray:
    """A float column as a new float64 array, nulls replaced by ``fill`` (NaN stays NaN, as in Polars'
    ``fill_null``); without Polars expressions, whose fixed cost dominates a one-row lookup."""
    if values.null_count() == 0:
        return np.array(values.to_numpy(), dtype=np.float64)
    if values.null_count() == values.len():
        return np.full(values.len(), fill, dtype=np.float64)
    return np.where(values.is_null().to_numpy(), fill, values.to_numpy()).astype(np.float64, copy=False)


def _in_force_spans(steps: list[Any], sorted_days: np.ndarray) -> list[tuple[int, int]]:
    """Ranges of date-sorted rows in which a rule has a rate (null steps end it)."""
    spans: list[tuple[int, int]] = []
    for i, st in enumerate(steps):
        if st.rate is None:
            continue
        a = int(np.searchsorted(sorted_days, np.datetime64(st.from_, "D"), side="left"))
        b = (
            int(np.searchsorted(sorted_days, np.datetime64(steps[i + 1].from_, "D"), side="left"))
            if i + 1 < len(steps)
            else sorted_days.size
        )
        if b > a:
            if spans and spans[-1][1] == a:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
    return spans
