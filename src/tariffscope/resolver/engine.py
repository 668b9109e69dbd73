"""The stacking engine: every rule of the catalogue evaluated over a table of entry lines at once.

For each rule, in the catalogue's evaluation order (every rule before the rules it excludes):

1. *coverage*: product (dated lists included), country, a rate step in force on the entry date
   (as known on ``as_of``), claims (USMCA) and in-transit escapes;
2. *statutory rate* by ``kind``: ``add`` charges ``rate x share``; ``floor`` charges
   ``max(0, rate - base) x share`` (all-in ``max(MFN, rate)``); ``exempt`` charges nothing;
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

from tariffscope.catalogue.loader import Catalogue, Era, RuleRef, visible_steps
from tariffscope.catalogue.schema import Rule
from tariffscope.resolver.coverage import CodeSet, product_masks, row_product_mask

AUTHORITY_COLUMNS: dict[str, str] = {
    "mfn": "rate_mfn",
    "fta": "rate_mfn",
    "s232": "rate_s232",
    "s301": "rate_s301",
    "ieepa_reciprocal": "rate_ieepa_reciprocal",
    "ieepa_fentanyl": "rate_ieepa_fentanyl",
    "s122": "rate_s122",
    "s201": "rate_s201",
    "s338": "rate_s338",
    "other": "rate_other",
}
RATE_COLUMNS = list(dict.fromkeys(AUTHORITY_COLUMNS.values()))

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


def _pct(x: float) -> str:
    return f"{100 * x:.4g}%"


def _cite(rule: Rule, step_cite: str | None) -> str:
    return step_cite or (rule.steps[0].cite if rule.steps else "")


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

    def run(self, rows: pl.DataFrame, explain: bool = False) -> EngineResult:
        """Evaluate every rule over ``rows`` (columns: hts10, origin, date, base_rate [+ optional inputs])."""
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
        code_idx, first = _dense_ids(hts)
        codes = CodeSet(hts.gather(first))
        org = rows["origin"].cast(pl.String)
        origin_idx, ofirst = _dense_ids(org)
        origin_list = np.array(org.gather(ofirst).to_list())
        by_code = _Index(code_idx, codes.ints.size)
        by_origin = _Index(origin_idx, origin_list.size)
        days = rows["date"].to_numpy().astype("datetime64[D]")
        dmin, dmax = days.min(), days.max()
        span = int((dmax - dmin).astype(int))
        offsets = (days - dmin).astype(np.int16) if span < 2**15 else days
        date_order = np.argsort(offsets, kind="stable")
        change = self.cat.change_dates  # every step date of every rule is one of these
        interval = np.searchsorted(change, days, side="right")
        sorted_days = days[date_order]
        base = _filled(rows["base_rate"].cast(pl.Float64), 0.0)
        loading = rows["loading_date"].to_numpy().astype("datetime64[D]")
        claim = np.full(n, "", dtype="<U1")
        if rows["claim"].null_count() < n:
            declared = rows["claim"].fill_null("")
            if (declared != "").any():
                claim = declared.to_numpy().astype(str)
        shares = self._shares(rows)

        totals = {c: np.zeros(n) for c in RATE_COLUMNS}
        totals["rate_mfn"] = base.copy()
        refundable = np.zeros(n)
        excluders = self.cat.excluders
        fired: dict[str, int] = {}  # rule id -> trace number, for rules that ran
        traces: list[_Trace] = []

        origins = origin_list.tolist()
        for ref, ref_id, plan in _plans_for(self.cat, self.as_of, origins):
            rule = ref.rule
            steps = plan.steps
            if not steps or not plan.overlaps(dmin, dmax):
                continue
            ctry = plan.country_mask(origins)
            if not ctry.any():
                continue
            masks = product_masks(self.cat, rule.products, codes)
            if not masks:
                continue
            any_code = np.zeros(codes.ints.size, dtype=bool)
            for m in masks:
                any_code |= m.codes
            ckeys, okeys = np.nonzero(any_code)[0], np.nonzero(ctry)[0]
            spans = _in_force_spans(steps, sorted_days)
            n_code, n_origin = by_code.size(ckeys), by_origin.size(okeys)
            n_date = sum(b - a for a, b in spans)
            if n_date < min(n_code, n_origin):
                cand = (
                    np.sort(np.concatenate([date_order[a:b] for a, b in spans]))
                    if spans
                    else np.empty(0, np.int64)
                )
                cand = cand[ctry[origin_idx[cand]] & any_code[code_idx[cand]]]
            elif n_code <= n_origin:
                cand = by_code.rows(ckeys)
                cand = cand[ctry[origin_idx[cand]]]
            else:
                cand = by_origin.rows(okeys)
                cand = cand[any_code[code_idx[cand]]]
            if cand.size == 0:
                continue
            d = days[cand]
            # the step in force on each interval between change dates, then one gather per row
            sidx = plan.step_of_interval[interval[cand]]
            rate = plan.step_rate[sidx]  # index -1 reads the trailing NaN: no step yet
            keep = ~np.isnan(rate) & row_product_mask(masks, code_idx[cand], d)
            for prog, how in rule.claims.items():
                if how == "only":  # the rule exists only for goods so claimed or declared
                    keep &= _declared(claim[cand], prog)
            cand, d, sidx, rate = cand[keep], d[keep], sidx[keep], rate[keep]
            if cand.size == 0:
                continue
            transit_out = np.zeros(cand.size, dtype=bool)
            for t in rule.in_transit:
                ld = loading[cand]
                transit_out |= (
                    ~np.isnat(ld)
                    & (ld < np.datetime64(t.loaded_before, "D"))
                    & (d < np.datetime64(t.entered_before, "D"))
                )
            claimed_out = np.zeros(cand.size, dtype=bool)
            for prog, how in rule.claims.items():
                if how == "exempt":
                    claimed_out |= _declared(claim[cand], prog)
            live = ~transit_out & ~claimed_out
            share = shares[rule.basis][cand]
            if rule.kind == "add":
                stat = np.where(live, rate * share, 0.0)
            elif rule.kind == "floor":
                stat = np.where(live, np.maximum(0.0, rate - base[cand]) * share, 0.0)
            else:
                stat = np.zeros(cand.size)
            disp, disp_by = self._pull_displacement(ref_id, cand, d, excluders, fired, traces)
            owed = stat * (1.0 - disp)
            totals[AUTHORITY_COLUMNS[ref.authority]][cand] += owed
            refund = ref.measure.refundable
            if refund is not None and (self.as_of is None or self.as_of >= refund.from_):
                refundable[cand] += owed
            # a rule that is itself wholly displaced (an exemption took the article out) excludes nothing
            trig = live & ((owed > 0) | ((rule.kind != "add") & (disp < 1.0)))
            fired[ref_id] = len(traces)
            traces.append(
                _Trace(
                    ref,
                    cand,
                    stat,
                    owed,
                    share,
                    sidx,
                    claimed_out,
                    transit_out,
                    disp_by if explain else np.empty(0, dtype=np.int64),
                    steps if explain else [],
                    cand[trig],
                    share[trig],
                )
            )
        total = np.sum([totals[c] for c in RATE_COLUMNS], axis=0)
        return EngineResult(
            rates=totals, total=total, refundable=refundable, traces=traces if explain else []
        )

    @staticmethod
    def _pull_displacement(
        rule_id: str,
        cand: np.ndarray,
        d: np.ndarray,
        excluders: dict[str, list[tuple[str, list[Era]]]],
        fired: dict[str, int],
        traces: list[_Trace],
    ) -> tuple[np.ndarray, np.ndarray]:
        """The share of value on which earlier rules take these rows out of this rule.

        Shares from different excluders add up (a line charged on its copper content by one rule and
        on its aluminium content by another keeps the reciprocal on the rest only), capped at the full
        value; each excluder counts once whatever the number of relations naming this rule.
        """
        disp = np.zeros(cand.size)
        best = np.zeros(cand.size)
        by = np.full(cand.size, -1, dtype=np.int64)
        for ex_id, eras in excluders.get(rule_id, []):
            t = fired.get(ex_id)
            if t is None or traces[t].trigger.size == 0:
                continue
            tr = traces[t]
            # look the excluder's (usually few) trigger rows up among this rule's rows
            pos = np.minimum(np.searchsorted(cand, tr.trigger), cand.size - 1)
            ok = cand[pos] == tr.trigger
            if not ok.any():
                continue
            p, sh = pos[ok], tr.trigger_share[ok]
            if any(a is not None or b is not None or w for a, b, w in eras):
                dd = d[p]
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
                p, sh = p[in_era], sh[in_era]
            disp[p] += sh
            better = sh > best[p]
            by[p[better]] = t
            best[p] = np.maximum(best[p], sh)
        return np.minimum(disp, 1.0), by

    def _country_mask(self, rule: Rule, origins: list[str]) -> np.ndarray:
        inc = self.cat.countries(rule.countries.include)
        exc = self.cat.countries(rule.countries.exclude)
        arr = np.array(origins, dtype=object)
        m = np.ones(len(origins), dtype=bool) if "ALL" in inc else np.isin(arr, list(inc))
        if exc:
            m &= ~np.isin(arr, list(exc))
        return m

    @staticmethod
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
    return np.where(values.is_null().to_numpy(), fill, values.to_numpy()).astype(np.float64)


def _declared(claims: np.ndarray, name: str) -> np.ndarray:
    """Which entries declare ``name`` (``claim`` holds comma-separated claims and declarations)."""
    if claims.size == 0:
        return np.zeros(0, dtype=bool)
    return np.char.find(np.char.add(np.char.add(",", claims), ","), f",{name},") >= 0


def _dense_ids(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of a string column (0..k-1) and the first row of each distinct value."""
    if values.len() == 1:  # a lookup
        return np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    cats = values.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    uniq, ids = np.unique(cats, return_inverse=True)
    first = np.zeros(uniq.size, dtype=np.int64)
    first[ids[::-1]] = np.arange(ids.size, dtype=np.int64)[::-1]
    return ids.astype(np.int64), first


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


