"""Lines whose column 1 rate is not a number: rates "by reference" and chapter 98 special-program lines.

Before, both answered "not a line of the HTS in force", which is false: the line exists. A
by-reference line owes its chapter 99 duties, its MFN part is flagged and not summed; a
special-program-only line says it is open only under its program.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.errors import UnknownHTS
from tariffscope.resolver.api import resolve_frame, resolve_one
from tariffscope.resolver.panel import panel_on
from tariffscope.schedule import Schedule

ENSEMBLE = "6103220050"  # "The rate applicable to each garment in the ensemble if separately entered"
USMCA_CHEESE = "9823040300"  # 9823.04.03: "$1.509/kg (S+)", Special column only


def test_ensemble_owes_chapter_99_duties_and_flags_its_mfn() -> None:
    r = resolve_one(ENSEMBLE, "CN", dt.date(2025, 6, 1), value=1000.0)
    assert r["base_status"] == "by reference" and r["total_complete"] is False
    mfn = r["components"][0]
    assert mfn["measure"] == "us.mfn" and mfn["rate"] is None and mfn["by_reference"]
    assert "each garment in the ensemble" in mfn["reason"] and "NOT included" in mfn["reason"]
    owed = {c["heading"]: c["rate"] for c in r["components"][1:] if c["rate"]}
    assert owed["9903.01.24"] == pytest.approx(0.2)  # China fentanyl 20% (EO 14228)
    assert owed["9903.01.25"] == pytest.approx(0.1)
    assert r["total_rate"] == pytest.approx(sum(owed.values()))
    assert r["rates"]["rate_mfn"] is None
    assert r["duty_usd"] == pytest.approx(1000.0 * r["total_rate"])


def test_special_program_line_says_so() -> None:
    with pytest.raises(UnknownHTS, match=r"special-program line \(Special column: \$1\.509/kg \(S\+\)"):
        resolve_one(USMCA_CHEESE, "DE", dt.date(2025, 6, 1))
    with pytest.raises(UnknownHTS, match="partners: CA, MX"):
        resolve_one(USMCA_CHEESE, "DE", dt.date(2025, 6, 1))
    with pytest.raises(UnknownHTS, match="beneficiaries tariffscope does not resolve"):
        resolve_one("9819110300", "KE", dt.date(2025, 6, 1))  # AGOA: many beneficiaries


def test_usmca_program_line_from_mexico_claims_usmca() -> None:
    r = resolve_one("9823010100", "MX", dt.date(2025, 6, 1))  # Free (S+)
    assert r["base_status"] == "special program" and r["total_rate"] == 0
    assert "special program rate Free (S+)" in r["components"][0]["reason"]


def test_special_program_lines_keep_their_own_special_text() -> None:
    line = Schedule.load().lookup("9823.04.03.00", "2025-06-01")
    assert line is not None and "S+" in line["special_text"] and line["general_text"] == ""


def test_batch_reports_base_status_per_row() -> None:
    rows = pl.DataFrame(
        {
            "hts10": [ENSEMBLE, USMCA_CHEESE, "6912004810", "0000000000", USMCA_CHEESE, USMCA_CHEESE],
            "origin": ["JP", "JP", "JP", "JP", "MX", "MX"],
            "date": ["2025-06-01"] * 6,
            "value": ["1000", "1000", "1000", "1000", "1000", "1000"],
            "quantity": ["", "", "", "", "100", ""],
        }
    )
    t = resolve_frame(rows).table
    assert t["base_status"].to_list() == [
        "by reference",
        "special program only",
        "rate",
        None,
        "special program",
        "special program only",
    ]
    # a USMCA partner owes the Special rate, exact with the quantity: $1.509/kg x 100 kg / $1,000
    assert t["status"][4] == "ok" and t["rate_mfn"][4] == pytest.approx(0.1509)
    assert t["status"][5].startswith("error: quantity")
    assert t["status"][0] == "ok" and t["status"][2] == "ok"
    assert "special-program line" in t["status"][1]
    assert "not a line of the HTS" in t["status"][3]
    assert t["rate_mfn"][0] is None and t["total_rate"][0] == pytest.approx(0.1)
    assert t["rate_mfn"][2] == pytest.approx(0.098)


def test_cli_rate_shows_by_reference(tmp_path: object) -> None:
    out = CliRunner().invoke(app, ["rate", "6103.22.00.50", "-o", "JP", "-d", "2025-06-01", "-f", "json"])
    assert out.exit_code == 0, out.output
    assert '"base_status": "by reference"' in out.output and '"total_complete": false' in out.output


def test_panel_keeps_by_reference_lines_and_drops_special_only() -> None:
    p = panel_on(dt.date(2025, 6, 1)).filter(pl.col("origin") == "JP")
    ens = p.filter(pl.col("hts10") == ENSEMBLE)
    assert ens.height == 1 and ens["base_status"][0] == "by reference"
    assert ens["rate_mfn"][0] is None and ens["total_rate"][0] == pytest.approx(0.1)
    assert p.filter(pl.col("hts10").str.starts_with("9823")).height == 0
    assert p.filter(pl.col("base_status") == "rate").height > 15_000


def test_floor_rule_on_a_by_reference_line_says_it_assumed_mfn_zero() -> None:
    r = resolve_one(ENSEMBLE, "JP", dt.date(2025, 9, 1))
    floor = [c for c in r["components"] if c["heading"] == "9903.02.73"]
    assert floor and floor[0]["rate"] == pytest.approx(0.15)
    assert "computed as if it were 0" in floor[0]["reason"]


def test_timeline_of_a_by_reference_line() -> None:
    from tariffscope.resolver.timeline import product_timeline

    t = product_timeline(ENSEMBLE, "CN", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert t.height > 3 and t["components"].str.contains("us.mfn=by reference").all()
