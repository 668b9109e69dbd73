"""The worked example ``docs/us-japan-2025.md`` cannot drift: every number in its tables is regenerated.

The numbers are parsed from the doc's tables (value columns; labels and the "observed" column are facts from
outside the model) and recomputed with the API the doc's commands call (``scenario run``/``compare`` =
:func:`tariffscope.scenarios.evaluate.evaluate`, ``--firm`` = :func:`tariffscope.scenarios.incidence`,
``ge run --scenario`` = :func:`tariffscope.scenarios.ge.scenario_ge`). Each must match within the rounding
the doc shows (half a unit of its last digit). A table row the test does not know fails, so a new number
cannot be added to the doc without being locked here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tariffscope.models.pe.smart import HOURS_PER_YEAR
from tariffscope.scenarios.evaluate import ScenarioResult, evaluate
from tariffscope.scenarios.incidence import compare_with_firm, firm_per_hour

DOC = Path(__file__).resolve().parents[1] / "docs" / "us-japan-2025.md"
MAY, OCT = dt.date(2025, 5, 15), dt.date(2025, 10, 1)
UNITS = {"%": 1e-2, "k": 1e3, "M": 1e6, "B": 1e9}
NUMBER = re.compile(r"(?P<sign>[+−-])?\s?\$?(?P<num>\d+(?:\.\d+)?)\s?(?P<unit>%|k\b|M\b|B\b)")


def doc_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """Section heading -> its tables' rows ``(label, value cells)``: the value columns joined, except a column
    headed "observed" (facts from outside the model); header and separator rows are skipped."""
    out: dict[str, list[tuple[str, str]]] = {}
    section, header = "", None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:  # the first row of a table is its header
            header = cells
        elif not set(line) <= set("|-: ") and len(cells) >= 2:
            keep = [c for h, c in zip(header[1:], cells[1:], strict=False) if "observed" not in h]
            out.setdefault(section, []).append((cells[0], " ; ".join(keep)))
    return out


def numbers(cell: str) -> list[tuple[float, float]]:
    """``(value, rounding tolerance)`` of each number with a unit in a cell, in decimals and USD."""
    out = []
    for m in NUMBER.finditer(cell.replace("**", "").replace(",", "")):
        scale = UNITS[m["unit"]]
        sign = -1.0 if m["sign"] in ("−", "-") else 1.0
        digits = len(m["num"].split(".")[1]) if "." in m["num"] else 0
        out.append((sign * float(m["num"]) * scale, 0.5 * 10**-digits * scale * 1.0001))
    return out


@pytest.fixture(scope="module")
def may() -> ScenarioResult:
    return evaluate("current-law", MAY, against="baseline")


@pytest.fixture(scope="module")
def deal() -> ScenarioResult:
    return evaluate("the-deal", OCT, against="july-letter")


@pytest.fixture(scope="module")
def vs_baseline() -> dict[str, dict[str, Any]]:
    return {
        s: evaluate(s, OCT, against="baseline", bands=False).row("JP")
        for s in ("the-deal", "july-letter", "pause-lapses")
    }


@pytest.fixture(scope="module")
def ge() -> dict[str, dict[str, Any]]:
    from tariffscope.scenarios.ge import scenario_ge

    return {r["country"]: r for r in scenario_ge("current-law").rows()}


def _cars(lines: pl.DataFrame) -> tuple[float, float, float]:
    """Japan's HS 8703 exports to the US: value, volume and dollar price changes."""
    c = lines.filter((pl.col("partner") == "JP") & pl.col("hts10").str.starts_with("8703"))
    m0 = float(c["imports_usd"].sum())
    value = float(c["imports_change_usd"].sum()) / m0
    price = float((c["exporter_price_change"] * c["imports_usd"]).sum()) / m0
    return value, (1 + value) / (1 + price) - 1, price


def _car_band(res: ScenarioResult, k: int) -> list[float]:
    """Central value, then the band's low and high ends (as the doc writes them) of a car measure."""
    vals = [_cars(b)[k] for b in res.bands.values()] + [_cars(res.lines)[k]]
    return [_cars(res.lines)[k], min(vals), max(vals)]


