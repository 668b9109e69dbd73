"""The PE core of scenario evaluation: exact SMART effects over all HTS10 x partner lines, from one baseline.

The exact SMART/Armington model (:func:`tariffscope.models.pe.run_pe`; WITS-SMART, Laird & Yeats 1986) moves
every product from ``t0`` to ``t1`` at once. Two exact reductions keep this fast over ~2 million lines:

* a product in which no source's rate changes has no effects at all, so it is not solved;
* within a product, sources with the same ``(t0, t1)`` (and, as in the packaged elasticities, the same export
  supply elasticity) see the same proportional price and quantity changes under CES, so they are solved as one
  source and every additive effect is shared back in proportion to baseline imports
  (``tests/test_scenario_evaluate.py`` checks it against the direct solve).

A comparison of two rate sets is the difference of two solutions from one baseline (:func:`pe_compare`).
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe import run_pe
from tariffscope.models.pe.api import ADDITIVE, INTENSIVE
from tariffscope.models.pe.horizons import ElasticitySet, merge_overrides

Supply = Literal["infinite", "elastic"]

ELASTICITY_COLS = ["sigma", "sigma_source", "eta", "eta_source", "eps_used", "eps_source"]


# -- the PE core -----------------------------------------------------------------------------------------------


def line_classes(
    flows: pl.DataFrame, keys: list[str], *, exact: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group lines with equal ``keys`` (the first is ``hts10``) into classes: ``flows`` with a class id ``_h``,
    and one row per class with the keys and the summed ``imports_usd``.

    Classes are grouped by a 64-bit hash of the keys; a second, independent hash detects a collision, in which
    case (or with ``exact``) the exact, slower multi-column grouping is used.
    """
    f = flows.with_columns(
        pl.struct(keys).hash(seed=0x5EED).alias("_h"), pl.struct(keys).hash(seed=0xC0FFEE).alias("_h2")
    )
    classes = f.group_by("_h").agg(
        *[pl.col(k).first() for k in keys],
        pl.col("imports_usd").sum(),
        (pl.col("_h2").min() != pl.col("_h2").max()).alias("_collision"),
    )
    if exact or classes["_collision"].any():
        ids = f.select(keys).unique().with_row_index("_h").with_columns(pl.col("_h").cast(pl.UInt64))
        f = f.drop("_h").join(ids, on=keys, how="left", maintain_order="left")
        classes = f.group_by("_h").agg(*[pl.col(k).first() for k in keys], pl.col("imports_usd").sum())
    return f.drop("_h2"), classes.drop("_collision", strict=False)


