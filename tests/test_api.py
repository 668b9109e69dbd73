"""The flat API (``import tariffscope as ts``): the same answers as the CLI, as typed result objects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import tariffscope as ts
import tariffscope.trade.weights as weights_mod
from tariffscope.cli.main import app
from tariffscope.errors import TariffscopeError, UnknownCountry, UnknownHTS
from tariffscope.results import Result
from test_package import WEIGHTS
from test_scenario_evaluate import engine_rates

runner = CliRunner()
ev = importlib.import_module("tariffscope.scenarios.evaluate")


def cli_json(*args: str) -> Any:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def roundtrip(obj: Any) -> Any:
    """What a JSON consumer sees (the CLI writes with ``default=str``)."""
    return json.loads(json.dumps(obj, default=str))


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 1e-12 relative: the scenario evaluation sums in a varying order, so its last
    bits differ from run to run (the CLI against itself too)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-9, nan_ok=True)
    return bool(a == b)


def test_acceptance_japanese_car() -> None:
    r = ts.rate("8703.23.01.60", origin="JP", date="2025-05-02")
    assert r.total_rate == 0.275
    assert isinstance(r, ts.RateResult) and isinstance(r.components[0], ts.Component)
    assert r.hts == "8703.23.01.60" and r.duty_usd is None
    assert sum(c.rate or 0.0 for c in r.components) == pytest.approx(r.total_rate, abs=1e-12)
    s232 = next(c for c in r.components if c.authority == "s232")
    assert (s232.heading, s232.rate, s232.applied) == ("9903.94.01", 0.25, True)
    assert "10908" in s232.citation


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (["8703.23.01.60", "-o", "JP", "-d", "2025-05-02"], {"origin": "JP", "date": "2025-05-02"}),
        (
            ["8703230160", "-o", "JPN", "-d", "2025-09-16", "--value", "30000"],
            {"origin": "JPN", "date": "2025-09-16", "value": 30000.0},
        ),
        (
            ["9403.60.80.10", "-o", "CN", "-d", "2025-05-02", "--value", "1000", "--as-of", "2025-06-01"],
            {"origin": "CN", "date": "2025-05-02", "value": 1000.0, "as_of": dt.date(2025, 6, 1)},
        ),
        (
            ["7326.90.86.88", "-o", "MX", "-d", "2025-07-01", "--metal-share", "0.4", "--claim", "usmca"],
            {"origin": "MX", "date": "2025-07-01", "metal_share": 0.4, "claim": "usmca"},
        ),
    ],
)
def test_to_dict_is_the_cli_json_contract(args: list[str], kwargs: dict[str, Any]) -> None:
    r = ts.rate(args[0], **kwargs)
    assert roundtrip(r.to_dict()) == cli_json("rate", *args, "--format", "json")
    assert list(r.to_dict()) == list(cli_json("rate", *args, "--format", "json"))  # same key order too


def test_rate_result_is_frozen_and_tabular() -> None:
    r = ts.rate("8703.23.01.60", origin="JP", date="2025-09-16", value=30_000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.total_rate = 0.0  # type: ignore[misc]
    df = r.to_polars()
    assert df.height == len(r.components)
    assert df.filter("applied")["rate"].sum() == pytest.approx(r.total_rate)
    assert r.duty_usd == 4500.0
    assert "total 15%" in r.summary() and "$4.50k" in r.summary() and str(r) == r.summary()


def test_rate_errors_name_the_argument() -> None:
    with pytest.raises(UnknownCountry) as e1:
        ts.rate("8703.23.01.60", origin="XX", date="2025-05-02")
    assert e1.value.field == "origin"
    with pytest.raises(UnknownHTS) as e2:
        ts.rate("9999.99.99.99", origin="JP", date="2025-05-02")
    assert e2.value.field == "hts10"
    assert ts.rate("8703.23.01.60", origin="JP", date=dt.datetime(2025, 5, 2, 9, 30)).date == "2025-05-02"
    with pytest.raises(TariffscopeError) as e3:
        ts.rate("8703.23.01.60", origin="JP", date="2025-05-02", as_of="June")
    assert e3.value.field == "as_of" and "'June'" in str(e3.value)


def _batch_file(tmp_path: Path) -> Path:
    src = tmp_path / "in.csv"
    src.write_text(
        "hts10,origin,date,value,metal_share\n"
        "8703.23.01.60,JP,2025-05-02,30000,\n"
        "9999.99.99.99,JP,2025-05-02,10,\n"
        "7326.90.86.88,CN,2025-07-01,1000,0.4\n"
        "8703230160,JPN,2025-09-16,5000,\n"
        "0101.21.00.10,XX,2025-05-02,5,\n"
    )
    return src


def test_rate_batch_equals_the_cli_batch(tmp_path: Path) -> None:
    src, out = _batch_file(tmp_path), tmp_path / "out.csv"
    r = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(out)])
    assert r.exit_code == 1  # some lines failed
    table = ts.rate_batch(src)
    assert isinstance(table, pl.DataFrame)
    assert table.write_csv() == out.read_text()
    # a frame in gives the same as its file
    assert ts.rate_batch(pl.read_csv(src, infer_schema_length=0)).equals(table)
    assert table["status"].to_list()[:2] == [
        "ok",
        "error: hts10: 9999.99.99.99 is not a line of the HTS in force on 2025-05-02",
    ]


def test_rate_batch_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(TariffscopeError, match="cannot read the batch file") as e:
        ts.rate_batch(tmp_path / "missing.csv")
    assert e.value.field == "lines"
    with pytest.raises(TariffscopeError, match="lacks required column"):
        ts.rate_batch(pl.DataFrame({"hts10": ["8703.23.01.60"]}))


def test_import_is_fast_and_lazy() -> None:
    """``import tariffscope`` loads neither polars nor the engine; ``ts.rate`` loads them on first use."""
    code = "import sys, tariffscope as ts; print(sorted(m for m in sys.modules if m.split('.')[0] in ('polars', 'tariffscope')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["tariffscope", "tariffscope.errors"]
    assert set(ts.__all__) <= set(dir(ts))
    with pytest.raises(AttributeError):
        ts.no_such_thing  # noqa: B018


# --- the wrappers: same answers as their CLI commands -------------------------------------------------


def test_etr_rows_are_the_cli_rows() -> None:
    e = ts.etr("2025-04-01", "2025-04-30", partners=["JP", "CHN"], by="authority")
    assert isinstance(e, Result)
    cli = cli_json("etr", "-p", "JP", "-p", "CHN", "--from", "2025-04-01", "--to", "2025-04-30",
                   "--by", "authority", "--format", "json")  # fmt: skip
    assert roundtrip(e.to_dict()["rows"]) == cli
    last = e.to_polars().filter(pl.col("date") == dt.date(2025, 4, 30))
    parts = sum(
        last[c]
        for c in last.columns
        if c.startswith("etr_") and c not in ("etr_additional", "etr_refundable", "etr_band_lo", "etr_band_hi")
    )
    assert (parts - last["etr"]).abs().max() < 1e-9  # authorities add up to the total
    assert "CN" in e.summary() and "weights" in e.summary()
    with pytest.raises(TariffscopeError) as bad:
        ts.etr(partners=["XX"])
    assert bad.value.field == "partners"


def test_exposure_is_the_cli_json() -> None:
    e = ts.exposure("JP", date="2025-10-01", sector="mvh", top=3)
    cli = cli_json(
        "exposure", "JP", "--date", "2025-10-01", "--sector", "mvh", "--top", "3", "--format", "json"
    )
    assert roundtrip(e.to_dict()) == cli
    assert e.to_polars("top_products").height == 3
    assert "ETR" in e.summary()
    with pytest.raises(ValueError, match="table"):
        e.to_polars("nope")


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engine rates and small weights, as the scenario CLI tests use."""
    monkeypatch.setattr(ev, "default_rates", engine_rates)
    monkeypatch.setattr(weights_mod, "load_weights", lambda *a, **k: WEIGHTS)
    ev._RATE_CACHE.clear()


