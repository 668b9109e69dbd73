"""What a shipment pays: the end of de minimis, the postal duties, and the user fees (landed cost).

Beside the statutory rate of a line (``total_rate``, unchanged), a shipment with a customs value
gets: the duty it owes as shipped (``duty_owed_usd``: nothing under de minimis, the postal duty by
mail, else the statutory duty), the merchandise processing fee (``mpf_usd``), the harbor maintenance
fee (``hmf_usd``) and ``landed_cost_usd`` = value + duty owed + fees. Fees are never in ``total_rate``.

Inputs (per row, all optional): ``shipment`` = formal | informal | express | postal (default: formal
above the $2,500 informal-entry limit of 19 CFR 143.21(a), informal at or below it); ``transport`` =
vessel | air | land | mail (default: mail for postal, air for express, vessel otherwise: the
conservative choice, since the harbor maintenance fee is charged only on cargo unloaded from a vessel);
``postal_method`` = ad_valorem | specific (default ad_valorem: the one method that lasts after the
first six months under EO 14324, and the one tied to the value); ``quantity`` counts postal items.

The law, dated (every figure below is cited where it is used):

- De minimis (19 U.S.C. 1321(a)(2)(C)): a shipment valued at or under $800, not entered formally, is
  admitted free. Suspended for products of China and Hong Kong from 2025-05-02 (EO 14256 sec. 2, as
  amended by EO 14259 and EO 14266; 90 FR 17608) and for all countries from 2025-08-29 (EO 14324
  sec. 2; CBP notice 90 FR 42418; HTS note 2(y) to subchapter III of chapter 99), continued after the
  IEEPA ruling (note 2(y), 2026 rev. 6). Donations and informational materials stay eligible (note
  2(y)); they are not detected here.
- Postal items at or under $800 once de minimis is suspended owe a postal duty *in lieu of* the other
  duties (EO 14256 sec. 2(c), EO 14324 sec. 3): China/Hong Kong 120% or $100 per item from
  2025-05-02 (EO 14266 sec. 3), 54% or $100 from 2025-05-14 (EO 14298 sec. 3; the $200 step of
  2025-06-01 was cancelled); every country from 2025-08-29 the effective IEEPA rate on the value, or
  per item $80 (IEEPA rate under 16%), $160 (16-25%), $200 (over 25%) for six months (to 2026-02-27);
  from 2026-02-24 the Section 122 rate on the value of each item (note 2(y); Proc. 11012) until it
  expires (2026-07-23).
- Merchandise processing fee (19 U.S.C. 58c(a)(9)-(10); 19 CFR 24.23(b)): formal entries 0.3464% of
  value within a minimum and maximum adjusted each fiscal year; informal entries a flat fee; express
  consignments a fee per waybill. USMCA-originating goods claimed as such are exempt (19 CFR
  24.23(c)(3), NAFTA exemption continued for USMCA). De minimis and postal releases pay none here
  (a de minimis release is free of duty and tax, 19 CFR 10.151, so no harbor fee either).
  The $800 counts all articles one person imports on one day (19 CFR 10.151); give the shipment's value.
- Harbor maintenance fee (26 U.S.C. 4461; 19 CFR 24.24): 0.125% of the value of cargo unloaded from a
  commercial vessel at a US port.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

SHIPMENTS = ("formal", "informal", "express", "postal")
TRANSPORTS = ("vessel", "air", "land", "mail")
POSTAL_METHODS = ("ad_valorem", "specific")
LANDED_INPUTS = ("shipment", "transport", "postal_method")
LANDED_COLUMNS = [
    "shipment",
    "transport",
    "de_minimis",
    "postal_method",
    "postal_rate",
    "postal_per_item_usd",
    "duty_owed_usd",
    "mpf_usd",
    "hmf_usd",
    "fees_usd",
    "landed_cost_usd",
]

REASON_TEXT = {
    "free": "free: de minimis, shipment at or under $800 (19 USC 1321(a)(2)(C); 19 CFR 10.151)",
    "postal_china": "postal duty in lieu of other duties: China/Hong Kong 120% (54% from 2025-05-14) of "
    "value or $100 per item (EO 14256 sec. 2(c) as amended by EO 14266 sec. 3 and EO 14298 sec. 3)",
    "postal_ieepa": "postal duty in lieu of other duties: the IEEPA rate of the line on the value, or "
    "$80/$160/$200 per item by IEEPA band (EO 14324 sec. 3; 90 FR 42418)",
    "postal_s122": "postal duty in lieu of other duties: the Section 122 rate on each item's value (HTS "
    "ch. 99 note 2(y); Proc. 11012)",
    "suspended_china": "de minimis suspended for China/Hong Kong from 2025-05-02 (EO 14256 sec. 2(a)): "
    "all duties owed",
    "suspended_all": "de minimis suspended for all countries from 2025-08-29 (EO 14324 sec. 2; note "
    "2(y)): all duties owed",
    "postal_ended": "de minimis suspended (note 2(y)); its postal rate ended with Section 122 on "
    "2026-07-23: all duties assumed owed (uncertain)",
    "formal": "not claimed: formal entry",
    "over_800": "not available: shipment valued over $800",
}
"""What happened to de minimis: the ``de_minimis`` column holds the key (short, for machines and
large batches); the single-line JSON and table give the cited text."""
REASONS = tuple(REASON_TEXT)
SHIPMENT_T = pl.Enum(SHIPMENTS)
TRANSPORT_T = pl.Enum(TRANSPORTS)
POSTAL_T = pl.Enum(POSTAL_METHODS)
REASON_T = pl.Enum(REASONS)

DE_MINIMIS_USD = 800.0
"""19 U.S.C. 1321(a)(2)(C), as amended by the Trade Facilitation and Trade Enforcement Act of 2015."""
INFORMAL_LIMIT_USD = 2500.0
"""19 CFR 143.21(a): the most an informal entry may be valued at."""
CHINA_HK_END = dt.date(2025, 5, 2)
"""De minimis unavailable for products of China and Hong Kong (EO 14256 sec. 2(a))."""
ALL_END = dt.date(2025, 8, 29)
"""De minimis suspended for all countries (EO 14324 sec. 2; 90 FR 42418)."""
IEEPA_END = dt.date(2026, 2, 24)
"""IEEPA duties no longer collected (EO 14389; CSMS 67834313): the postal duty becomes the S122 rate."""
SPECIFIC_END = dt.date(2026, 2, 28)
"""EO 14324 sec. 3(b): the per-item option is available for six months from 2025-08-29."""
S122_END = dt.date(2026, 7, 24)
"""Section 122 expires at the close of 2026-07-23 (19 U.S.C. 2132); note 2(y) postal rate ceases."""

HMF_RATE = 0.00125
"""26 U.S.C. 4461(c); 19 CFR 24.24(a)."""
MPF_RATE = 0.003464
"""19 CFR 24.23(b)(1)(i)(A); 19 U.S.C. 58c(a)(9)(A) as amended by Pub. L. 112-40 (2011)."""


@dataclass(frozen=True)
class FeeYear:
    """Customs user fees of one fiscal year (October 1 to September 30)."""

    start: dt.date
    mpf_min: float
    mpf_max: float
    informal: float  # class code 311a, automated, not prepared by CBP
    express: float  # express consignment carrier / hub facility fee, per waybill
    cite: str


FEE_YEARS = (
    FeeYear(dt.date(2024, 10, 1), 32.71, 634.62, 2.62, 1.31, "FY2025: 89 FR 59126 (2024-07-22)"),
    FeeYear(
        dt.date(2025, 10, 1), 33.58, 651.50, 2.69, 1.34, "FY2026: CBP Dec. 25-10; 90 FR 34665 (2025-07-23)"
    ),
)
"""From the FAST Act inflation notices (19 CFR 24.22-24.23, Appendix B). FY2027 (from 2026-10-01)
is not published in the sources: the FY2026 amounts are used and the trail says so."""


def _fee_year(col: str, attr: str) -> pl.Expr:
    """The fee ``attr`` of the fiscal year of each row's date."""
    expr: pl.Expr = pl.lit(getattr(FEE_YEARS[0], attr))
    for fy in FEE_YEARS[1:]:
        expr = pl.when(pl.col(col) >= fy.start).then(pl.lit(getattr(fy, attr))).otherwise(expr)
    return expr