def pe_effects(
    flows: pl.DataFrame,
    *,
    supply: Supply = "infinite",
    elasticities: pl.DataFrame | None = None,
    overrides: pl.DataFrame | list[dict[str, object]] | None = None,
    hash_classes: bool = True,
    elasticity: ElasticitySet | None = None,
) -> pl.DataFrame:
    """Exact SMART effects of moving every line of ``flows`` from ``t0`` to ``t1``, one row per input row.

    ``flows``: ``hts10, partner, imports_usd, t0, t1`` (unique ``hts10 x partner``, imports > 0) plus any
    passthrough columns. Products with no rate change get zero effects without a solve; within a product,
    sources with equal ``(t0, t1)`` are solved as one source and the additive effects shared back by
    baseline imports (exact: under CES with a product-level export-supply elasticity they move in proportion).
    Adds the :data:`ADDITIVE` and :data:`INTENSIVE` columns, and the elasticities used (null where unsolved).
    ``hash_classes=False`` groups on the key columns themselves (slower; the fallback on a hash collision).
    ``elasticity``: a horizon's settings (:func:`tariffscope.models.pe.horizons.elasticity_set`; ``overrides``
    go on top); ``None`` uses the packaged table as it is.
    """
    need = {"hts10", "partner", "imports_usd", "t0", "t1"}
    if miss := need - set(flows.columns):
        raise DataError(f"flows: missing columns {sorted(miss)}")
    f, classes = line_classes(flows, ["hts10", "t0", "t1"], exact=not hash_classes)
    classes = classes.filter((pl.col("t1") != pl.col("t0")).any().over("hts10")).with_row_index("_c")
    solved: pl.DataFrame | None = None
    if classes.height:
        kw: dict[str, Any] = {}
        if elasticity is not None and elasticities is None:
            user = overrides.to_dicts() if isinstance(overrides, pl.DataFrame) else overrides
            overrides = merge_overrides(elasticity.overrides, user) or None
            kw = {
                "sigma_from": elasticity.sigma_from,
                "sigma_cap": elasticity.sigma_cap,
                "sigma_scale": elasticity.sigma_scale,
                "sigma_floor": elasticity.sigma_floor,
            }
        res = run_pe(
            classes.select("hts10", pl.col("_c").cast(pl.Utf8).alias("partner"), "imports_usd", "t0", "t1"),
            elasticities=elasticities,
            overrides=overrides,
            supply=supply,
            **kw,
        ).lines
        solved = classes.select("_h", pl.col("_c").cast(pl.Utf8)).join(
            res.select(
                pl.col("partner").alias("_c"),
                pl.col("imports_usd").alias("_cm"),
                *ADDITIVE,
                *INTENSIVE,
                *ELASTICITY_COLS,
            ),
            on="_c",
        )
    if solved is None:
        solved = pl.DataFrame(
            schema={
                "_h": pl.UInt64,
                "_c": pl.Utf8,
                "_cm": pl.Float64,
                **dict.fromkeys([*ADDITIVE, *INTENSIVE], pl.Float64),
                **{c: pl.Utf8 if c.endswith("_source") else pl.Float64 for c in ELASTICITY_COLS},
            }
        )
    out = f.join(solved, on="_h", how="left", maintain_order="left")
    hit = pl.col("_cm").is_not_null()
    share = pl.col("imports_usd") / pl.col("_cm")
    rev0 = pl.col("t0") * pl.col("imports_usd")
    fills = {
        "imports_new_usd": pl.col("imports_usd"),
        "tariff_revenue0_usd": rev0,
        "tariff_revenue1_usd": rev0,
    }
    return out.with_columns(
        [pl.when(hit).then(pl.col(c) * share).otherwise(fills.get(c, pl.lit(0.0))).alias(c) for c in ADDITIVE]
        + [pl.col(c).fill_null(0.0) for c in INTENSIVE]
    ).drop("_h", "_c", "_cm")


# -- one baseline: a comparison is the difference of two solutions --------------------------------------------

DIFF = [
    "trade_creation_usd",
    "trade_diversion_usd",
    "price_effect_usd",
    "cs_change_usd",
    "cs_change_ces_usd",
    "ps_change_usd",
    "welfare_change_usd",
]
ACCOUNT = ["cs_attributed_usd", "tariff_revenue_attributed_usd"]