def _band(row: dict[str, Any], key: str) -> list[float]:
    return [row[key], *row["range"][key]]


def _ge(rows: dict[str, dict[str, Any]], country: str, key: str) -> list[float]:
    r = rows[country]
    return [r[key] / 100, *(x / 100 for x in r["range"][key])]


Getter = Callable[[dict[str, Any]], list[float]]
EXPECTED: dict[tuple[str, str], Getter] = {
    # 1. May 2025 against the 2025-01-01 law
    ("1.", "passenger cars (HS 8703): value"): lambda f: _car_band(f["may"], 0),
    ("1.", "passenger cars: volume"): lambda f: _car_band(f["may"], 1),
    ("1.", "passenger cars: exporters' dollar prices"): lambda f: _car_band(f["may"], 2),
    ("1.", "all goods: ETR"): lambda f: [f["may_jp"]["etr_against"], f["may_jp"]["etr"]],
    ("1.", "all goods: exports to the US"): lambda f: [
        f["may_jp"]["exports_change_usd"],
        f["may_jp"]["exports_change_pct"],
        *f["may_jp"]["range"]["exports_change_usd"],
    ],
    ("1.", "exporters' price cuts"): lambda f: [
        f["may_jp"]["exporter_price_cut_usd"],
        f["may_jp"]["exporter_price_cut_usd_per_hour"],
        *f["may_jp"]["range"]["exporter_price_cut_usd"],
    ],
    ("1.", "US consumer cost / tariff revenue"): lambda f: [
        f["may_jp"]["us_consumer_cost_usd"],
        f["may_jp"]["tariff_revenue_change_usd"],
    ],
    ("1.", "Japanese exporters' surplus"): lambda f: [f["may_jp"]["exporter_surplus_change_usd"]],
    # 2. a firm's figure against the model's
    ("2.", "Toyota, April–May 2025"): lambda f: [firm_per_hour("toyota-apr-may-2025")["usd_per_hour"]],
    ("2.", "Toyota, year to March 2026"): lambda f: [firm_per_hour("toyota-fy2025")["usd_per_hour"]],
    ("2.", "model: all Japanese exporters"): lambda f: [f["firm"]["model_exporter_price_cut_usd_per_hour"]],
    ("2.", "model: the extra duty"): lambda f: [f["firm"]["model_duty_change_usd_per_hour"]],
    # 3. the deal against the July letter
    ("3.", "ETR"): lambda f: [f["deal_jp"]["etr_against"], f["deal_jp"]["etr"]],
    ("3.", "Japan's exports to the US"): lambda f: [
        f["deal_jp"]["exports_change_usd"],
        f["deal_jp"]["exports_change_pct"],
        *f["deal_jp"]["range"]["exports_change_usd"],
    ],
    ("3.", "the same per hour"): lambda f: [f["deal_jp"]["exporter_revenue_change_usd_per_hour"]],
    ("3.", "Japanese exporters' prices"): lambda f: [f["deal_jp"]["exporter_price_change"]],
    ("3.", "Japanese exporters' surplus"): lambda f: [f["deal_jp"]["exporter_surplus_change_usd"]],
    ("3.", "US consumer cost"): lambda f: [f["deal_jp"]["us_consumer_cost_usd"]],
    ("3.", "US tariff revenue"): lambda f: [
        f["deal_jp"]["tariff_revenue_change_usd"],
        f["deal_jp"]["tariff_revenue_other_partners_usd"],
    ],
    ("3.", "US welfare"): lambda f: _band(f["deal_jp"], "us_welfare_change_usd"),
    ("3.", "the deal ("): lambda f: [
        f["base"]["the-deal"]["exports_change_usd"],
        f["base"]["the-deal"]["exports_change_pct"],
    ],
    ("3.", "the July letter ("): lambda f: [
        f["base"]["july-letter"]["exports_change_usd"],
        f["base"]["july-letter"]["exports_change_pct"],
    ],
    ("3.", "the pause lapsing"): lambda f: [
        f["base"]["pause-lapses"]["exports_change_usd"],
        f["base"]["pause-lapses"]["exports_change_pct"],
    ],
    ("3.", "the deal against the letter"): lambda f: [
        f["base"]["the-deal"]["exports_change_usd"] - f["base"]["july-letter"]["exports_change_usd"]
    ],
    # 4. the whole 2025 regime in GE
    ("4.", "Japan: welfare"): lambda f: _ge(f["ge"], "JP", "welfare_change_pct"),
    ("4.", "US: welfare"): lambda f: _ge(f["ge"], "US", "welfare_change_pct"),
    ("4.", "Japan: real GDP (value added"): lambda f: _ge(f["ge"], "JP", "real_gdp_va_change_pct"),
    ("4.", "US: real GDP (value added"): lambda f: _ge(f["ge"], "US", "real_gdp_va_change_pct"),
    ("4.", "Japan: real gross output"): lambda f: _ge(f["ge"], "JP", "real_gross_output_change_pct"),
    ("4.", "US: real gross output"): lambda f: _ge(f["ge"], "US", "real_gross_output_change_pct"),
}


