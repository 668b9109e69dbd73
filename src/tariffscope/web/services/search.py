"""Product search over the schedule: by code prefix, or by words (everyday words included)."""

from __future__ import annotations

import functools
import re
from typing import Any

import polars as pl

from tariffscope.web.services.errors import InputError
from tariffscope.web.services.state import schedule, weights

# Everyday words for the HTS's legal wording (each alternative a whole-word, case-insensitive match).
SEARCH_SYNONYMS: dict[str, tuple[str, ...]] = {
    "passenger": ("passenger", "transport of persons"),
    "car": ("car", "motor car", "motor vehicle"),
    "auto": ("motor car", "motor vehicle"),
    "automobile": ("motor car", "motor vehicle"),
    "truck": ("truck", "transport of goods"),
    "phone": ("telephone", "smartphone"),
    "laptop": ("portable automatic data processing",),
    "computer": ("computer", "automatic data processing"),
    "steel": ("steel", "iron or steel"),
}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@functools.cache
def _line_imports() -> pl.DataFrame:
    return weights().group_by("hts10").agg(pl.col("imports_usd").sum().alias("_imports"))


@functools.lru_cache(maxsize=1024)
def search(q: str, limit: int = 20) -> list[dict[str, Any]]:
    """HTS lines by code prefix or by words of their descriptions, everyday words included
    ("passenger cars" finds heading 8703, "motor cars ... for the transport of persons").

    A line must match every word (a word matches its plural and its :data:`SEARCH_SYNONYMS`); lines
    whose heading (the description's first segment) carries the words, best starts with them, rank
    first, then the lines the US imports most of. Descriptions are returned in full."""
    q = q.strip()
    if not q:
        raise InputError("q", "q: give an HTS code or words to search for")
    sched = schedule()
    digits = q.replace(".", "").replace(" ", "")
    if digits.isdigit():
        res: Any = sched.search(q, limit=limit)
        df = res if isinstance(res, pl.DataFrame) else pl.DataFrame(res)
        return df.head(limit).to_dicts()
    base = sched.on(sched.horizon[1]).select("hts10", "description", "general_text", "mfn_ave", "unit")
    head = pl.col("description").str.split(": ").list.first()
    match, in_head = pl.lit(True), pl.lit(0)
    for w in (x.lower() for x in re.findall(r"[\w'-]+", q)):
        alts = SEARCH_SYNONYMS.get(_stem(w), (_stem(w),))
        pat = "(?i)\\b(?:" + "|".join(re.escape(a) + "s?" for a in alts) + ")\\b"
        match = match & pl.col("description").str.contains(pat)
        starts = "(?i)^(?:" + "|".join(re.escape(a) for a in alts) + ")"
        in_head = in_head + head.str.contains(pat).cast(pl.Int32) + head.str.contains(starts).cast(pl.Int32)
    return (
        base.filter(match)
        .with_columns(in_head.alias("score"))
        .join(_line_imports(), on="hts10", how="left")
        .sort(["score", "_imports", "hts10"], descending=[True, True, False], nulls_last=True)
        .drop("_imports")
        .head(limit)
        .to_dicts()
    )
