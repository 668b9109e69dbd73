"""Economic security: where the US depends on a partner, product by product, and the cards each side holds.

Per product (HTS10, HS8/6/4 or GTAP-45 sector):

- ``partner_share_of_us_imports`` = partner's US imports / all US imports of the product;
- ``supplier_hhi`` = Herfindahl-Hirschman index of US import sources, sum of squared supplier shares
  (0-1; x 10,000 for the points of the 2023 DOJ/FTC Merger Guidelines, where above 0.18 is "highly
  concentrated");
- ``top_alternatives``: the largest other suppliers with their shares;
- ``critical``: the line is on one of the lists of :func:`security_data.critical_goods`;
- ``tariff_rate``: import-weighted rate of the partner's lines on the date (the resolver, vectorised,
  as in :mod:`tariffscope.analytics.exposure`), in the owed view by default like every other figure
  (USMCA and FTA preferences claimed as claimed); ``view="statutory"`` gives the ceiling.

Shares need every supplier's value at the product's grain. Where the weights of the partner or of its
rivals are not observed at HTS10 (``gtap_spread``: a GTAP sector total spread over lines by a pooled
shape), line shares would only echo the spread, so the report falls back to the GTAP-45 sector level and
says so (``level``, ``weights_grain``, ``grain_note``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import polars as pl

from tariffscope.analytics.common import (
    HOURS_PER_YEAR,
    format_hts,
    grain_label,
    gtap_names,
    partner_code,
)
from tariffscope.analytics.etr import DEFAULT_VIEW, VIEW_LABELS, View
from tariffscope.analytics.exposure import line_rates, summarise
from tariffscope.analytics.security_data import (
    SECTOR_PREFIXES,
    flag_critical,
    load_cards,
    partner_exports,
    wiod_us_share,
)
from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import DataError, TariffscopeError

Level = Literal["hts10", "hs8", "hs6", "hs4", "gtap"]
LEVELS: tuple[str, ...] = ("hts10", "hs8", "hs6", "hs4", "gtap")
DIGITS = {"hts10": 10, "hs8": 8, "hs6": 6, "hs4": 4}
EXACT_MIN = 0.95  # share of the value of the partner's products that must rest on exact HTS10 rows
FEW_PARTNERS = 50  # fewer suppliers in the weights than this: the universe is what the user loaded
CRITICAL_MIN = 0.5  # an aggregate product is critical when most of the partner's value in it is


class SecurityError(TariffscopeError):
    """A request the security report cannot answer (unknown level, no imports from the partner)."""


def _code_expr(level: str) -> pl.Expr:
    if level == "gtap":
        return pl.col("gtap").fill_null("n/a").alias("code")
    return pl.col("hts10").str.slice(0, DIGITS[level]).alias("code")


def level_for(weights: pl.DataFrame, partner: str, level: str) -> tuple[str, str]:
    """The level the weights support for ``partner`` (``level`` or ``gtap``) and why.

    Product shares need observed HTS10 values for the partner and for its rivals: the requested level is
    kept when at least 95% of US imports of the lines the partner supplies rest on ``hts10_exact`` rows.
    """
    if level not in LEVELS:
        raise SecurityError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    if level == "gtap":
        return "gtap", "GTAP-45 sectors, as asked"
    if "grain" not in weights.columns:
        return level, "weights without a grain column: taken as exact"
    lines = weights.filter((pl.col("partner") == partner) & (pl.col("imports_usd") > 0))["hts10"].unique()
    on_lines = weights.filter(pl.col("hts10").is_in(lines.implode()))
    tot = float(on_lines["imports_usd"].sum())
    exact = float(on_lines.filter(pl.col("grain").cast(pl.String) == "hts10_exact")["imports_usd"].sum())
    share = exact / tot if tot else 0.0
    if share >= EXACT_MIN:
        return level, f"exact HTS10 weights ({100 * share:.0f}% of the value of {partner}'s lines)"
    pg = grain_label(weights.filter(pl.col("partner") == partner))
    return "gtap", (
        f"GTAP-45 sectors, not {level}: only {100 * share:.0f}% of US imports of {partner}'s lines rest on "
        f"observed HTS10 values ({partner}: {pg}); line shares would only echo the spread. Load HTS10 imports "
        f"of all partners (`tariffscope data pull` / `data import`) for product detail"
    )


def dependence(weights: pl.DataFrame, partner: str, level: str, alternatives: int = 3) -> pl.DataFrame:
    """US import dependence on ``partner`` by product at ``level`` (no fallback: see :func:`level_for`).

    Columns: ``code, us_imports_usd, us_imports_from_partner_usd, partner_share_of_us_imports,
    supplier_hhi, suppliers, top_alternatives`` (list of ``{partner, share}``), ``exact_share``.
    """
    w = weights.filter(pl.col("imports_usd") > 0)
    if "grain" not in w.columns:
        w = w.with_columns(pl.lit("hts10_exact").alias("grain"))
    by = (
        w.group_by(_code_expr(level), "partner")
        .agg(
            pl.col("imports_usd").sum(),
            pl.col("imports_usd")
            .filter(pl.col("grain").cast(pl.String) == "hts10_exact")
            .sum()
            .alias("_exact"),
        )
        .sort("code", "partner")  # sums in a fixed order: the same figures to the last digit on every run
        .with_columns(pl.col("imports_usd").sum().over("code").alias("us_imports_usd"))
        .with_columns((pl.col("imports_usd") / pl.col("us_imports_usd")).alias("share"))
    )
    mine = by.filter(pl.col("partner") == partner).select("code")
    by = by.join(mine, on="code", how="semi")
    stats = by.group_by("code").agg(
        pl.col("us_imports_usd").first(),
        pl.col("imports_usd").filter(pl.col("partner") == partner).sum().alias("us_imports_from_partner_usd"),
        pl.col("share").filter(pl.col("partner") == partner).sum().alias("partner_share_of_us_imports"),
        (pl.col("share") ** 2).sum().alias("supplier_hhi"),
        pl.len().alias("suppliers"),
        (pl.col("_exact").sum() / pl.col("imports_usd").sum()).alias("exact_share"),
    )
    alts = (
        by.filter(pl.col("partner") != partner)
        .sort(["code", "share", "partner"], descending=[False, True, False])
        .group_by("code", maintain_order=True)
        .head(alternatives)
        .group_by("code")
        .agg(pl.struct("partner", "share").alias("top_alternatives"))
    )
    return (
        stats.join(alts, on="code", how="left")
        .with_columns(
            pl.col("top_alternatives").fill_null(
                pl.lit([], dtype=pl.List(pl.Struct({"partner": pl.String, "share": pl.Float64})))
            )
        )
        .sort(["partner_share_of_us_imports", "us_imports_from_partner_usd"], descending=True)
    )


def _common_description(descs: list[str]) -> str:
    """The ': '-separated path the descriptions share (a heading's text for an HS4 group)."""
    if not descs:
        return ""
    parts = [d.split(": ") for d in descs if d]
    if not parts:
        return ""
    out: list[str] = []
    for seg in zip(*parts, strict=False):
        if all(s == seg[0] for s in seg):
            out.append(seg[0])
        else:
            break
    return ": ".join(out) or parts[0][0]


def _describe(codes: list[str], level: str, on: dt.date) -> dict[str, str]:
    if level == "gtap":
        names = gtap_names()
        return {c: names.get(c, "not in the GTAP crosswalk") for c in codes}
    from tariffscope.schedule import Schedule

    n = DIGITS[level]
    t = (
        Schedule.load()
        .on(on)
        .select("hts10", "description")
        .with_columns(pl.col("hts10").str.slice(0, n).alias("code"))
        .filter(pl.col("code").is_in(codes))
        .sort("hts10")
        .group_by("code")
        .agg(pl.col("description").fill_null(""))
    )
    return {c: _common_description(d) for c, d in t.iter_rows()}


def _product_rates(j: pl.DataFrame, level: str, crit: pl.DataFrame) -> pl.DataFrame:
    """Per product: the partner's import-weighted tariff rate, matched share and critical flags."""
    j = j.join(crit, on="hts10", how="left").with_columns(
        (pl.col("critical_lists").list.len() > 0).fill_null(False).alias("_crit")
    )
    return j.group_by(_code_expr(level)).agg(
        (pl.col("duty_usd").sum() / pl.col("imports_usd").sum()).alias("tariff_rate"),
        (pl.col("imports_usd").filter(pl.col("_crit")).sum() / pl.col("imports_usd").sum()).alias(
            "critical_share"
        ),
        pl.col("critical_lists")
        .filter(pl.col("_crit"))
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("critical_lists"),
    )


def us_dependence(
    partner: str,
    date: dt.date,
    weights: pl.DataFrame,
    level: str = "hts10",
    *,
    catalogue: Catalogue | None = None,
    rates: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, str, str]:
    """All products the partner supplies, with dependence, critical flags and tariff rate.

    Returns ``(frame, level used, grain note)``. ``rates``: a ``line_rates`` frame of the partner's rows
    (computed here when not given).
    """
    used, note = level_for(weights, partner, level)
    dep = dependence(weights, partner, used)
    pw = weights.filter((pl.col("partner") == partner) & (pl.col("imports_usd") > 0))
    j = rates if rates is not None else line_rates(pw, date, catalogue=catalogue)
    crit = flag_critical(pw["hts10"], catalogue)
    pr = _product_rates(j, used, crit)
    out = dep.join(pr, on="code", how="left").with_columns(
        pl.col("critical_share").fill_null(0.0),
        (pl.col("critical_share") >= CRITICAL_MIN).fill_null(False).alias("critical"),
    )
    return out, used, note


def _partner_dependence(partner: str, j: pl.DataFrame, weights: pl.DataFrame) -> dict[str, Any]:
    """The partner's dependence on the US market: its official export statistics where shipped (else the
    WIOD 2014 proxy) and the duty the lines of each sector bear on the date (``j``: the partner's rates)."""
    s = summarise(j)
    out: dict[str, Any] = {
        "us_imports_from_partner_usd": s["imports_usd"],
        "etr": s["etr"],
        "duty_usd_per_year": s["duty_usd_per_year"],
        "duty_usd_per_hour": s["duty_usd_per_hour"],
        "additional_duty_usd_per_hour": s["additional_duty_usd_per_hour"],
        "weights_grain": grain_label(weights.filter(pl.col("partner") == partner)),
    }
    ex = partner_exports().filter(pl.col("partner") == partner)
    sectors: list[dict[str, Any]] = []
    if ex.height:
        year = int(ex["year"].max())  # type: ignore[arg-type]
        ex = ex.filter(pl.col("year") == year)
        allg = ex.filter(pl.col("sector") == "all goods")
        to_us_all = float(allg["exports_to_us"][0]) if allg.height else None
        total = (
            float(allg["exports_total"][0]) if allg.height and allg["exports_total"][0] is not None else None
        )
        stated = allg["us_share_stated"][0] if allg.height else None
        out["us_share_of_partner_exports"] = {
            "value": to_us_all / total if to_us_all and total else stated,
            "year": year,
            "source": allg["source"][0] if allg.height else None,
            "note": allg["note"][0] if allg.height else None,
        }
        for r in ex.iter_rows(named=True):
            prefixes = SECTOR_PREFIXES.get(r["sector"])
            row: dict[str, Any] = {
                "sector": r["sector"],
                "exports_to_us": r["exports_to_us"],
                "unit": r["unit"],
                "year": year,
                "share_of_exports_to_us": r["exports_to_us"] / to_us_all if to_us_all else None,
                "share_of_all_exports": r["exports_to_us"] / total if total else None,
                "source": r["source"],
                "note": r["note"],
            }
            if prefixes is not None:
                sj = j.filter(pl.any_horizontal([pl.col("hts10").str.starts_with(p) for p in prefixes]))
                ss = summarise(sj) if sj.height else None
                row["us_side"] = {
                    "hs_prefixes": [p for p in prefixes if p] or ["all"],
                    "us_imports_usd": ss["imports_usd"] if ss else 0.0,
                    "etr": ss["etr"] if ss else None,
                    "duty_usd_per_hour": ss["duty_usd_per_hour"] if ss else 0.0,
                }
            sectors.append(row)
    else:
        share = wiod_us_share(partner)
        out["us_share_of_partner_exports"] = {
            "value": share,
            "year": 2014 if share is not None else None,
            "source": "WIOD 2016 release, international flows 2014 (goods and services; Timmer et al. 2015), "
            "data/export_destinations.csv: a proxy, no official statistics shipped for this partner"
            if share is not None
            else "no source shipped for this partner: add a row to a partner-exports file",
            "note": None,
        }
    out["sectors"] = sectors
    return out


def _computed_cards(
    partner: str, date: dt.date, j: pl.DataFrame, grain: str, view: View = DEFAULT_VIEW
) -> list[dict[str, Any]]:
    """US-side cards the project computes: the partner's tariff rate and US market for its cars."""
    s = summarise(j)
    src = f"tariffscope: catalogue rates on {date.isoformat()}, {view} view x import weights ({grain})"
    cards = [
        {
            "side": "us",
            "card": f"US tariff on the partner's goods (trade-weighted, {view} view: {VIEW_LABELS[view]})",
            "value": s["etr"],
            "unit": "share of import value",
            "as_of": date.isoformat(),
            "source": src,
            "note": f"duty {s['duty_usd_per_hour']:,.0f} USD per hour at the weights' annual imports",
        },
        {
            "side": "us",
            "card": "US market for the partner's goods (US imports)",
            "value": s["imports_usd"] / 1e9,
            "unit": "USD bn per year",
            "as_of": date.isoformat(),
            "source": src,
            "note": "import weights' annual value (no demand response)",
        },
    ]
    cars = j.filter(pl.col("hts10").str.starts_with("8703"))
    if cars.height and float(cars["imports_usd"].sum()) > 0:
        c = summarise(cars)
        cards.append(
            {
                "side": "us",
                "card": "US market access for the partner's passenger cars (HS 8703)",
                "value": c["imports_usd"] / 1e9,
                "unit": "USD bn per year",
                "as_of": date.isoformat(),
                "source": src,
                "note": f"tariff rate on them {100 * c['etr']:.1f}% on the date",
            }
        )
    return cards


def _summary(big: pl.DataFrame, tot_partner: float, tot_us: float, min_usd: float) -> dict[str, Any]:
    """Headline counts over the products whose imports from the partner reach ``min_usd``."""
    over_half = big.filter(pl.col("partner_share_of_us_imports") > 0.5)
    return {
        "partner_share_of_all_us_imports": tot_partner / tot_us if tot_us else None,
        "products": big.height,
        "products_partner_share_over_half": over_half.height,
        "us_imports_usd_where_partner_share_over_half": float(over_half["us_imports_from_partner_usd"].sum()),
        "critical_products": big.filter(pl.col("critical")).height,
        "critical_us_imports_from_partner_usd": float(
            (big["us_imports_from_partner_usd"] * big["critical_share"]).sum()
        ),
        "min_usd": min_usd,
    }


def _product_rows(shown: pl.DataFrame, used: str, date: dt.date) -> list[dict[str, Any]]:
    """The listed products as JSON rows, HTS codes written with dots, grain per product."""
    desc = _describe(shown["code"].to_list(), used, date)
    keep = (
        "us_imports_from_partner_usd", "us_imports_usd", "partner_share_of_us_imports", "supplier_hhi",
        "suppliers", "top_alternatives", "critical", "critical_share", "tariff_rate",
    )  # fmt: skip
    return [
        {
            "code": format_hts(r["code"]) if used != "gtap" else r["code"],
            "description": desc.get(r["code"], ""),
            **{k: r[k] for k in keep},
            "critical_lists": r["critical_lists"] or [],
            "grain": "hts10_exact"
            if r["exact_share"] >= EXACT_MIN
            else f"{used} (exact {100 * r['exact_share']:.0f}%)",
        }
        for r in shown.iter_rows(named=True)
    ]


def _definitions(view: View) -> dict[str, str]:
    return {
        "partner_share_of_us_imports": "partner's US imports of the product / all US imports of it",
        "supplier_hhi": "sum of squared supplier shares of US imports (0-1; >0.18 highly concentrated, "
        "2023 DOJ/FTC Merger Guidelines in points x 10,000)",
        "critical": "the product's lines are on a law list (Section 232, Annex II) or the documented "
        "list (EO 14017 reviews, USGS 2022 critical minerals): docs/security.md; for HS4/HS6/GTAP groups, "
        "when at least half of the partner's value in the group is on such lines (critical_share)",
        "tariff_rate": f"import-weighted rate of the partner's lines on the date, {view} view "
        f"({VIEW_LABELS[view]})",
        "duty_usd_per_hour": f"duty per year / {HOURS_PER_YEAR:,.0f}",
    }


def security_report(
    partner: str,
    date: dt.date,
    *,
    level: str = "hts10",
    weights: pl.DataFrame | None = None,
    top: int = 25,
    min_usd: float = 1e6,
    critical_only: bool = False,
    cards: Path | str | None = None,
    catalogue: Catalogue | None = None,
    view: View = DEFAULT_VIEW,
) -> dict[str, Any]:
    """The security JSON of ``partner`` on ``date`` (see the module docstring).

    Keys: ``partner, date, view, view_label, level, level_requested, weights_grain, grain_note,
    data_year, summary, products[], partner_dependence{}, leverage[], definitions``; a package's
    security levers are added by :func:`tariffscope.scenarios.security_levers.with_package`. ``top`` = 0
    lists every product whose imports from the partner reach ``min_usd``. ``view``: the owed view by
    default (USMCA and FTA claims as claimed), as every other figure; ``statutory`` is the ceiling.
    """
    from tariffscope.trade.weights import load_weights

    p = partner_code(partner)
    w = weights if weights is not None else load_weights()
    pw = w.filter((pl.col("partner") == p) & (pl.col("imports_usd") > 0))
    if pw.height == 0:
        raise SecurityError(f"no US imports from {p} in the weights: nothing to report")
    j = line_rates(pw, date, view=view, catalogue=catalogue)
    prod, used, note = us_dependence(p, date, w, level, catalogue=catalogue, rates=j)
    grain = grain_label(pw)
    n_partners = int(w.filter(pl.col("imports_usd") > 0)["partner"].n_unique())
    if n_partners < FEW_PARTNERS:
        note += (
            f"; the weights hold only {n_partners} partners, so shares are of their imports only "
            "(load every partner's imports for US-wide shares)"
        )
    tot_us = float(w["imports_usd"].sum())
    big = prod.filter(pl.col("us_imports_from_partner_usd") >= min_usd)
    shown = big.filter(pl.col("critical")) if critical_only else big
    card_rows = load_cards(cards).filter(pl.col("partner") == p).drop("partner").to_dicts()
    years = (
        sorted({int(x) for x in pw["data_year"].unique().to_list()}) if "data_year" in pw.columns else None
    )
    return {
        "partner": p,
        "date": date.isoformat(),
        "view": view,
        "view_label": VIEW_LABELS[view],
        "level": used,
        "level_requested": level,
        "weights_grain": grain,
        "grain_note": note,
        "data_year": years,
        "supplier_universe": {
            "partners": n_partners,
            "us_imports_usd": tot_us,
            "weights_grain": grain_label(w),
        },
        "summary": _summary(big, float(pw["imports_usd"].sum()), tot_us, min_usd),
        "products": _product_rows(shown.head(top) if top else shown, used, date),
        "partner_dependence": _partner_dependence(p, j, w),
        "leverage": card_rows + _computed_cards(p, date, j, grain, view),
        "definitions": _definitions(view),
    }


def default_year(db: Path | str | None = None) -> int:
    """The latest year with HTS10 imports in the trade store ``db``, else the shipped weights' year.

    Without ``db`` the shipped year: the user's store is not read, so the default answer does not
    depend on what was loaded before (as :func:`tariffscope.trade.weights.load_weights`)."""
    from tariffscope.trade.weights import SHIPPED_YEAR

    if db is None:
        return SHIPPED_YEAR
    path = Path(db)
    if not path.exists():
        raise DataError(f"{path}: no trade store here")
    from tariffscope.trade.schema import IMPORT_MEASURES
    from tariffscope.trade.store import TradeStore

    with TradeStore(path, read_only=True) as s:
        r = s.query(
            "SELECT max(year(period)) AS y FROM trade WHERE level = 10 AND measure IN (SELECT UNNEST(?::VARCHAR[]))",
            [list(IMPORT_MEASURES)],
        )
    y = r["y"][0]
    return int(y) if y is not None else SHIPPED_YEAR
