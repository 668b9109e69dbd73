"""Security levers of a negotiation package: sourcing shifts and purchases of (critical) products.

A package's ``security:`` list changes where US imports come from, before any price response:

- ``shift``: US buyers move ``share`` of supplier ``from``'s US imports of ``product`` to supplier ``to``
  (``from: others`` = every supplier but ``to``, pro rata), line by line; the product's total is unchanged;
- ``purchase``: ``usd`` a year of extra US imports of ``product`` from ``partner`` (a purchase or supply
  commitment), spread over the partner's lines of the product in proportion to its imports (over all
  suppliers' lines where it has none); the total grows.

:func:`apply_levers` returns the changed weights; :func:`lever_effects` reports, per lever, the product's
supplier shares and Herfindahl index before and after and the change in the partner's exports to the US.
The effects are accounting identities at fixed prices, not a market equilibrium (for price responses use the
package's PE/GSIM evaluation).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import ValidationError

from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import CatalogueError
from tariffscope.scenarios.schema import Lever


def _iso(code: str) -> str:
    if code.lower() == "others":
        return "others"
    from tariffscope.countries import country

    return country(code).iso2


def parse_levers(data: Any, where: str = "security") -> list[Lever]:
    """Validate a ``security:`` list; errors name the lever (1-based) and field."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogueError(f"{where}: a list of levers (kind: shift | purchase)")
    out = []
    for i, item in enumerate(data, start=1):
        try:
            lv = Lever.model_validate(item)
        except ValidationError as e:
            err = e.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "lever"
            raise CatalogueError(f"{where}: lever {i}: {loc}: {err['msg']}") from None
        upd = {k: _iso(v) for k, v in (("from_", lv.from_), ("to", lv.to), ("partner", lv.partner)) if v}
        out.append(lv.model_copy(update=upd))
    return out


def package_levers(package: str | Path) -> tuple[str, list[Lever]]:
    """(package id, levers) of a shipped package name or a package file (its ``security:`` key)."""
    from tariffscope.scenarios.overlay import package_path

    p = package_path(package)
    data = yaml.safe_load(p.read_text())
    if not isinstance(data, dict):
        raise CatalogueError(f"{p}: a package file is a mapping")
    return str(data.get("id", p.stem)), parse_levers(data.get("security"), f"{p.name}: security")


def _on_product(product: str) -> pl.Expr:
    if product.isdigit():
        return pl.col("hts10").str.starts_with(product)
    return pl.col("gtap") == product


def apply_levers(weights: pl.DataFrame, levers: list[Lever]) -> pl.DataFrame:
    """The weights after the levers, in order (vectorised per lever; new rows are ``grain`` ``scenario``
    where a supplier had no import of the line). A shift of a product with no US imports moves nothing;
    a purchase of one is an error (there is no line to put it on)."""
    w = weights.with_columns(pl.col("grain").cast(pl.String)) if "grain" in weights.columns else weights
    keys = ["hts10", "partner"]
    for lv in levers:
        on = w.filter(_on_product(lv.product))
        if on.height == 0 and lv.kind == "shift":
            continue  # nothing to move: the effects show no change
        if on.height == 0:
            raise CatalogueError(f"lever {lv.label()}: no US imports of {lv.product} in the weights")
        if lv.kind == "shift":
            src = (
                on.filter(pl.col("partner") != lv.to)
                if lv.from_ == "others"
                else on.filter(pl.col("partner") == lv.from_)
            )
            moved = src.select(*keys, (pl.col("imports_usd") * (lv.share or 0.0)).alias("d"))
            gained = (
                moved.group_by("hts10").agg(pl.col("d").sum()).with_columns(pl.lit(lv.to).alias("partner"))
            )
            delta = pl.concat([moved.with_columns(-pl.col("d")), gained.select([*keys, "d"])])
        else:
            mine = on.filter(pl.col("partner") == lv.partner)
            base = mine if float(mine["imports_usd"].sum()) > 0 else on
            dist = base.group_by("hts10").agg(pl.col("imports_usd").sum())
            tot = float(dist["imports_usd"].sum())
            delta = dist.select(
                "hts10",
                pl.lit(lv.partner).alias("partner"),
                (pl.col("imports_usd") / tot * (lv.usd or 0.0)).alias("d"),
            )
        delta = delta.group_by(keys).agg(pl.col("d").sum())
        new = delta.join(w.select(keys), on=keys, how="anti")
        if new.height:
            fill = w.select(pl.exclude("imports_usd")).unique("hts10").drop("partner")
            extra = (
                new.select(keys)
                .join(fill, on="hts10", how="left")
                .with_columns(pl.lit(0.0).alias("imports_usd"))
            )
            if "grain" in extra.columns:
                extra = extra.with_columns(pl.lit("scenario").alias("grain"))
            w = pl.concat([w, extra.select(w.columns)], how="vertical_relaxed")
        w = (
            w.join(delta, on=keys, how="left")
            .with_columns((pl.col("imports_usd") + pl.col("d").fill_null(0.0)).clip(0.0).alias("imports_usd"))
            .drop("d")
        )
    return w