def validate(df: pl.DataFrame) -> pl.DataFrame:
    """Normalise ``shipment``/``transport``/``postal_method`` (lower case) and mark bad rows' status."""
    present = [c for c in LANDED_INPUTS if c in df.columns]
    if not present:
        return df
    allowed = {"shipment": SHIPMENTS, "transport": TRANSPORTS, "postal_method": POSTAL_METHODS}
    df = df.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars().str.to_lowercase().replace("", None).alias(c)
        for c in present
    )
    status: Any = pl.when(pl.col("status") != "ok").then(pl.col("status"))
    for c in present:
        status = status.when(pl.col(c).is_not_null() & ~pl.col(c).is_in(list(allowed[c]))).then(
            pl.format(f"error: {c}: '{{}}' is not one of {', '.join(allowed[c])}", pl.col(c))
        )
    if "shipment" in present and "value" in df.columns:
        status = status.when(
            (pl.col("shipment") == "informal") & (pl.col("value") > INFORMAL_LIMIT_USD)
        ).then(
            pl.format(
                "error: shipment: informal entry is limited to $2,500 (19 CFR 143.21(a)); value is {}",
                pl.col("value"),
            )
        )
    if "shipment" in present:
        no_value = pl.col("value").is_null() if "value" in df.columns else pl.lit(True)
        status = status.when(pl.col("shipment").is_not_null() & no_value).then(
            pl.lit("error: value: a shipment type needs the customs value (--value)")
        )
    return df.with_columns(status.otherwise(pl.col("status")).alias("status"))