@pytest.mark.usefixtures("fast")
def test_scenario_is_the_cli_json() -> None:
    s = ts.scenario("pause-lapses", partners=["JPN", "ALL"], top=5)
    cli = cli_json("scenario", "run", "pause-lapses", "--partner", "JPN", "--partner", "ALL",
                   "--top", "5", "--format", "json")  # fmt: skip
    assert same(roundtrip(s.to_dict()), cli)
    assert s.to_polars()["partner"].to_list() == ["JP", "ALL"]
    assert "pause-lapses" in s.summary()
    with pytest.raises(TariffscopeError) as bad:
        ts.scenario("pause-lapses", sigma={"cars": 5.0})
    assert bad.value.field == "sigma"


@pytest.mark.usefixtures("fast")
def test_package_is_the_cli_json() -> None:
    p = ts.package("japan-2025")
    assert same(roundtrip(p.to_dict()), cli_json("scenario", "package", "japan-2025", "--format", "json"))
    assert p.to_polars("timeline").height == len(p.raw.timeline)
    assert "ILLUSTRATIVE" in p.summary()
    with pytest.raises(TariffscopeError) as bad:
        ts.package("japan-2025", export_supply=0)
    assert bad.value.field == "export_supply"


def test_ge_is_the_cli_json() -> None:
    g = ts.ge(example="byz-eu-enlargement")
    r = runner.invoke(app, ["ge", "run", "--example", "byz-eu-enlargement", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(json.dumps(g.to_dict(), default=float)) == json.loads(r.stdout)
    assert g.to_polars().height == len(g.to_dict()["rows"])
    assert "welfare" in g.summary()
    with pytest.raises(TariffscopeError, match="exactly one"):
        ts.ge()


def test_panel_wraps_panel_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wrapper passes dates through and describes the table (the full panel is tested in test_panel)."""
    import tariffscope.resolver.panel as panel_mod

    seen: dict[str, Any] = {}

    def fake(on: dt.date, as_of: dt.date | None = None) -> pl.DataFrame:
        seen.update(on=on, as_of=as_of)
        return pl.DataFrame({"hts10": ["a", "a", "b"], "origin": ["JP", "CN", "JP"], "date": [on] * 3})

    monkeypatch.setattr(panel_mod, "panel_on", fake)
    p = ts.panel("2025-09-16", as_of="2025-10-01")
    assert seen == {"on": dt.date(2025, 9, 16), "as_of": dt.date(2025, 10, 1)}
    d = p.to_dict()
    assert (d["rows"], d["lines"], d["countries"], d["as_of"]) == (3, 2, 2, "2025-10-01")
    assert p.to_dict(rows=True)["records"][0]["date"] == "2025-09-16"
    assert "2 HTS10 lines x 2 countries" in p.summary()


def test_exposure_bad_sector_names_the_argument() -> None:
    with pytest.raises(TariffscopeError) as bad:
        ts.exposure("JP", date="2025-10-01", sector="cars")
    assert bad.value.field == "sector"
    with pytest.raises(UnknownCountry) as who:
        ts.exposure("XX", date="2025-10-01")
    assert who.value.field == "partner"
