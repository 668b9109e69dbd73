"""A single lookup says which claims it did not make would change its duty (``resolver/hints.py``).

Each hint is priced by the same resolver with the claim added, in both directions: ``auto_part`` on a
generic note 33(g) provision raises the duty (9903.94.05 instead of 9903.94.06), ``usmca`` on a
Canadian car lowers it (general note 11), ``informational`` on recorded media lowers it (50 USC
1702(b)(3); 9903.01.31). Batches compute no hints.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.resolver import hints as hints_mod
from tariffscope.resolver.api import resolve_frame, resolve_one
from tariffscope.resolver.context import default_context
from tariffscope.resolver.engine import Engine
from tariffscope.resolver.hints import CLAIM_ORIGINS, reacting_rules


def _schedule_ready() -> bool:
    try:
        resolve_one("8703230190", "JP", dt.date(2025, 10, 1))
    except Exception:  # no schedule in this checkout
        return False
    return True


pytestmark = pytest.mark.skipif(not _schedule_ready(), reason="the shipped schedule is not available")
runner = CliRunner()


def _hint(r: dict[str, Any], claim: str) -> dict[str, Any]:
    found = [h for h in r["claim_hints"] if h["claim"] == claim]
    assert found, (claim, r["claim_hints"])
    return found[0]


def test_a_computer_from_china_would_owe_the_auto_parts_duty_if_an_auto_part() -> None:
    # note 33(g) lists heading 8471; 33(h)(ii) sends articles that are not vehicle parts to 9903.94.06
    r = resolve_one("8471.41.01.50", "CN", "2025-06-01")
    h = _hint(r, "auto_part")
    assert h["effect"] == "raises" and h["change"] == pytest.approx(0.25)
    assert h["total_rate"] == pytest.approx(r["total_rate"] + 0.25)
    assert (
        h["total_rate"] == resolve_one("8471.41.01.50", "CN", "2025-06-01", claim="auto_part")["total_rate"]
    )
    assert [x["heading"] for x in h["rules"]] == ["9903.94.06"]
    assert "33 (h)(ii)" in h["rules"][0]["citation"]
    assert "passenger vehicle" in h["condition"]
    assert {"heading": "9903.94.05", "rate": 0.0, "rate_with_claim": 0.25}.items() <= h["changes"][0].items()


def test_a_canadian_car_says_what_a_usmca_claim_does() -> None:
    r = resolve_one("8703.23.01.90", "CA", "2025-06-01", value=30_000)
    h = _hint(r, "usmca")
    claimed = resolve_one("8703.23.01.90", "CA", "2025-06-01", value=30_000, claim="usmca")
    assert h["effect"] == "lowers" and h["change"] < 0
    assert h["total_rate"] == claimed["total_rate"] and h["duty_usd"] == claimed["duty_usd"]
    moved = {c["measure"]: (c["rate"], c["rate_with_claim"]) for c in h["changes"]}
    assert moved["us.mfn"] == (0.025, 0.0)  # the special rate Free replaces 2.5% (general note 11)
    assert moved["us.s232.autos/vehicles_usmca"] == (0.0, 0.25)  # 9903.94.03 on the non-US content
    assert "9903.94.03" in {x["heading"] for x in h["rules"]}
    # only goods of Canada or Mexico can claim USMCA
    assert "usmca" not in {
        x["claim"] for x in resolve_one("8703.23.01.90", "JP", "2025-06-01")["claim_hints"]
    }


def test_recorded_media_declared_informational_owe_no_reciprocal() -> None:
    r = resolve_one("8523.49.20.10", "DE", "2025-06-01")
    assert r["total_rate"] == pytest.approx(0.10)  # the 10% baseline (9903.01.25)
    h = _hint(r, "informational")
    assert h["effect"] == "lowers" and h["total_rate"] == 0.0
    assert [x["heading"] for x in h["rules"]] == ["9903.01.31"]
    assert "1702" in h["rules"][0]["citation"]
    # printed matter of chapter 49 is informational without a claim: nothing to declare
    book = resolve_one("4901.99.00.93", "DE", "2025-06-01")
    assert book["total_rate"] == 0.0
    assert "informational" not in {x["claim"] for x in book["claim_hints"]}


def test_a_line_no_claim_touches_has_no_hints() -> None:
    r = resolve_one("0101.21.00.10", "FR", "2025-06-01")
    assert r["claim_hints"] == []


def test_a_declared_claim_is_not_listed_again() -> None:
    r = resolve_one("8471.41.01.50", "CN", "2025-06-01", claim="auto_part")
    assert r["total_rate"] == pytest.approx(0.525)
    assert "auto_part" not in {x["claim"] for x in r["claim_hints"]}


def test_batches_compute_no_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: Any, **__: Any) -> Any:
        raise AssertionError("a batch computed claim hints")

    monkeypatch.setattr(hints_mod, "claim_hints", boom)
    monkeypatch.setattr("tariffscope.resolver.api.claim_hints", boom)
    rows = pl.DataFrame(
        {"hts10": ["8471410150", "8703230190"], "origin": ["CN", "CA"], "date": ["2025-06-01"] * 2}
    )
    out = resolve_frame(rows).table
    assert not any("hint" in c for c in out.columns)
    assert out["total_rate"].to_list() == pytest.approx([0.275, 0.275])


def test_the_coverage_filter_equals_the_engine_on_random_lines() -> None:
    """The hint's cheap coverage test finds exactly the claim-reactive rules an engine run with every
    claim declared covers, over random lines, origins and dates."""
    ctx = default_context()
    cat = ctx.catalogue
    rng = np.random.default_rng(3)
    codes = ctx.schedule.lines["hts10"].unique().sort().to_list()
    generic = ["8471410150", "8482100000", "8507600020", "8471500150", "8523492010", "0805900100"]
    origins = ["CN", "CA", "MX", "DE", "JP", "KR", "CH", "GT", "GB", "IN", "BR", "FR"]
    span = (dt.date(2026, 12, 31) - dt.date(2025, 1, 1)).days
    seen = 0
    for i in range(300):
        hts = generic[i % len(generic)] if i % 3 == 0 else codes[int(rng.integers(0, len(codes)))]
        origin = origins[int(rng.integers(0, len(origins)))]
        day = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, span + 1)))
        fast = {
            (k, ref.id)
            for k, refs in reacting_rules(cat, None, hts, origin, day, []).items()
            for ref, _, _ in refs
        }
        names = sorted(
            {k for ref in cat.rules for k in ref.rule.claims if origin in CLAIM_ORIGINS.get(k, (origin,))}
        )
        row = {
            "hts10": [hts],
            "origin": [origin],
            "date": [day],
            "base_rate": [0.0],
            "claim": [",".join(names)],
        }
        res = Engine(cat).run(pl.DataFrame(row), explain=True)
        full = {
            (k, tr.ref.id) for tr in res.traces if tr.at(0) >= 0 for k in tr.ref.rule.claims if k in names
        }
        assert fast == full, (hts, origin, day)
        seen += bool(full)
    assert seen > 50, seen  # the sample reaches claim-reactive rules, not only empty answers


def test_cli_rate_shows_the_hints_in_table_json_and_csv() -> None:
    args = ["rate", "8471.41.01.50", "--origin", "CN", "--date", "2025-06-01"]
    r = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "Claims that would change this duty" in flat and "auto_part" in flat and "+25 pp" in flat
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    js = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert js["claim_hints"][0]["claim"] == "auto_part"
    csv = pl.read_csv(runner.invoke(app, [*args, "-f", "csv"]).stdout.encode())
    hint = csv.filter(pl.col("section") == "claim_hint")
    assert hint["claim"].to_list() == ["auto_part"] and hint["claim_total_rate"][0] == pytest.approx(0.525)
    # the components still add up to the total
    assert csv["rate"].sum() == pytest.approx(csv["total_rate"][0])
    none = runner.invoke(app, ["rate", "0101.21.00.10", "-o", "FR", "-d", "2025-06-01"])
    assert "No claim" in " ".join(none.stdout.split())


def test_python_api_result_carries_the_hints() -> None:
    import tariffscope as ts

    r = ts.rate("8471.41.01.50", origin="CN", date="2025-06-01")
    assert [h.claim for h in r.claim_hints] == ["auto_part"]
    assert r.to_dict()["claim_hints"][0]["total_rate"] == pytest.approx(0.525)
    assert "declaring auto_part would raise it to 52.5% (+25 pp)" in r.summary()


def test_rest_rate_lists_hints_and_accepts_every_claim_it_names() -> None:
    from fastapi.testclient import TestClient

    from tariffscope.web.app import create_app

    client = TestClient(create_app(), raise_server_exceptions=False)
    q = {"hts": "8471.50.01.50", "origin": "TW", "date": "2026-03-01"}
    body = client.get("/api/rate", params=q).json()
    hinted = {h["claim"]: h for h in body["claim_hints"]}
    # note 39(b): a computer meeting the semiconductor parameters owes 25% (9903.79.01)
    assert hinted["semiconductor_parameters"]["change"] == pytest.approx(0.25)
    declared = client.get("/api/rate", params={**q, "claim": "semiconductor_parameters"})
    assert declared.status_code == 200, declared.text
    assert declared.json()["total_rate"] == hinted["semiconductor_parameters"]["total_rate"]
    assert "semiconductor_parameters" not in {h["claim"] for h in declared.json()["claim_hints"]}


def test_japans_tariff_hints_its_agreement_claim_in_yen() -> None:
    # docs/jurisdictions.md: beef of the US pays the Japan-US Trade Agreement rate only when claimed
    r = resolve_one("0202.30", "US", "2025-06-01", importer="JP", value=100_000)
    h = _hint(r, "japan_us")
    claimed = resolve_one("0202.30", "US", "2025-06-01", importer="JP", value=100_000, claim="japan_us")
    assert h["effect"] == "lowers" and h["total_rate"] == claimed["total_rate"]
    assert [c["measure"] for c in h["changes"]] == [
        "jp.fta.japan_us/beef"
    ]  # the base rate itself is unchanged
    out = runner.invoke(
        app, ["rate", "0202.30", "--importer", "JP", "-o", "US", "-d", "2025-06-01", "--value", "100000"]
    )
    assert "JPY" in " ".join(out.stdout.split()).split("Claims that would change")[1]