def explain_row(
    result: EngineResult, row: int, base_rate: float, base_note: str, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """The components of one row: the base rate, then every rule that covered it, applied or not."""
    comps: list[dict[str, Any]] = [
        {
            "measure": "us.mfn",
            "authority": "mfn",
            "heading": None,
            "rate": base_rate,
            "basis": "value",
            "applied": True,
            "reason": base_note,
            "citation": "HTSUS general notes 1-3 (column 1 general / column 2 / special rates)",
            "refundable": False,
        }
    ]
    for tr in result.traces:
        i = tr.at(row)
        if i < 0:
            continue
        rule = tr.ref.rule
        step = tr.steps[tr.step_idx[i]] if tr.step_idx[i] >= 0 else None
        rate_stat = float(tr.statutory[i])
        owed = float(tr.owed[i])
        heading = rule.heading
        if tr.transit_out[i]:
            reason, applied = "not applied: goods in transit (loaded and entered before the cut-off)", False
        elif tr.claimed_out[i]:
            reason, applied = (
                "not applied: the entry claims or declares ("
                + ", ".join(k for k, v in rule.claims.items() if v == "exempt")
                + ")",
                False,
            )
        elif rule.kind == "exempt":
            reason, applied = f"exemption: {rule.title}", True
        elif rule.kind == "floor" and rate_stat == 0:
            heading = rule.heading_no_duty or heading
            rate = step.rate if step is not None else 0.0
            reason, applied = (
                f"no additional duty: base {_pct(base_rate)} is at or above the {_pct(rate)} floor",
                True,
            )
        elif owed == 0 and rate_stat > 0:
            by = tr.displaced_by[i]
            who = result.traces[by].ref if by >= 0 else None
            cite = _exclusion_cite(who, tr.ref) if who else ""
            reason, applied = (
                f"not applied: excluded by {who.id if who else '?'} ({who.rule.heading if who else ''}){cite}",
                False,
            )
        elif owed < rate_stat:
            by = tr.displaced_by[i]
            who = result.traces[by].ref if by >= 0 else None
            kept = owed / rate_stat  # owed = statutory x (1 - displaced share): the share still charged
            reason = (
                f"applied to {_pct(kept)} of value: the other {_pct(1 - kept)} is covered by "
                f"{who.id if who else '?'} ({who.rule.heading if who else ''})"
            )
            applied = True
        else:
            reason, applied = (
                f"applies: {'max(MFN, ' + _pct(step.rate) + ') all-in' if rule.kind == 'floor' and step else rule.title}",
                True,
            )
        refund = tr.ref.measure.refundable
        refundable = refund is not None and owed > 0 and (as_of is None or as_of >= refund.from_)
        comps.append(
            {
                "measure": tr.ref.id,
                "authority": tr.ref.authority,
                "heading": heading,
                "rate": owed,
                "statutory_rate": rate_stat,
                "basis": rule.basis
                if rule.basis == "value"
                else f"{rule.basis} share {float(tr.share[i]):.3g}",
                "applied": applied,
                "reason": reason,
                "citation": _cite(rule, step.cite if step else None),
                "refundable": refundable,
            }
        )
    return comps


def _exclusion_cite(who: RuleRef, target: RuleRef) -> str:
    for ex in who.rule.excludes:
        if ex.cite and (
            ex.target in (target.id, target.measure.id)
            or (ex.target.startswith("tag:") and ex.target[4:] in target.rule.tags)
            or ex.target == f"authority:{target.authority}"
        ):
            return f"; {ex.cite}"
    return ""