def landed_cost(df: pl.DataFrame) -> pl.DataFrame:
    """Add the shipment columns (:data:`LANDED_COLUMNS`) to resolved rows that have a ``value``.

    Vectorised: every rule is a column expression over the whole table.
    """
    for c in LANDED_INPUTS:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    if "claim" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("claim"))
    df = _with_flags(df)
    postal_rate, per_item, use_specific = _postal_terms(df)
    free, postal, value = pl.col("_free"), pl.col("_postal"), pl.col("value")
    items = pl.col("quantity").fill_null(1.0) if "quantity" in df.columns else pl.lit(1.0)
    postal_duty = pl.when(use_specific).then(per_item * items).otherwise(postal_rate * value)
    statutory = pl.col("total_rate") * value
    duty = pl.when(free).then(pl.lit(0.0)).when(postal).then(postal_duty).otherwise(statutory)
    mpf, hmf = _fees()
    out = (
        df.with_columns(_transport().alias("transport"))
        .with_columns(
            _reason_code()
            .replace_strict(list(range(len(REASONS))), list(REASONS), return_dtype=REASON_T)
            .alias("de_minimis"),
            pl.when(postal)
            .then(pl.when(use_specific).then(pl.lit("specific")).otherwise(pl.lit("ad_valorem")))
            .cast(POSTAL_T)
            .alias("postal_method"),
            pl.when(postal & ~use_specific).then(postal_rate).alias("postal_rate"),
            pl.when(postal & use_specific).then(per_item).alias("postal_per_item_usd"),
            duty.round(2).alias("duty_owed_usd"),
            mpf.round(2).alias("mpf_usd"),
            hmf.round(2).alias("hmf_usd"),
        )
        .with_columns((pl.col("mpf_usd") + pl.col("hmf_usd")).round(2).alias("fees_usd"))
        .with_columns(
            (value + pl.col("duty_owed_usd") + pl.col("fees_usd")).round(2).alias("landed_cost_usd")
        )
    )
    # a row without a value has no shipment outcome (the statutory rate is still given)
    return out.drop("_china", "_susp", "_low", "_cera", "_ieepa", "_free", "_postal").with_columns(
        pl.when(value.is_not_null()).then(pl.col(c)).alias(c) for c in LANDED_COLUMNS
    )


