"""Reality check: duties actually collected beside the owed view's monthly duty.

``duties_collected.csv`` (shipped) holds customs duties by month from the Treasury Monthly Treasury
Statement (MTS), each row with its source; ``basis`` is ``net`` (after refunds) or ``gross``. Fiscal
year 2025 (Oct 2024-Sep 2025) closed at $195B of customs duties (final MTS, as cited by the
Committee for a Responsible Federal Budget).

The owed view's monthly duty is the mean of ``duty_usd_per_year`` over the month's days / 12, at
2024 import volumes. Collected and owed differ for known reasons (the wedge): duties are deposited
after entry (periodic monthly statements pay about a month later), goods in foreign-trade zones and
bonded warehouses owe nothing until withdrawn, drawback refunds duty on re-exports, low-value
shipments entered under de minimis paid none until it ended (China/Hong Kong 2025-05-02, all
2025-08-29), evasion and undervaluation, and 2025-26 import volumes that differ from 2024's
(front-loading before April 2025, then substitution away from tariffed goods).
"""

from __future__ import annotations

import functools

import polars as pl

from tariffscope.paths import PACKAGE_DATA

WEDGE = (
    "collected < owed: payment lags (about a month), FTZ/bonded warehouses, drawback, de minimis "
    "(until 2025-08-29), evasion; and owed uses 2024 import volumes, not 2025-26's"
)


@functools.cache
def collected() -> pl.DataFrame:
    """Cited customs duties by month: ``month (date, first day), basis, usd, source, url``."""
    return pl.read_csv(PACKAGE_DATA / "duties_collected.csv").with_columns(
        pl.col("month").str.to_date("%Y-%m"), pl.col("usd").cast(pl.Float64)
    )


def reality_check(series: pl.DataFrame) -> pl.DataFrame:
    """Monthly owed duty from a daily ETR series (its ``ALL`` rows, or the only partner's) beside the
    collected duty of the month (net where cited, else gross): ``month, owed_usd, collected_usd,
    basis, ratio, source``. Only months with a cited figure and at least one day in the series."""
    s = series.filter(pl.col("partner") == "ALL") if "ALL" in series["partner"].to_list() else series
    owed = (
        s.group_by(pl.col("date").dt.truncate("1mo").alias("month"))
        .agg((pl.col("duty_usd_per_year").mean() / 12).alias("owed_usd"), pl.len().alias("days"))
        .sort("month")
    )
    c = collected().sort(pl.col("basis") != "net").unique("month", keep="first", maintain_order=True)
    return (
        owed.join(c, on="month", how="inner")
        .select(
            "month",
            "owed_usd",
            pl.col("usd").alias("collected_usd"),
            "basis",
            (pl.col("usd") / pl.col("owed_usd")).alias("ratio"),
            "source",
        )
        .sort("month")
    )