def _getter(section: str, label: str) -> Getter | None:
    hits = [g for (s, lab), g in EXPECTED.items() if section.startswith(s) and label.startswith(lab)]
    return hits[0] if len(hits) == 1 else None


def test_doc_tables_parse() -> None:
    """The parser finds the doc's tables and every row with numbers has a known generator."""
    tables = doc_tables(DOC.read_text(encoding="utf-8"))
    assert {s[:2] for s in tables} >= {"1.", "2.", "3.", "4."}
    unknown = [
        (s, lab) for s, rows in tables.items() for lab, cell in rows if numbers(cell) and not _getter(s, lab)
    ]
    assert not unknown, f"doc rows with numbers that no test regenerates: {unknown}"
    assert numbers("−$9.6B, −6.7% of 2024 (−$10.5B … −$8.7B)") == pytest.approx(
        [
            (-9.6e9, 0.05e9 * 1.0001),
            (-0.067, 0.0005 * 1.0001),
            (-10.5e9, 0.05e9 * 1.0001),
            (-8.7e9, 0.05e9 * 1.0001),
        ]
    )


def test_every_number_in_the_worked_example_is_regenerated(
    may: ScenarioResult,
    deal: ScenarioResult,
    vs_baseline: dict[str, dict[str, Any]],
    ge: dict[str, dict[str, Any]],
) -> None:
    facts: dict[str, Any] = {
        "may": may,
        "may_jp": may.row("JP"),
        "firm": compare_with_firm(may.lines, "toyota-fy2025"),
        "deal_jp": deal.row("JP"),
        "base": vs_baseline,
        "ge": ge,
    }
    wrong, checked = [], 0
    for section, rows in doc_tables(DOC.read_text(encoding="utf-8")).items():
        for label, cell in rows:
            doc = numbers(cell)
            getter = _getter(section, label)
            if not doc or getter is None:
                continue
            want = getter(facts)
            if len(want) != len(doc):
                wrong.append(
                    f"{section[:2]} {label!r}: the doc shows {len(doc)} numbers, the model {len(want)}"
                )
                continue
            for (d, tol), w in zip(doc, want, strict=True):
                checked += 1
                if abs(d - w) > tol:
                    wrong.append(f"{section[:2]} {label!r}: doc {d:,.6g}, model {w:,.6g} (in {cell!r})")
    assert not wrong, "docs/us-japan-2025.md drifted:\n" + "\n".join(wrong)
    assert checked >= 40
    # the per-hour figure is the yearly one over 8,760 hours
    assert facts["may_jp"]["exporter_price_cut_usd_per_hour"] == pytest.approx(
        facts["may_jp"]["exporter_price_cut_usd"] / HOURS_PER_YEAR, abs=0.01
    )
