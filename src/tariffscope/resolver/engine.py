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

from tariffscope.catalogue.loader import Catalogue, RuleRef, visible_steps
from tariffscope.catalogue.schema import Rule
from tariffscope.resolver.coverage import product_masks, row_product_mask

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
    """Per-rule arrays kept for explanations."""

    ref: RuleRef
    matched: np.ndarray
    statutory: np.ndarray
    owed: np.ndarray
    share: np.ndarray
    step_idx: np.ndarray
    claimed_out: np.ndarray
    transit_out: np.ndarray
    displaced_by: np.ndarray  # index into traces, -1 = none
    steps: list[Any]


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


class Engine:
    """Evaluate a catalogue over entry lines (see the module docstring for the semantics)."""

    def __init__(self, catalogue: Catalogue, as_of: dt.date | None = None) -> None:
        self.cat = catalogue
        self.as_of = as_of
        self._targets: dict[str, list[str]] = {}

    def _target_ids(self, target: str) -> list[str]:
        if target not in self._targets:
            self._targets[target] = [r.id for r in self.cat.targets(target)]
        return self._targets[target]

    def run(self, rows: pl.DataFrame, explain: bool = False) -> EngineResult:
        """Evaluate every rule over ``rows`` (columns: hts10, origin, date, base_rate [+ optional inputs])."""
        missing = [c for c in KEY_INPUTS if c not in rows.columns]
        if missing:
            raise ValueError(f"engine input lacks columns {missing}")
        for col, dtype in OPTIONAL_INPUTS.items():
            if col not in rows.columns:
                rows = rows.with_columns(pl.lit(None, dtype=dtype).alias(col))
        n = rows.height
        codes = rows["hts10"].unique(maintain_order=True)
        code_idx = (
            rows["hts10"]
            .cast(pl.String)
            .to_frame()
            .join(codes.to_frame().with_row_index("i"), on="hts10", how="left", maintain_order="left")["i"]
            .to_numpy()
        )
        origins = rows["origin"].unique(maintain_order=True)
        origin_idx = (
            rows["origin"]
            .to_frame()
            .join(origins.to_frame().with_row_index("i"), on="origin", how="left", maintain_order="left")["i"]
            .to_numpy()
        )
        origin_list = origins.to_list()
        days = rows["date"].to_numpy().astype("datetime64[D]")
        dmin, dmax = days.min(), days.max()
        base = rows["base_rate"].fill_null(0.0).to_numpy().astype(np.float64)
        loading = rows["loading_date"].to_numpy().astype("datetime64[D]")
        has_loading = ~np.isnat(loading)
        claim = rows["claim"].fill_null("").to_numpy().astype(str)
        shares = self._shares(rows)

        totals = {c: np.zeros(n) for c in RATE_COLUMNS}
        totals["rate_mfn"] = base.copy()
        refundable = np.zeros(n)
        displaced: dict[str, np.ndarray] = {}
        displaced_by: dict[str, np.ndarray] = {}
        traces: list[_Trace] = []
        trace_index: dict[str, int] = {}

        for ref in self.cat.rules:
            rule = ref.rule
            steps = visible_steps(rule, self.as_of)
            if not steps or not _steps_overlap(steps, dmin, dmax):
                continue
            ctry = self._country_mask(rule, origin_list)
            if not ctry.any():
                continue
            step_from = np.array([np.datetime64(s.from_, "D") for s in steps])
            step_rate = np.array([np.nan if s.rate is None else s.rate for s in steps])
            sidx = np.searchsorted(step_from, days, side="right") - 1
            rate = np.where(sidx >= 0, step_rate[np.clip(sidx, 0, None)], np.nan)
            matched = ctry[origin_idx] & ~np.isnan(rate)
            if not matched.any():
                continue
            matched &= row_product_mask(product_masks(self.cat, rule.products, codes), code_idx, days)
            if not matched.any():
                continue
            transit_out = np.zeros(n, dtype=bool)
            for t in rule.in_transit:
                transit_out |= (
                    matched
                    & has_loading
                    & (loading < np.datetime64(t.loaded_before, "D"))
                    & (days < np.datetime64(t.entered_before, "D"))
                )
            claimed_out = np.zeros(n, dtype=bool)
            for prog, how in rule.claims.items():
                is_claimed = claim == prog
                if how == "exempt":
                    claimed_out |= matched & is_claimed
                else:  # "only": the rule exists only for claimed goods
                    matched &= is_claimed
            live = matched & ~transit_out & ~claimed_out
            share = shares[rule.basis]
            r = np.nan_to_num(rate)
            if rule.kind == "add":
                stat = np.where(live, r * share, 0.0)
            elif rule.kind == "floor":
                stat = np.where(live, np.maximum(0.0, r - base) * share, 0.0)
            else:
                stat = np.zeros(n)
            disp = displaced.get(ref.id)
            owed = stat if disp is None else stat * (1.0 - disp)
            totals[AUTHORITY_COLUMNS[ref.authority]] += owed
            if ref.measure.refundable is not None and (
                self.as_of is None or self.as_of >= ref.measure.refundable.from_
            ):
                refundable += owed
            trigger = live & ((owed > 0) | (rule.kind != "add"))
            if trigger.any():
                self._displace(rule, trigger, share, days, displaced, displaced_by, len(traces), ref.id)
            if explain:
                trace_index[ref.id] = len(traces)
            traces.append(
                _Trace(
                    ref,
                    matched,
                    stat,
                    owed,
                    share,
                    sidx,
                    claimed_out,
                    transit_out,
                    displaced_by.get(ref.id, np.full(n, -1)),
                    steps,
                )
                if explain
                else _Trace(ref, matched, stat, owed, share, sidx, claimed_out, transit_out, np.empty(0), [])
            )
        total = np.sum([totals[c] for c in RATE_COLUMNS], axis=0)
        return EngineResult(
            rates=totals, total=total, refundable=refundable, traces=traces if explain else []
        )

    def _displace(
        self,
        rule: Rule,
        trigger: np.ndarray,
        share: np.ndarray,
        days: np.ndarray,
        displaced: dict[str, np.ndarray],
        displaced_by: dict[str, np.ndarray],
        trace_no: int,
        self_id: str,
    ) -> None:
        for ex in rule.excludes:
            hit = trigger
            if ex.from_ is not None:
                hit = hit & (days >= np.datetime64(ex.from_, "D"))
            if ex.to is not None:
                hit = hit & (days <= np.datetime64(ex.to, "D"))
            if not hit.any():
                continue
            amount = np.where(hit, share, 0.0)
            for tid in self._target_ids(ex.target):
                if tid == self_id:
                    continue
                cur = displaced.get(tid)
                if cur is None:
                    displaced[tid] = amount.copy()
                    displaced_by[tid] = np.where(hit, trace_no, -1)
                else:
                    better = amount > cur
                    displaced[tid] = np.maximum(cur, amount)
                    displaced_by[tid] = np.where(better, trace_no, displaced_by[tid])

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
        def col(name: str, default: float) -> np.ndarray:
            return rows[name].fill_null(default).clip(0.0, 1.0).to_numpy().astype(np.float64)

        steel, alu, copper = col("steel_share", 1.0), col("aluminum_share", 0.0), col("copper_share", 1.0)
        us = col("us_content", 0.0)
        return {
            "value": np.ones(rows.height),
            "metal": np.clip(steel + alu, 0.0, 1.0),
            "steel": steel,
            "aluminum": alu,
            "copper": copper,
            "non_us_content": 1.0 - us,
        }