def _concentration(w: pl.DataFrame, product: str, partner: str) -> dict[str, Any]:
    by = w.filter(_on_product(product)).group_by("partner").agg(pl.col("imports_usd").sum())
    tot = float(by["imports_usd"].sum())
    by = by.with_columns((pl.col("imports_usd") / tot).alias("share")).sort("share", descending=True)
    top = by.row(0, named=True) if by.height else {"partner": None, "share": None}
    return {
        "us_imports_usd": tot,
        "partner_share": float(by.filter(pl.col("partner") == partner)["share"].sum()),
        "supplier_hhi": float((by["share"] ** 2).sum()),
        "top_supplier": {"partner": top["partner"], "share": top["share"]},
    }


def lever_effects(
    weights: pl.DataFrame, levers: list[Lever], partner: str, *, critical: pl.DataFrame | None = None
) -> dict[str, Any]:
    """Per lever: the product's partner share, supplier HHI and top supplier before and after all levers;
    and the partner's exports to the US before and after. ``critical``: a ``flag_critical`` frame."""
    after = apply_levers(weights, levers)
    rows = []
    for lv in levers:
        b, a = _concentration(weights, lv.product, partner), _concentration(after, lv.product, partner)
        crit = None
        if critical is not None and lv.product.isdigit():
            hit = critical.filter(
                pl.col("hts10").str.starts_with(lv.product) & (pl.col("critical_lists").list.len() > 0)
            )
            crit = hit.height > 0
        rows.append({"lever": lv.label(), "kind": lv.kind, "product": lv.product, "critical": crit,
                     "cite": lv.cite, "before": b, "after": a})  # fmt: skip
    ex_b = float(weights.filter(pl.col("partner") == partner)["imports_usd"].sum())
    ex_a = float(after.filter(pl.col("partner") == partner)["imports_usd"].sum())
    return {
        "partner": partner,
        "levers": rows,
        "partner_exports_to_us_usd": {"before": ex_b, "after": ex_a, "change": ex_a - ex_b},
        "note": "accounting at fixed prices and import values of the weights; no demand or price response",
    }


def package_scenario(
    partner: str, package: str | Path, weights: pl.DataFrame, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """What a package's ``security:`` levers do to US dependence on ``partner`` (before/after shares,
    HHI, the partner's exports), with the grain of the weights they act on."""
    from tariffscope.analytics.common import grain_label
    from tariffscope.analytics.security import SecurityError
    from tariffscope.analytics.security_data import flag_critical

    pid, levers = package_levers(package)
    if not levers:
        raise SecurityError(f"package {pid} has no security levers (a `security:` list of shift/purchase)")
    lines = pl.concat(
        [weights.filter(pl.col("hts10").str.starts_with(lv.product))["hts10"] for lv in levers if lv.product.isdigit()]
        or [pl.Series("hts10", [], pl.String)]
    )
    eff = lever_effects(weights, levers, partner, critical=flag_critical(lines, catalogue))
    on = weights.filter(pl.col("hts10").is_in(lines.implode()))
    return {"package": pid, "weights_grain": grain_label(on) if on.height else "n/a", **eff}


def with_package(
    partner: str, date: dt.date, package: str | Path, *, weights: pl.DataFrame | None = None, **kw: Any
) -> dict[str, Any]:
    """:func:`tariffscope.analytics.security.security_report` plus the package's levers as ``scenario``."""
    from tariffscope.analytics.security import security_report
    from tariffscope.trade.weights import load_weights

    w = weights if weights is not None else load_weights()
    out = security_report(partner, date, weights=w, **kw)
    out["scenario"] = package_scenario(out["partner"], package, w, kw.get("catalogue"))
    return out
