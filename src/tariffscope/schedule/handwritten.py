"""A base schedule written by hand in a jurisdiction's catalogue folder (``schedule.provider: catalogue``).

For an importer whose tariff is not pulled from a publisher (Japan), ``catalogue/<id>/schedule.csv``
lists the lines tariffscope knows: ``hs`` (6-10 digits, dots allowed), ``description``, ``from`` (first
entry date), ``general_text`` (the rate as the law prints it), ``kind`` (``ad_valorem``, ``specific``,
``free``), ``ad_valorem`` (decimal), ``specific_jpy`` (per ``unit``, in the jurisdiction's currency),
``unit``, ``source``, ``verified`` (``yes``/``partly``) and ``note``. It becomes a :class:`Schedule` with
the columns of the USITC one, so the resolver reads both alike; the line's source, how far it was
verified and its note travel in the rate text, so every lookup's trail shows them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from tariffscope.errors import DataError
from tariffscope.schedule.table import Schedule

KINDS = ("ad_valorem", "specific", "free")
NEED = (
    "hs",
    "description",
    "from",
    "general_text",
    "kind",
    "ad_valorem",
    "specific_jpy",
    "unit",
    "source",
    "verified",
)


def _check(df: pl.DataFrame, path: Path) -> None:
    """Refuse a malformed table, naming the row (1-based, after the header) and the field."""
    missing = [c for c in NEED if c not in df.columns]
    if missing:
        raise DataError(f"{path.name}: missing column(s) {missing}")
    for i, r in enumerate(df.iter_rows(named=True), start=1):
        code = (r["hs"] or "").replace(".", "")
        if not (code.isdigit() and 6 <= len(code) <= 10):
            raise DataError(f"{path.name}: row {i}: hs: {r['hs']!r} is not a 6-10 digit code")
        if r["kind"] not in KINDS:
            raise DataError(f"{path.name}: row {i}: kind: {r['kind']!r} is not one of {', '.join(KINDS)}")
        if r["kind"] == "specific" and not r["specific_jpy"]:
            raise DataError(f"{path.name}: row {i}: specific_jpy: a specific rate needs its amount")
        if r["verified"] not in ("yes", "partly"):
            raise DataError(f"{path.name}: row {i}: verified: say 'yes' or 'partly'")
        try:
            dt.date.fromisoformat(r["from"])
        except (TypeError, ValueError):
            raise DataError(f"{path.name}: row {i}: from: {r['from']!r} is not YYYY-MM-DD") from None


def load_table(path: Path, label: str = "catalogue") -> Schedule:
    """The :class:`Schedule` of a hand-written table (see the module docstring)."""
    df = pl.read_csv(path, infer_schema_length=0, comment_prefix="#")
    _check(df, path)
    av = pl.col("ad_valorem").cast(pl.Float64).fill_null(0.0)
    spec = pl.col("specific_jpy").replace("", None).cast(pl.Float64)
    note = (
        pl.when(pl.col("note").fill_null("") != "").then(pl.lit("; ") + pl.col("note")).otherwise(pl.lit(""))
    )
    lines = df.select(
        pl.col("hs").str.replace_all(r"\.", "").str.pad_end(10, "0").alias("hts10"),
        pl.col("from").str.to_date().alias("valid_from"),
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
        pl.lit(label).alias("rev_from"),
        pl.lit(label).alias("rev_to"),
        "description",
        "unit",
        pl.format("{} [{}; verified: {}{}]", "general_text", "source", "verified", note).alias(
            "general_text"
        ),
        pl.lit("").alias("special_text"),
        pl.lit("").alias("other_text"),
        pl.lit([], dtype=pl.List(pl.String)).alias("footnote_ch99"),
        av.alias("mfn_ad_valorem"),
        spec.alias("mfn_specific_usd"),  # in the jurisdiction's currency per unit (yen for Japan)
        pl.when(spec.is_not_null()).then(pl.col("unit").str.to_lowercase()).alias("mfn_specific_unit"),
        pl.col("kind").cast(pl.Categorical).alias("mfn_kind"),
        pl.when(spec.is_null()).then(av).alias("mfn_ave"),  # no documented unit value for a specific rate
        pl.lit(None, dtype=pl.Float64).alias("col2_ave"),
        pl.lit(None, dtype=pl.Float64).alias("unit_value_usd"),
        pl.lit(None, dtype=pl.String).alias("unit_value_source"),
        pl.lit([], dtype=pl.List(pl.String)).alias("special_programs"),
    ).sort("hts10", "valid_from")
    dup = lines.filter(pl.struct("hts10", "valid_from").is_duplicated())
    if dup.height:
        raise DataError(f"{path.name}: line {dup['hts10'][0]} is given twice for {dup['valid_from'][0]}")
    start = lines["valid_from"].min()
    revisions = pl.DataFrame(
        {
            "revision": [label],
            "hts_date": [start],
            "policy_effective_date": [start],
            "effective_from": [start],
            "policy_event": [f"hand-written table {path.name}"],
        },
        schema_overrides={"hts_date": pl.Date, "policy_effective_date": pl.Date, "effective_from": pl.Date},
    )
    ch99 = pl.DataFrame(
        schema={
            "heading": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
            "rev_from": pl.String,
            "rev_to": pl.String,
            "description": pl.String,
            "general_text": pl.String,
            "special_text": pl.String,
            "other_text": pl.String,
            "footnote_ch99": pl.List(pl.String),
            "kind": pl.Categorical,
            "additional_ad_valorem": pl.Float64,
            "rate_ad_valorem": pl.Float64,
        }
    )
    conc = pl.DataFrame(
        schema={"old_hts10": pl.String, "new_hts10": pl.String, "rev": pl.String, "method": pl.String}
    )
    return Schedule(lines, revisions, ch99, conc, {"source": path.name, "provider": "catalogue"})