def _with_flags(df: pl.DataFrame) -> pl.DataFrame:
    """The shipment type (default by value) and the flags every later rule reads: ``_china`` (China or
    Hong Kong), ``_susp`` (de minimis suspended), ``_low`` (at or under $800, not formal), ``_cera``
    (the China postal era), ``_ieepa`` (the IEEPA rates), ``_free`` (de minimis) and ``_postal``."""
    value, date, origin = pl.col("value"), pl.col("date"), pl.col("origin")
    # defaults as small integer codes, then enumerations: no per-row strings over a million rows
    by_value = pl.when(value > INFORMAL_LIMIT_USD).then(0).otherwise(1)
    df = df.with_columns(
        pl.col("shipment")
        .cast(SHIPMENT_T)
        .fill_null(by_value.replace_strict([0, 1], ["formal", "informal"], return_dtype=SHIPMENT_T))
        .alias("shipment"),
        origin.is_in(["CN", "HK"]).alias("_china"),
    )
    ship, china = pl.col("shipment"), pl.col("_china")
    df = df.with_columns(
        ((date >= ALL_END) | (china & (date >= CHINA_HK_END))).alias("_susp"),
        ((value <= DE_MINIMIS_USD) & (ship != "formal")).alias("_low"),
        (china & (date < ALL_END)).alias("_cera"),
        (pl.col("rate_ieepa_reciprocal").fill_null(0.0) + pl.col("rate_ieepa_fentanyl").fill_null(0.0)).alias(
            "_ieepa"
        ),
    )
    suspended, low = pl.col("_susp"), pl.col("_low")
    return df.with_columns(
        (low & ~suspended).alias("_free"),
        ((ship == "postal") & low & suspended & (date < S122_END)).alias("_postal"),
    )


def _transport() -> pl.Expr:
    """The declared transport, else mail for postal, air for express, vessel otherwise."""
    ship = pl.col("shipment")
    by_ship = pl.when(ship == "postal").then(3).when(ship == "express").then(1).otherwise(0)
    return (
        pl.col("transport")
        .cast(TRANSPORT_T)
        .fill_null(by_ship.replace_strict([0, 1, 3], ["vessel", "air", "mail"], return_dtype=TRANSPORT_T))
    )


