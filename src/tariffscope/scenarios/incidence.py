"""Who bears a tariff: exporters' price cuts against a firm's own reported figure, per hour.

The model's ``exporter_price_cut_usd`` (:func:`tariffscope.scenarios.evaluate._metrics`) is the part of the extra
duty that exporters absorb by cutting their (pre-duty) prices, on the volumes they still sell; the rest is paid
by US buyers. For a carmaker that imports through its own US subsidiary, the duty is paid inside the group and
what its accounts report as the "tariff impact" is the duty it could not pass on to US prices, i.e. this same
quantity, at firm scale. A country's exporter surplus (an area under a supply curve) is not comparable with a
firm's figure; the price cuts are.

Firms' figures (``tariffscope/data/firm_tariff_costs.csv``) cite the firm's own statement and the exchange rate
used; a figure with ``currency`` USD and ``cost`` per hour (the Akazawa quote) is per hour already.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe.smart import HOURS_PER_YEAR
from tariffscope.paths import PACKAGE_DATA

FIRMS = PACKAGE_DATA / "firm_tariff_costs.csv"


@functools.cache
def firm_figures() -> pl.DataFrame:
    """Firms' reported tariff costs: ``firm, country, hs_prefixes, period_from, period_to, cost, currency, ...``."""
    return pl.read_csv(FIRMS, try_parse_dates=True)


def firm_per_hour(firm: str) -> dict[str, Any]:
    """A firm's reported tariff cost in USD per hour (the period's hours; per-hour quotes as they are)."""
    f = firm_figures().filter(pl.col("firm") == firm)
    if f.height == 0:
        raise DataError(f"firm: {firm!r} is not one of {', '.join(firm_figures()['firm'].to_list())}")
    r = f.row(0, named=True)
    a, b = r["period_from"], r["period_to"]
    assert isinstance(a, dt.date) and isinstance(b, dt.date)
    hours = ((b - a).days + 1) * 24.0
    per_hour_quote = r["firm"].startswith("akazawa")
    usd = float(r["cost"]) / float(r["usd_rate"])
    return {
        "firm": firm,
        "country": r["country"],
        "hs_prefixes": r["hs_prefixes"].split(";"),
        "period": f"{a.isoformat()}..{b.isoformat()}",
        "reported": f"{r['cost']:,.0f} {r['currency']}" + (" per hour" if per_hour_quote else ""),
        "usd_per_hour": usd if per_hour_quote else usd / hours,
        "source": r["source"],
    }


def compare_with_firm(lines: pl.DataFrame, firm: str) -> dict[str, Any]:
    """The model's exporters' price cuts per hour, for the firm's country and products, next to its own figure.

    ``lines``: a scenario result's lines (against the baseline, usually). Also gives the duty change on those
    goods and the share of it that exporters absorb, so the firm's figure can be read as a share of its
    country's total.
    """
    f = firm_per_hour(firm)
    sel = lines.filter(
        (pl.col("partner") == f["country"]) & pl.col("hts10").str.slice(0, 4).is_in(f["hs_prefixes"])
    )
    cut = -float(sel["price_effect_usd"].sum())
    duty = float((sel["tariff_revenue_change_usd"]).sum())
    return {
        **f,
        "model_exporter_price_cut_usd_per_hour": cut / HOURS_PER_YEAR,
        "model_duty_change_usd_per_hour": duty / HOURS_PER_YEAR,
        "firm_share_of_country_price_cuts": f["usd_per_hour"] / (cut / HOURS_PER_YEAR) if cut > 0 else None,
        "firm_share_of_country_duty_change": f["usd_per_hour"] / (duty / HOURS_PER_YEAR)
        if duty > 0
        else None,
    }
