"""Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy Analysis*, ch. 2:
the GE applications "trade without borders" and "the effects of NAFTA", on the book's data.

Published numbers: the book's Stata logs (``Chapter2/Applications/*/Results/*.log`` of the book's
replication files, as shipped in the ``pachadotdev/tradepolicy`` repository) for the estimates, and
the R replication of the book's tables in ``tradepolicy``'s rendered chapter 2 ("General equilibrium
trade policy analysis with structural gravity"; Vargas Sepulveda) for the country results.

The book solves the full endowment GE by iterating PPML regressions (GEPPML) and stops early: its
rule compares ``abs(max(d))`` and ``sd(d)`` of successive factory-gate price increments with 0.01
(Stata; 3-5 iterations) or 1e-3 / 1e-5 (R). Results that need no iteration (PPML estimates,
conditional GE) are matched to the published precision; full-GE results, which we solve exactly,
are matched to the accuracy of that stopping rule (stated per check) and checked for identities.
"""

from __future__ import annotations

import pytest

from tariffscope.paths import shared_data

pytestmark = pytest.mark.skipif(
    not (shared_data() / "gravity" / "yotov2016_agtpa_applications.csv.gz").is_file(),
    reason="AGTPA data not available",
)
pytest.importorskip("pyfixest")


@pytest.fixture(scope="module")
def borders():
    from tariffscope.models.ge.yotov import trade_without_borders

    return trade_without_borders()


@pytest.fixture(scope="module")
def nafta():
    from tariffscope.models.ge.yotov import nafta_effects

    return nafta_effects()


def _table(app) -> dict[str, dict]:
    return {r["country"]: r for r in app.table.to_dicts()}


def test_trade_without_borders(borders) -> None:
    # PPML of 2006 trade (TradeWithoutBorder.log): ln_DIST -.7912879, CNTG .6736456, INTL_BRDR -2.47445
    assert borders.estimates["ln_dist"] == pytest.approx(-0.7912879, abs=1e-6)
    assert borders.estimates["cntg"] == pytest.approx(0.6736456, abs=1e-6)
    assert borders.estimates["intl"] == pytest.approx(-2.47445, abs=1e-5)
    t = _table(borders)
    # tradepolicy ch. 2 (Figures 6 and 7 data): country, conditional exports %, full exports %,
    # -(IMR) %, factory-gate price %, real GDP %
    published = {
        "DEU": (133.3884682, 190.7961200, 0.0, 24.3614923, 24.3614923),
        "ARG": (65.5241016, 118.1201522, 11.2984616, 32.1522097, 48.9852511),
        "AUS": (229.5590837, 300.2246068, 5.6392030, 21.3573372, 28.6099111),
        "CAN": (80.8245169, 138.0849272, 14.2070017, 32.3630197, 54.2818438),
        "CHN": (175.4962321, 238.2476333, -7.7698211, 23.2394466, 14.3543205),
        "JPN": (220.7975923, 293.4334707, -9.2198662, 22.7388304, 12.3777520),
        "MEX": (114.5537038, 174.7353470, 11.5405308, 29.0013418, 45.8310149),
    }
    for c, (cond, full, minus_imr, price, rgdp) in published.items():
        r = t[c]
        # conditional GE needs no iteration: equal to the printed precision of the PPML fits
        assert r["exports_conditional_pct"] == pytest.approx(cond, abs=1e-3), c
        # full GE: within the R loop's early stop (levels, relative)
        assert 1 + r["exports_full_pct"] / 100 == pytest.approx(1 + full / 100, rel=5e-3), c
        assert 1 + r["factory_gate_price_pct"] / 100 == pytest.approx(1 + price / 100, rel=1e-3), c
        assert 1 - r["minus_imr_pct"] / 100 == pytest.approx(1 - minus_imr / 100, rel=1.5e-3), c
        assert 1 + r["real_gdp_pct"] / 100 == pytest.approx(1 + rgdp / 100, rel=1.5e-3), c
        # identity: real GDP = factory-gate price / consumer price index
        assert 1 + r["real_gdp_pct"] / 100 == pytest.approx(
            (1 + r["factory_gate_price_pct"] / 100) / (1 - r["minus_imr_pct"] / 100), rel=1e-12
        )
    assert t["DEU"]["minus_imr_pct"] == pytest.approx(0.0, abs=1e-10)  # reference importer numeraire
    assert all(c.converged for c in borders.result.convergence)
    # every country gains from free trade; the largest exporters of the world gain least in real GDP
    assert min(r["real_gdp_pct"] for r in t.values()) > 0


def test_nafta_effects(nafta) -> None:
    # RTAsEffects.log: stage 1 RTA .5571853; stage 2 ln_DIST -.8475027 CNTG .2940831 LANG .3632659
    # CLNY .2394163; 14 pair costs filled (pairs that never trade)
    e = nafta.estimates
    assert e["rta"] == pytest.approx(0.5571853, abs=1e-6)
    stage2 = {"ln_dist": -0.8475027, "cntg": 0.2940831, "lang": 0.3632659, "clny": 0.2394163}
    for k, v in stage2.items():
        assert e[f"stage2_{k}"] == pytest.approx(v, abs=1e-4), k
    assert nafta.meta["filled_pairs"] == 14
    t = _table(nafta)
    # The book's table of NAFTA effects (p. 116; R replication, 2 decimals): conditional exports,
    # full exports, real GDP, IMR, OMR, factory-gate price
    published = {
        "CAN": (35.00, 37.46, 3.40, -1.48, -2.14, 1.84),
        "MEX": (41.65, 43.52, 3.81, -2.40, -1.52, 1.30),
        "USA": (14.49, 14.89, 0.33, -0.18, -0.17, 0.15),
        "ARG": (-0.66, -0.68, -0.01, 0.01, 0.00, -0.00),
        "COL": (-1.80, -1.73, -0.03, 0.09, -0.07, 0.06),
        "DEU": (-0.14, -0.17, -0.01, 0.00, 0.01, -0.01),
    }
    for c, (cond, full, rgdp, imr, omr, price) in published.items():
        r = t[c]
        # conditional GE: the published 2 decimals, up to the precision of the pair fixed effects
        assert r["exports_conditional_pct"] == pytest.approx(cond, abs=0.015), c
        # full GE: the book's loop stopped at a 1e-3 change (R) / after 3 iterations (Stata)
        assert 1 + r["exports_full_pct"] / 100 == pytest.approx(1 + full / 100, rel=6e-3), c
        for got, want in ((r["real_gdp_pct"], rgdp), (r["imr_pct"], imr), (r["omr_pct"], omr)):
            assert got == pytest.approx(want, abs=0.12), c
        assert r["factory_gate_price_pct"] == pytest.approx(price, abs=0.12), c
    # NAFTA members gain, outsiders lose real GDP; DEU's consumer prices are the numeraire
    assert all(t[c]["real_gdp_pct"] > 0 for c in ("CAN", "MEX", "USA"))
    assert sum(t[c]["real_gdp_pct"] < 0 for c in t if c not in ("CAN", "MEX", "USA")) >= 60
    assert t["DEU"]["imr_pct"] == pytest.approx(0.0, abs=1e-10)
    assert all(c.converged for c in nafta.result.convergence)