def _steps_overlap(steps: list[Any], dmin: np.datetime64, dmax: np.datetime64) -> bool:
    """Whether any non-null step is in force somewhere in [dmin, dmax]."""
    for i, s in enumerate(steps):
        if s.rate is None:
            continue
        start = np.datetime64(s.from_, "D")
        end = np.datetime64(steps[i + 1].from_, "D") if i + 1 < len(steps) else np.datetime64("2999-12-31")
        if start <= dmax and end > dmin:
            return True
    return False


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
        if not tr.matched[row]:
            continue
        rule = tr.ref.rule
        step = tr.steps[tr.step_idx[row]] if tr.step_idx[row] >= 0 else None
        rate_stat = float(tr.statutory[row])
        owed = float(tr.owed[row])
        heading = rule.heading
        if tr.transit_out[row]:
            reason, applied = "not applied: goods in transit (loaded and entered before the cut-off)", False
        elif tr.claimed_out[row]:
            reason, applied = "not applied: exempt when the USMCA/FTA preference is claimed", False
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
            by = tr.displaced_by[row]
            who = result.traces[by].ref if by >= 0 else None
            cite = _exclusion_cite(who, tr.ref) if who else ""
            reason, applied = (
                f"not applied: excluded by {who.id if who else '?'} ({who.rule.heading if who else ''}){cite}",
                False,
            )
        elif owed < rate_stat:
            by = tr.displaced_by[row]
            who = result.traces[by].ref if by >= 0 else None
            reason = (
                f"applied to {_pct(1 - owed / rate_stat)} of value: the rest is covered by "
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
                else f"{rule.basis} share {float(tr.share[row]):.3g}",
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
