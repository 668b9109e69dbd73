"""Shipment outcomes beside the duty: de minimis and its end, postal duties, MPF and HMF (landed cost)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.errors import TariffscopeError
from tariffscope.resolver.api import resolve_frame, resolve_one

TABLEWARE = "6912004810"  # MFN 9.8%


def _batch() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "hts10": [TABLEWARE] * 8,
            "origin": ["JP", "JP", "CN", "CN", "DE", "JP", "MX", "VN"],
            "date": [
                "2025-08-28",  # last day of de minimis for Japan
                "2025-08-29",  # first day without
                "2025-05-01",  # last day for China
                "2025-05-13",  # China postal 120%
                "2026-08-01",  # postal rate of note 2(y) ended with Section 122
                "2025-09-30",  # FY2025 fees
                "2025-10-01",  # FY2026 fees
                "2026-02-25",  # per-item option gone with IEEPA: ad valorem S122
            ],
            "value": ["700", "700", "700", "700", "700", "3000", "3000", "200"],
            "shipment": ["express", "express", "postal", "postal", "postal", "", "", "postal"],
            "claim": ["", "", "", "", "", "", "usmca", ""],
            "postal_method": ["", "", "", "", "", "", "", "specific"],
        }
    )


def test_batch_landed_columns_follow_the_dates() -> None:
    t = resolve_frame(_batch()).table
    assert (t["status"] == "ok").all()
    duty = t["duty_owed_usd"].to_list()
    assert duty[0] == 0.0 and duty[1] == pytest.approx(700 * t["total_rate"][1], abs=0.01)
    assert duty[2] == 0.0  # China: de minimis until 2025-05-01
    assert duty[3] == pytest.approx(840.0)  # 120% of $700 (EO 14266 sec. 3(a))
    assert duty[4] == pytest.approx(700 * t["total_rate"][4], abs=0.01)  # all duties after 2026-07-23
    assert t["de_minimis"][4] == "postal_ended"
    assert t["shipment"][5] == "formal" and t["mpf_usd"][5] == pytest.approx(32.71)  # FY2025 minimum
    assert t["mpf_usd"][6] == 0.0  # USMCA originating: exempt (19 CFR 24.23(c)(3))
    assert duty[7] == pytest.approx(20.0)  # S122 10% of $200; the per-item option has lapsed
    assert t["hmf_usd"][5] == pytest.approx(3.75) and t["hmf_usd"][2] == 0.0
    assert t["postal_rate"][3] == pytest.approx(1.2) and t["postal_method"][3] == "ad_valorem"
    assert t["postal_method"][7] == "ad_valorem"  # asked for specific after it lapsed
    lc = t["landed_cost_usd"] - t["value"] - t["duty_owed_usd"] - t["fees_usd"]
    assert lc.abs().max() < 0.011
    assert (
        t["total_rate"] == resolve_frame(_batch().drop("shipment", "postal_method")).table["total_rate"]
    ).all()


def test_fees_never_enter_total_rate() -> None:
    r = resolve_one(TABLEWARE, "JP", "2025-11-01", value=100_000.0)
    assert r["total_rate"] == pytest.approx(0.15)
    assert r["duty_usd"] == pytest.approx(15_000.0)
    assert r["landed_cost"]["fees"]["total_usd"] == pytest.approx(471.4)


def test_no_value_no_landed_block() -> None:
    assert resolve_one(TABLEWARE, "JP", "2025-11-01")["landed_cost"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": -1.0}, "value: must not be negative"),
        ({"value": 10.0, "shipment": "boat"}, "shipment: 'boat' is not one of"),
        ({"value": 10.0, "transport": "rail"}, "transport: 'rail' is not one of"),
        ({"value": 10.0, "postal_method": "cheapest"}, "postal_method"),
        ({"value": 9000.0, "shipment": "informal"}, r"limited to \$2,500"),
        ({"shipment": "postal"}, "needs the customs value"),
    ],
)
def test_bad_shipment_inputs_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TariffscopeError, match=message):
        resolve_one(TABLEWARE, "CN", "2025-06-01", **kwargs)  # type: ignore[arg-type]


def test_batch_bad_rows_are_reported_and_the_rest_priced() -> None:
    rows = _batch().with_columns(pl.Series("transport", ["", "boat", "", "", "", "", "", ""]))
    t = resolve_frame(rows).table
    assert t["status"][1].startswith("error: transport")
    assert (t["status"] == "ok").sum() == 7


def test_bad_rows_keep_their_inputs_and_place_among_priced_rows() -> None:
    """Bad rows (an invalid transport, a line not in force) sit in input order between priced rows:
    what they gave is kept, what pricing computes is null, and the good rows price as in a batch
    without the bad ones."""
    good = _batch()
    bad = good.head(2).with_columns(
        pl.Series("hts10", [TABLEWARE, "6912009999"]),  # not a line of the HTS
        pl.Series("date", ["2025-08-28", "2025-01-02"]),
        pl.Series("transport", ["boat", "air"]),
    )
    mixed = pl.concat(
        [good.head(3), bad.head(1), good.slice(3, 4), bad.tail(1), good.tail(1)], how="diagonal"
    )
    t = resolve_frame(mixed).table
    assert t.height == mixed.height
    assert t["row"].to_list() == list(range(mixed.height))
    bad_rows = [3, 8]
    assert t["status"][3].startswith("error: transport") and t["status"][8].startswith("error: hts10")
    assert t["transport"][3] == "boat" and t["transport"][8] == "air"
    priced = ["total_rate", "duty_usd", "mpf_usd", "de_minimis", "landed_cost_usd", "rate_mfn"]
    for r in bad_rows:
        assert all(t[c][r] is None for c in priced), t.row(r, named=True)
    ref = resolve_frame(good.with_columns(pl.lit(None, dtype=pl.String).alias("transport"))).table
    ok = t.filter(pl.col("status") == "ok")
    for c in [*priced, "hts10", "origin", "shipment"]:
        assert ok[c].cast(pl.String).to_list() == ref[c].cast(pl.String).to_list(), c


def test_cli_rate_json_and_table(tmp_path: Path) -> None:
    args = ["rate", "6912.00.48.10", "-o", "VN", "-d", "2025-09-01", "--value", "500", "--shipment", "postal"]
    out = CliRunner().invoke(app, [*args, "--postal-method", "specific", "--quantity", "2", "-f", "json"])
    assert out.exit_code == 0, out.output
    lc = json.loads(out.output)["landed_cost"]
    assert lc["duty_owed_usd"] == pytest.approx(320.0) and "$160 x 2 item(s)" in lc["notes"][0]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "landed $600.00" in table.output  # 20% of $500 + $500
    bad = CliRunner().invoke(app, [*args[:-2], "--shipment", "boat"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_cli_batch_writes_landed_columns(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _batch().write_csv(src)
    out = CliRunner().invoke(app, ["rate", "--batch", str(src), "--out", str(dst)])
    assert out.exit_code == 0, out.output
    got = pl.read_csv(dst)
    for c in (
        "duty_owed_usd",
        "mpf_usd",
        "hmf_usd",
        "fees_usd",
        "landed_cost_usd",
        "de_minimis",
        "base_status",
    ):
        assert c in got.columns


def test_rows_without_value_have_no_shipment_outcome() -> None:
    rows = pl.DataFrame(
        {"hts10": [TABLEWARE] * 3, "origin": ["JP"] * 3, "date": ["2025-06-01"] * 3, "value": ["500", "", ""]}
    ).with_columns(pl.Series("shipment", ["", "", "postal"]))
    t = resolve_frame(rows).table
    assert t["duty_owed_usd"][0] == 0.0 and t["de_minimis"][0] == "free"
    assert t["status"][1] == "ok" and t["duty_owed_usd"][1] is None and t["de_minimis"][1] is None
    assert t["status"][2].startswith("error: value")


def test_web_batch_upload_with_a_shipment_column() -> None:
    from fastapi.testclient import TestClient

    from tariffscope.web.app import create_app

    csv = "hts10,origin,date,value,shipment\n6912.00.48.10,CN,2025-05-20,500,postal\n"
    r = TestClient(create_app()).post("/api/rate/batch", files={"file": ("lines.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    assert row["shipment"] == "postal" and row["duty_owed_usd"] == pytest.approx(270.0)


def test_plain_batch_with_values_keeps_its_columns() -> None:
    rows = pl.DataFrame({"hts10": [TABLEWARE], "origin": ["JP"], "date": ["2025-06-01"], "value": ["500"]})
    t = resolve_frame(rows).table
    assert "landed_cost_usd" not in t.columns and t["duty_usd"][0] == pytest.approx(99.0)
    t = resolve_frame(rows.with_columns(pl.lit("").alias("shipment"))).table
    assert t["shipment"][0] == "informal" and t["landed_cost_usd"][0] == pytest.approx(500.0)
