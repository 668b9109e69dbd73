"""CLI commands on rates over imports: ``etr``, ``weights``, ``exposure`` and ``rank``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli.output import (
    Format,
    console,
    date_option,
    emit_frame,
    emit_json,
    pct,
    progress_bar,
    usd,
)
from tariffscope.fmt import HOURS_PER_YEAR


def _band_pct() -> pl.Expr:
    """The ETR's weights band as ``lo-hi`` in percent (other spreads of the weights: docs/analytics.md)."""
    return pl.format(
        "{}-{}", (100 * pl.col("etr_band_lo")).round(1), (100 * pl.col("etr_band_hi")).round(1)
    ).alias("band %")


def etr(
    partner: Annotated[
        list[str] | None,
        typer.Option("--partner", "-p", help="partner (ISO2/ISO3/Census); repeat; default all"),
    ] = None,
    date_from: Annotated[str, typer.Option("--from", help="first entry date")] = "2025-01-01",
    date_to: Annotated[str, typer.Option("--to", help="last entry date")] = "2026-06-30",
    by: Annotated[str, typer.Option("--by", help="partner | authority | sector")] = "partner",
    view: options.ViewOpt = "adjusted",
    as_of: options.AsOfOpt = None,
    daily: Annotated[
        bool, typer.Option("--daily/--changes", help="one row per day, or only the change points")
    ] = True,
    fmt: options.TableFormatOpt = "table",
    out: options.OutOpt = None,
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """Effective tariff rate per day: duty over all imports, by partner (and authority or sector).

    JSON/CSV rows are those of ``etr_series`` (decimals); tables show percent and only the days on
    which something changed.
    """
    from tariffscope.analytics.etr import etr_series

    start, end = options.date_span(date_from, date_to, ("--from", "--to"))
    if by not in ("partner", "authority", "sector"):
        raise typer.BadParameter(f"{by!r}: use partner, authority or sector", param_hint="--by")
    ps = [options.partner(p, "--partner") for p in partner] if partner else None
    w = options.checked(lambda: options.weights(db, year))
    if by == "sector":
        w = w.rename({"gtap": "sector"}) if "gtap" in w.columns else w
    with progress_bar("ETR change points") as cb:
        df = options.checked(
            lambda: etr_series(
                w,
                start,
                end,
                partners=ps,
                by="sector" if by == "sector" else "partner",
                view=options.view(view),
                as_of=date_option(as_of, "--as-of"),
                daily=daily or fmt == "table",
                progress=cb,
            )
        )
    if fmt != "table":
        emit_frame(df, fmt, out)
        return
    reality = _reality(df) if by == "partner" and not ps else None
    _etr_changes_table(df, by, view, out)
    if df.height and df["usmca_claims"][0]:
        console.print(f"[dim]claims: {df['usmca_claims'][0]}[/]")
    if reality is not None and reality.height:
        _reality_table(reality)


def _etr_changes_table(df: pl.DataFrame, by: str, view: str, out: Path | None) -> None:
    """The days on which some rate changed, in percent; by authority, only the authorities that charge."""
    etr_cols = [c for c in df.columns if c.startswith("etr")]
    group = ["partner", "sector"] if by == "sector" else ["partner"]
    df = df.sort([*group, "date"])
    changed = pl.any_horizontal([pl.col(c).diff().over(group).abs() > 1e-9 for c in etr_cols]) | (
        pl.col("date") == pl.col("date").min().over(group)
    )
    df = df.filter(changed).sort(["date", *group])
    labels: dict[str, str] = {}
    if by == "authority":
        # authorities that charge nothing in the period take no room; the others are named plainly
        summary = ("etr", "etr_additional", "etr_refundable", "etr_band_lo", "etr_band_hi")
        parts = [c for c in etr_cols if c not in summary]
        peak = {c: float(df.select(pl.col(c).abs().max()).item() or 0.0) for c in parts}
        live = [c for c in parts if df.height and peak[c] > 0.0]
        show = df.select("date", "partner", "etr", _band_pct(), *live, "etr_refundable")
        pcols: list[str] = etr_cols
        labels = {c: c.removeprefix("etr_").replace("_", " ") for c in [*parts, "etr_refundable"]}
        # when narrow, the IEEPA-refundable part, then the smallest contributions are left out first (named)
        drop = ["etr_refundable", *sorted(live, key=lambda c: peak[c])]
    else:
        show = df.select(
            "date",
            *group,
            "etr",
            _band_pct(),
            pl.col("etr_additional").alias("above MFN"),
            pl.col("imports_usd").alias("imports"),
            pl.col("duty_usd_per_year").alias("duty/yr"),
        )
        pcols = ["etr", "above MFN"]
        drop = ["imports", "duty/yr"]
    emit_frame(
        show,
        "table",
        out,
        title=(
            f"Effective tariff rate, {view} view ({df['view_label'][0]}); weights "
            f"{df['weights_grain'][0]}; band: other spreads of the weights. Days it changed"
        ),
        percent_cols=pcols,
        usd_cols=("imports", "duty/yr"),
        labels=labels,
        drop=drop,
    )


def _reality_table(reality: pl.DataFrame) -> None:
    """The owed view's monthly duty beside the customs duties Treasury reports collected."""
    from tariffscope.analytics.collected import WEDGE

    emit_frame(
        reality.select(
            pl.col("month").dt.strftime("%Y-%m"),
            pl.col("owed_usd").alias("owed/month"),
            pl.col("collected_usd").alias("collected"),
            "basis",
            pl.format("{}%", (100 * pl.col("ratio")).round(0).cast(pl.Int64)).alias("collected/owed"),
        ),
        "table",
        None,
        title="Reality check: owed view's duty (2024 volumes) vs customs duties collected (Treasury MTS)",
        usd_cols=("owed/month", "collected"),
    )
    console.print(f"[dim]{WEDGE}. Sources: src/tariffscope/data/duties_collected.csv[/]")


def _reality(df: pl.DataFrame) -> pl.DataFrame | None:
    """The months of ``df`` with cited collected duties (all partners, daily rows only)."""
    from tariffscope.analytics.collected import reality_check

    if "ALL" not in df["partner"].unique().to_list():
        return None
    return reality_check(df)


def weights(
    partner: Annotated[
        str, typer.Option("--partner", "-p", help="partner (ISO2/ISO3/Census); default ALL partners")
    ] = "ALL",
    level: Annotated[str, typer.Option("--level", "-l", help="hts10 | hs6 | hs4 | hs2 | sector")] = "hs4",
    top: Annotated[int, typer.Option("--top", help="rows in the table (0 = all); JSON/CSV give all")] = 25,
    fmt: options.TableFormatOpt = "table",
    out: options.OutOpt = None,
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """The import weights an ETR rests on: value by code, its share, grain and spread band.

    Rows ``{partner, code, name, imports_usd, share, imports_lo_usd, imports_hi_usd, grain,
    data_year}``. Grains: hts10_exact (observed), raked_spread (2024 sector totals raked to where
    the trade is; lo/hi = other spread shapes), gtap_spread, hs2_spread.
    """
    from tariffscope.analytics.common import partner_code
    from tariffscope.trade.weights_view import LEVELS, weights_table

    if level not in LEVELS:
        raise typer.BadParameter(f"{level!r}: use one of {', '.join(LEVELS)}", param_hint="--level")
    p = options.checked(lambda: partner_code(partner))
    w = options.checked(lambda: options.weights(db, year))
    df = options.checked(lambda: weights_table(w, p, level))
    if fmt != "table":
        emit_frame(df, fmt, out)
        return
    shown = df.head(top) if top else df
    from tariffscope.analytics.common import grain_label

    grains = grain_label(w if p == "ALL" else w.filter(pl.col("partner") == p))
    emit_frame(
        shown.select(
            "code",
            *([pl.col("name").str.slice(0, 22)] if level == "sector" else []),
            pl.col("imports_usd").alias("imports"),
            "share",
            pl.col("imports_lo_usd").alias("low"),
            pl.col("imports_hi_usd").alias("high"),
            "grain",
        ),
        fmt,
        out,
        title=(
            f"Import weights of {p} by {level}, {year} ({usd(float(df['imports_usd'].sum()))} in all; "
            f"grains {grains}); low/high: other spread shapes"
        ),
        percent_cols=("share",),
        usd_cols=("imports", "low", "high"),
    )


def exposure(
    partner: Annotated[str, typer.Argument(help="partner: ISO2, ISO3 or Census code")],
    date: Annotated[str, typer.Option("--date", "-d", help="entry date")],
    sector: Annotated[
        str | None,
        typer.Option("--sector", "-s", help="GTAP-45 code (mvh = motor vehicles) or HS chapters (84-85)"),
    ] = None,
    view: options.ViewOpt = "adjusted",
    as_of: options.AsOfOpt = None,
    top: Annotated[int, typer.Option("--top", help="number of top products")] = 10,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json")] = "table",
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """A partner's imports, ETR, duty per year and per hour, by sector and authority, top products."""
    from tariffscope.analytics.exposure import exposure as run

    d = options.entry_date(date, "--date")
    partner = options.partner(partner, "PARTNER")
    w = options.checked(lambda: options.weights(db, year))
    e = options.checked(
        lambda: run(
            partner,
            d,
            sector,
            weights=w,
            view=options.view(view),
            as_of=date_option(as_of, "--as-of"),
            top=top,
        )
    )
    if fmt == "json":
        emit_json(e)
        return
    _print_exposure(e, top)


def _print_exposure(e: dict[str, Any], top: int) -> None:
    """An exposure for people: the headline, then tables by sector, by authority and top products."""
    head = f"[bold]{e['partner']}[/] on {e['date']} ({e['view']} view: {e['view_label']}"
    head += f", as known on {e['as_of']})" if e["as_of"] else ")"
    if e["sector"]:
        head += f", sector {e['sector']}"
    console.print(head)
    console.print(
        f"imports {usd(e['imports_usd'])}/year   ETR [bold]{pct(e['etr'])}[/] "
        f"(band {pct(e['etr_band_lo'])}-{pct(e['etr_band_hi'])}; above MFN {pct(e['etr_additional'])})   "
        f"duty {usd(e['duty_usd_per_year'])}/year = [bold]{usd(e['duty_usd_per_hour'])}/hour[/] "
        f"(above MFN {usd(e['additional_duty_usd_per_hour'])}/hour)"
    )
    console.print(f"[dim]weights: {e['weights_grain']}, data year {e['data_year']}; {e['denominator']}[/]")
    if e.get("usmca_claims"):
        console.print(f"[dim]claims: {e['usmca_claims']}[/]")
    t = Table(title="by sector (GTAP-45)")
    for c in ("sector", "name", "imports", "share", "ETR", "duty/year", "duty/hour"):
        t.add_column(c, justify="left" if c in ("sector", "name") else "right")
    for s in e["composition"][:15]:
        t.add_row(
            s["sector"], s["sector_name"], usd(s["imports_usd"]), pct(s["share"], 1), pct(s["etr"]),
            usd(s["duty_usd_per_year"]), usd(s["duty_usd_per_year"] / HOURS_PER_YEAR),
        )  # fmt: skip
    console.print(t)
    t = Table(title="by authority")
    for c in ("authority", "share of imports charged", "ETR contribution", "duty/year"):
        t.add_column(c, justify="left" if c == "authority" else "right")
    for a in e["authorities"]:
        if a["share_of_imports"] > 0:
            t.add_row(
                a["label"],
                pct(a["share_of_imports"], 1),
                pct(a["etr_contribution"]),
                usd(a["duty_usd_per_year"]),
            )
    console.print(t)
    t = Table(title=f"top {top} products by duty")
    for c in ("HTS", "description", "imports", "rate", "components", "duty/year"):
        t.add_column(c, justify="right" if c in ("imports", "rate", "duty/year") else "left", overflow="fold")
    for p in e["top_products"]:
        comps = ", ".join(f"{k} {pct(v)}" for k, v in p["rates"].items())
        t.add_row(
            p["hts"],
            p["description"][:60],
            usd(p["imports_usd"]),
            pct(p["total_rate"]),
            comps,
            usd(p["duty_usd_per_year"]),
        )
    console.print(t)


def rank(
    date: Annotated[str, typer.Option("--date", "-d", help="entry date")],
    view: options.ViewOpt = "adjusted",
    as_of: options.AsOfOpt = None,
    reference: Annotated[
        str, typer.Option("--reference", "-r", help="compare every partner with this one")
    ] = "JP",
    min_imports: Annotated[
        float,
        typer.Option(
            "--min-imports",
            help="rank partners with at least this USD of imports",
            callback=options.amount_cb,
        ),
    ] = 1e9,
    top: Annotated[int, typer.Option("--top", help="rows shown in a table (0 = all)")] = 40,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json | csv")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to a file")] = None,
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """ETR and duty of every partner on a date, lowest ETR first (rank 1), with the gap to a reference."""
    from tariffscope.analytics.rank import rank as run

    d = options.entry_date(date, "--date")
    ref = options.partner(reference, "--reference")
    w = options.checked(lambda: options.weights(db, year))
    df = options.checked(
        lambda: run(
            d,
            weights=w,
            view=options.view(view),
            as_of=date_option(as_of, "--as-of"),
            min_imports_usd=min_imports,
            reference=ref,
        )
    )
    if fmt == "table":
        ranked = df.filter(pl.col("rank").is_not_null())
        mine = ranked.filter(pl.col("partner") == ref)
        shown = ranked.head(top) if top else ranked
        if mine.height and ref not in shown["partner"].to_list():
            shown = pl.concat([shown, mine])
        shown = pl.concat([shown, df.filter(pl.col("partner") == "ALL")], how="vertical_relaxed")
        from tariffscope.analytics.etr import VIEW_LABELS

        band = _band_pct()
        emit_frame(
            shown.select(
                "rank",
                "partner",
                pl.col("imports_usd").alias("imports"),
                "etr",
                band,
                pl.col("etr_additional").alias("above MFN"),
                pl.col("duty_usd_per_year").alias("duty/yr"),
                pl.col("vs_reference_pp").round(1).alias("vs pp"),
            ),
            fmt,
            out,
            title=(
                f"ETR on {d}, {view} view ({VIEW_LABELS[options.view(view)]}), partners with imports ≥ "
                f"{usd(min_imports)}; band: other spreads of the weights; vs {ref} in pp"
            ),
            percent_cols=("etr", "above MFN"),
            usd_cols=("imports", "duty/yr"),
            drop=("duty/yr", "imports"),
        )
        if mine.height:
            n_better = int(mine["rank"][0]) - 1
            console.print(
                f"{n_better} of {ranked.height} partners face a lower ETR than {ref} ({pct(float(mine['etr'][0]))})."
            )
        if df.height and df["usmca_claims"][0]:
            console.print(f"[dim]claims: {df['usmca_claims'][0]}[/]")
        return
    emit_frame(df, fmt, out)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command(name="etr")(etr)
    app.command(name="exposure")(exposure)
    app.command(name="weights")(weights)
    app.command(name="rank")(rank)
