"""The lean single-lookup path (``resolver/single.py``) against the table path and the batch engine.

A random sample of lookups (seeded) over ordinary lines and the edge lines (chapter 98, specific and
compound duties, metal derivatives, column 2 origins, USMCA claims, shipments, declared shares,
loading dates, Census and ISO3 origin codes) must give exactly the same record through both paths:
every component, rate, note and landed-cost figure, or the same error. The same lines priced as one
batch must give the same rates, duty and landed cost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from tariffscope.errors import TariffscopeError
from tariffscope.resolver.api import resolve_frame, resolve_one
from tariffscope.resolver.context import default_context
from tariffscope.resolver.engine import RATE_COLUMNS
from tariffscope.resolver.landed import LANDED_COLUMNS
from tariffscope.resolver.single import Lookup, fast_record

ORIGINS = [
    "JP", "CN", "HK", "DE", "MX", "CA", "KR", "VN", "IN", "BR", "GB", "CH", "AU", "SG",
    "CU", "RU", "KP", "BY", "ZA", "TW", "jp", "JPN", "5880", "DEU", "4280", "ca",
]  # fmt: skip
CLAIMS = [None, None, None, "usmca", "fta", "auto_part", "usmca,auto_part", "civil_aircraft", "informational"]
N = 900


def _codes(rng: np.random.Generator) -> list[str]:
    """Ordinary lines and the edge lines, weighted so that each kind is well represented."""
    ctx = default_context()
    lines = ctx.schedule.lines

    def pick(df: pl.DataFrame, n: int) -> list[str]:
        codes = df["hts10"].unique().sort().to_list()
        return [codes[i] for i in rng.integers(0, len(codes), n)] if codes else []

    shares = ctx.metal_shares.filter(pl.col("steel_share") + pl.col("aluminum_share") > 0)
    return [
        *pick(lines, 300),
        *pick(lines.filter(pl.col("hts10").str.starts_with("98")), 120),
        *pick(lines.filter(pl.col("mfn_specific_usd").fill_null(0) > 0), 150),
        *pick(
            lines.filter(pl.col("hts10").str.slice(0, 2).is_in(["72", "73", "76", "74", "87", "84", "85"])),
            200,
        ),
        *pick(shares, 100),
        *pick(lines.filter(pl.col("general_text").str.contains("(?i)see|applicable")), 30),
    ]


def _sample(seed: int = 11) -> list[tuple[str, str, dt.date, dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    codes = _codes(rng)
    span = (dt.date(2026, 12, 31) - dt.date(2025, 1, 1)).days
    out = []
    for i in range(N):
        h = codes[i % len(codes)]
        hts = f"{h[:4]}.{h[4:6]}.{h[6:8]}.{h[8:]}" if i % 3 == 0 else (h[:8] if i % 7 == 0 else h)
        origin = ORIGINS[int(rng.integers(0, len(ORIGINS)))]
        date = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, span + 1)))
        kw: dict[str, Any] = {}
        if rng.random() < 0.7:
            kw["value"] = float(rng.choice([50.0, 799.0, 800.0, 2400.0, 2600.0, 12345.67, 1e6, 0.0]))
        if rng.random() < 0.35:
            kw["quantity"] = float(rng.choice([1.0, 3.0, 250.0, 0.0]))
        for share in ("metal_share", "steel_share", "aluminum_share", "copper_share", "us_content"):
            if rng.random() < 0.1:
                kw[share] = float(rng.choice([0.0, 0.2, 0.5, 1.0]))
        claim = CLAIMS[int(rng.integers(0, len(CLAIMS)))]
        if claim == "usmca" or (claim and rng.random() < 0.5):
            origin = str(rng.choice(["CA", "MX"])) if rng.random() < 0.8 else origin
        if claim is not None:
            kw["claim"] = claim
        if rng.random() < 0.1:
            kw["loading_date"] = date - dt.timedelta(days=int(rng.integers(0, 60)))
        if "value" in kw and rng.random() < 0.4:
            kw["shipment"] = str(rng.choice(["formal", "informal", "express", "postal", "POSTAL "]))
            if rng.random() < 0.5:
                kw["transport"] = str(rng.choice(["vessel", "air", "land", "mail"]))
            if rng.random() < 0.5:
                kw["postal_method"] = str(rng.choice(["ad_valorem", "specific"]))
        as_of = None if rng.random() < 0.9 else date
        if as_of is not None:
            kw["as_of"] = as_of
        out.append((hts, origin, date, kw))
    return out


def _answer(hts: str, origin: str, date: dt.date, kw: dict[str, Any], lean: bool) -> Any:
    try:
        return resolve_one(hts, origin, date, lean=lean, **kw)
    except TariffscopeError as exc:
        return (type(exc).__name__, str(exc))


def test_lean_path_equals_table_path_on_a_random_sample() -> None:
    lean_taken = 0
    errors = 0
    for hts, origin, date, kw in _sample():
        opt = {k: v for k, v in kw.items() if k != "as_of"}
        if "loading_date" in opt:
            opt["loading_date"] = str(opt["loading_date"])
        lean_taken += (
            fast_record(Lookup(hts, origin, str(date), opt), default_context(), kw.get("as_of")) is not None
        )
        a = _answer(hts, origin, date, kw, lean=True)
        b = _answer(hts, origin, date, kw, lean=False)
        assert a == b, (hts, origin, date, kw)
        errors += isinstance(b, tuple)
    # the sample exercises both the lean path and the table path's errors
    assert lean_taken > N // 2, lean_taken
    assert errors > 10, errors


def test_lean_lookups_equal_one_batch() -> None:
    sample = [s for s in _sample(seed=5) if "as_of" not in s[3]]
    cols = sorted({k for s in sample for k in s[3]} | {"shipment"})
    data: dict[str, list[Any]] = {"hts10": [], "origin": [], "date": [], **{c: [] for c in cols}}
    for hts, origin, date, kw in sample:
        data["hts10"].append(hts)
        data["origin"].append(origin)
        data["date"].append(date)
        for c in cols:
            v = kw.get(c)
            data[c].append(None if v is None else str(v) if c in ("loading_date",) else v)
    batch = resolve_frame(pl.DataFrame(data, strict=False)).table
    checked = 0
    for (hts, origin, date, kw), rec in zip(sample, batch.iter_rows(named=True), strict=True):
        one = _answer(hts, origin, date, kw, lean=True)
        if rec["status"] != "ok":
            assert isinstance(one, tuple), (hts, origin, date, kw, rec["status"])
            continue
        assert not isinstance(one, tuple), (hts, origin, date, kw, one)
        assert one["total_rate"] == round(rec["total_rate"], 10)
        assert one["rates"] == {c: None if rec[c] is None else round(rec[c], 10) for c in RATE_COLUMNS}
        assert one["base_status"] == rec["base_status"]
        if "value" in kw:
            assert one["duty_usd"] == round(rec["duty_usd"], 2)
            block = one["landed_cost"]
            got = {
                "shipment": block["shipment"],
                "transport": block["transport"],
                "de_minimis": block["de_minimis_code"],
                "duty_owed_usd": block["duty_owed_usd"],
                "mpf_usd": block["fees"]["mpf_usd"],
                "hmf_usd": block["fees"]["hmf_usd"],
                "landed_cost_usd": block["landed_cost_usd"],
            }
            assert got == {k: rec[k] for k in got}, (hts, origin, date, kw)
            assert set(LANDED_COLUMNS) <= set(rec)
        checked += 1
    assert checked > N // 2, checked