def pe_compare(
    flows: pl.DataFrame,
    *,
    supply: Supply = "elastic",
    elasticity: ElasticitySet | None = None,
    overrides: list[dict[str, object]] | None = None,
) -> pl.DataFrame:
    """Effects of rates ``t1`` against rates ``t0``, both solved from one baseline at rates ``tb``.

    ``flows``: ``hts10, partner, imports_usd, tb, t0, t1`` (+ passthrough columns). ``imports_usd`` are the
    data year's flows, the equilibrium at ``tb`` (the law in force on the first day after the data year). Each
    side is solved exactly from that baseline (hat algebra: :func:`pe_effects`) and every additive effect is the
    difference of the two solutions, so ``compare(A, B) = -compare(B, A)`` and ``A->B + B->C = A->C`` exactly.
    Products are separate markets, so only products where some line has ``t1 != t0`` are solved; elsewhere the
    effects are zero and the levels ``imports_against_usd``/``imports_new_usd`` are left null (not solved).
    Intensive columns (price changes) are ratios of the two solutions minus one.
    """
    need = {"hts10", "partner", "imports_usd", "tb", "t0", "t1"}
    if miss := need - set(flows.columns):
        raise DataError(f"flows: missing columns {sorted(miss)}")
    # lines with the same (hts10, tb, t0, t1) move in proportion on both sides (see pe_effects): solve classes
    keys = ["hts10", "tb", "t0", "t1"]
    f, classes = line_classes(flows, keys)
    # products are separate markets: only those where some line has t1 != t0 are solved
    classes = classes.filter((pl.col("t1") != pl.col("t0")).any().over("hts10"))
    kw: dict[str, Any] = {"supply": supply, "elasticity": elasticity, "overrides": overrides}
    cls = classes.select("hts10", pl.col("_h").cast(pl.Utf8).alias("partner"), "imports_usd")
    a = pe_effects(cls.with_columns(classes["tb"].alias("t0"), classes["t1"]), **kw)
    b = pe_effects(cls.with_columns(classes["tb"].alias("t0"), classes["t0"].alias("t1")), **kw)
    per_class = [
        b["imports_new_usd"].alias("imports_against_usd"),
        a["imports_new_usd"].alias("imports_new_usd"),
        (a["imports_new_usd"] - b["imports_new_usd"]).alias("imports_change_usd"),
        (a["tariff_revenue1_usd"] - b["tariff_revenue1_usd"]).alias("tariff_revenue_change_usd"),
        *[(a[c] - b[c]).alias(c) for c in DIFF],
    ]
    solved = attribute_us_accounts(classes.with_columns(per_class))
    additive = [x.name for x in per_class] + ACCOUNT
    solved = solved.select(
        "_h",
        pl.col("imports_usd").alias("_cm"),
        *additive,
        *[((1 + a[c]) / (1 + b[c]) - 1).alias(c) for c in INTENSIVE],
        # a product may move on one side only (the other equals the baseline and is not solved there)
        *[
            (
                a[c].fill_null(b[c]).cast(pl.Categorical) if c.endswith("_source") else a[c].fill_null(b[c])
            ).alias(c)
            for c in ELASTICITY_COLS
        ],
    )
    m = f.join(solved, on="_h", how="left", maintain_order="left")
    share = pl.col("imports_usd") / pl.col("_cm")
    levels = {"imports_against_usd", "imports_new_usd"}  # null where not solved; effects are zero there
    return m.with_columns(
        *[
            (pl.col(c) * share if c in levels else (pl.col(c) * share).fill_null(0.0)).alias(c)
            for c in additive
        ],
        (pl.col("t0") * pl.col("imports_against_usd") * share).alias("tariff_revenue0_usd"),
        (pl.col("t1") * pl.col("imports_new_usd") * share).alias("tariff_revenue1_usd"),
        *[pl.col(c).fill_null(0.0) for c in INTENSIVE],
    ).drop("_h", "_cm")


def attribute_us_accounts(lines: pl.DataFrame) -> pl.DataFrame:
    """Attribute each product's US consumer surplus and tariff revenue changes to the partners whose rates moved.

    Works on lines or on classes of lines (``hts10, imports_usd, t0, t1, cs_change_usd,
    tariff_revenue_change_usd``); within a class the shares are proportional to imports.

    A partner's rate change moves the whole product: prices, and revenue on the imports diverted to (or from)
    other suppliers. The product's US accounts are shared among its lines by their share of the product's
    absolute duty change at data-year flows, ``|t1 - t0| M``; lines whose rate did not move get nothing. The
    attributed columns therefore add up, over partners, to the US totals (``ALL``).
    """
    d = ((pl.col("t1") - pl.col("t0")) * pl.col("imports_usd")).abs()
    tot = d.sum().over("hts10")
    w = pl.when(tot > 0).then(d / tot).otherwise(0.0)
    return lines.with_columns(
        (w * pl.col("cs_change_usd").sum().over("hts10")).alias("cs_attributed_usd"),
        (w * pl.col("tariff_revenue_change_usd").sum().over("hts10")).alias("tariff_revenue_attributed_usd"),
    )