def _postal_terms(df: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The postal duty's ad valorem rate, its per-item amount, and whether the per-item method is used
    (EO 14256 sec. 2(c), EO 14266 sec. 3, EO 14298 sec. 3, EO 14324 sec. 3, note 2(y))."""
    date, china_postal_era, ieepa = pl.col("date"), pl.col("_cera"), pl.col("_ieepa")
    postal_rate = (
        pl.when(china_postal_era & (date < dt.date(2025, 5, 14)))
        .then(pl.lit(1.20))
        .when(china_postal_era)
        .then(pl.lit(0.54))
        .when(date < IEEPA_END)
        .then(ieepa)
        .otherwise(pl.col("rate_s122").fill_null(0.0))
    )
    per_item = (
        pl.when(china_postal_era)
        .then(pl.lit(100.0))
        .when(ieepa < 0.16)
        .then(pl.lit(80.0))
        .when(ieepa <= 0.25)
        .then(pl.lit(160.0))
        .otherwise(pl.lit(200.0))
    )
    specific_ok = china_postal_era | ((date < SPECIFIC_END) & (date < IEEPA_END))
    use_specific = (pl.col("postal_method") == "specific").fill_null(False) & specific_ok
    return postal_rate, per_item, use_specific


def _reason_code() -> pl.Expr:
    """What happened to de minimis, as the index of its key in :data:`REASONS`."""
    date, ship, china = pl.col("date"), pl.col("shipment"), pl.col("_china")
    free, postal, low, suspended = pl.col("_free"), pl.col("_postal"), pl.col("_low"), pl.col("_susp")
    return (
        pl.when(free)
        .then(0)
        .when(postal & pl.col("_cera"))
        .then(1)
        .when(postal & (date < IEEPA_END))
        .then(2)
        .when(postal)
        .then(3)
        .when(low & suspended & (ship == "postal") & (date >= S122_END))
        .then(6)
        .when(low & suspended & china & (date < ALL_END))
        .then(4)
        .when(low & suspended)
        .then(5)
        .when(ship == "formal")
        .then(7)
        .otherwise(8)
    )


def _fees() -> tuple[pl.Expr, pl.Expr]:
    """The merchandise processing fee (none for de minimis, postal or USMCA claims) and the harbor
    maintenance fee (vessel cargo only)."""
    value, ship, origin = pl.col("value"), pl.col("shipment"), pl.col("origin")
    free, postal = pl.col("_free"), pl.col("_postal")
    usmca = pl.col("claim").fill_null("").str.contains(r"(^|,)usmca(,|$)") & origin.is_in(["CA", "MX"])
    mpf = (
        pl.when(free | postal | usmca)
        .then(pl.lit(0.0))
        .when(ship == "formal")
        .then((value * MPF_RATE).clip(_fee_year("date", "mpf_min"), _fee_year("date", "mpf_max")))
        .when(ship == "express")
        .then(_fee_year("date", "express"))
        .otherwise(_fee_year("date", "informal"))
    )
    hmf = pl.when(~free & (pl.col("transport") == "vessel")).then(value * HMF_RATE).otherwise(pl.lit(0.0))
    return mpf, hmf


def landed_block(rec: dict[str, object]) -> dict[str, object] | None:
    """The ``landed_cost`` block of one resolved row for the ``rate`` JSON (None without a value)."""
    if rec.get("landed_cost_usd") is None:
        return None
    date = rec["date"]
    fy = max((f for f in FEE_YEARS if isinstance(date, dt.date) and date >= f.start), key=lambda f: f.start)
    notes = [
        "fees are reported beside the duty and are not part of total_rate",
        f"MPF/express/informal fees of {fy.cite}",
    ]
    if isinstance(date, dt.date) and date >= dt.date(2026, 10, 1):
        notes.append("FY2027 fees not published in the sources: FY2026 amounts used")
    if rec.get("shipment") == "postal":
        notes.append("the dutiable mail fee (19 CFR 24.22) is not included")
    if rec.get("postal_per_item_usd") is not None:
        items = rec.get("quantity") or 1.0
        notes.insert(0, f"postal duty: ${rec['postal_per_item_usd']:.0f} x {items:.0f} item(s)")
    elif rec.get("postal_rate") is not None:
        notes.insert(0, f"postal duty: {100 * float(rec['postal_rate']):.4g}% of value")  # type: ignore[arg-type]
    return {
        "shipment": rec["shipment"],
        "transport": rec["transport"],
        "value_usd": rec["value"],
        "de_minimis": REASON_TEXT.get(str(rec["de_minimis"]), rec["de_minimis"]),
        "de_minimis_code": rec["de_minimis"],
        "postal_method": rec["postal_method"],
        "duty_owed_usd": rec["duty_owed_usd"],
        "fees": {
            "mpf_usd": rec["mpf_usd"],
            "hmf_usd": rec["hmf_usd"],
            "total_usd": rec["fees_usd"],
            "mpf_cite": "19 U.S.C. 58c(a)(9)-(10); 19 CFR 24.23(b); USMCA originating goods exempt, 24.23(c)(3)",
            "hmf_cite": "26 U.S.C. 4461; 19 CFR 24.24 (vessel cargo only)",
        },
        "landed_cost_usd": rec["landed_cost_usd"],
        "notes": notes,
    }
