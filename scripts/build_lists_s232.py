"""Build the Section 232 product lists of the catalogue (``src/tariffscope/catalogue/lists/s232_*.csv``).

Derived from the legal text where it can be parsed, HTSUS 2026 Rev. 6 Chapter 99 (``hts/chapter99_2026_rev_6.txt``
in the shared source data):

- ``s232_auto_parts``: note 33(g), parts of passenger vehicles and light trucks (9903.94.05 and the deal headings);
- ``s232_auto_parts_uk``: note 33(j), UK parts at 10% (9903.94.32);
- ``s232_mhd_parts``: note 38(i), medium- and heavy-duty vehicle parts (9903.74.08);
- ``s232_annex``: note 16(c)(i)-(x), the metals annexes of Proclamation 11021 (9903.82.xx, from 2026-04-06):
  (i)-(v) Annex I-A (50%), (vi)-(viii) Annex I-B (25%), (ix)-(x) Annex III (15% inclusive);
- ``s232_civil_aircraft``: note 35(a) (UK, 9903.96.01) and 35(b) (Japan, 9903.96.02).

Where the legal text in the shared data no longer holds a list (the 2025 metals notes 16(j)-(n) and 19(g)-(k),
the copper note 36, the pharmaceutical annex of Proclamation 11020, and the Proclamation 11032 additions of
2026-06-08), the lists are ingested from the Budget Lab at Yale tariff-rate-tracker tables (MIT licence) in
``lists/`` of the shared data; each output file's header names its sources, their sha256 and the licence.

The parsed lists are checked against the tracker's tables and the differences are printed (and tested in
``tests/test_lists_s232.py``). Run: ``python scripts/build_lists_s232.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from tariffscope.errors import DataError
from tariffscope.paths import CATALOGUE_DIR, shared_data

OUT = CATALOGUE_DIR / "lists"
CH99 = "hts/chapter99_2026_rev_6.txt"
TOKEN = re.compile(r"(?<![\d.])(\d{4}(?:\.\d{2}(?:\.\d{2,4})?)?)(?![\d.]*\d)")
NOISE = re.compile(
    r"Harmonized Tariff Schedule of the United States Revision \d+ \(\d{4}\)|Annotated for Statistical Reporting Purposes"
    r"|99 - III - \d+|XXII|U\.S\. Notes \(con\.\)|\[Compiler's note:[^\]]*\]?"
)
ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
ANNEX_OF = {
    "i": "1a",
    "ii": "1a",
    "iii": "1a",
    "iv": "1a",
    "v": "1a",
    "vi": "1b",
    "vii": "1b",
    "viii": "1b",
    "ix": "3",
    "x": "3",
}
METAL_OF = {
    "i": "aluminum",
    "ii": "aluminum",
    "iii": "steel",
    "iv": "steel",
    "v": "copper",
    "vi": "aluminum",
    "vii": "steel",
    "viii": "copper",
    "ix": "aluminum",
    "x": "steel",
}
KIND_OF = {s: ("derivative" if s in ("ii", "iv", "vi", "vii", "ix", "x") else "article") for s in ROMAN}
UK_HEADING = {
    "i": "9903.82.04",
    "ii": "9903.82.04",
    "iii": "9903.82.04",
    "iv": "9903.82.04",
    "vi": "9903.82.05",
    "vii": "9903.82.05",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_text() -> str:
    path = shared_data() / CH99
    if not path.exists():
        raise DataError(f"{CH99} not found in the shared source data ({shared_data()})")
    return path.read_bytes().decode("utf-8", errors="replace")


def clean(block: str) -> str:
    """Drop page headers and compiler's notes, which hold numbers that are not HTS provisions."""
    return NOISE.sub(" ", block)


def tokens(block: str) -> list[str]:
    """HTS provisions (4-10 digits, dotted) in a block of list text, in text order, dots removed."""
    out = []
    for t in TOKEN.findall(clean(block)):
        digits = t.replace(".", "")
        if 1 <= int(digits[:2]) <= 97:
            out.append(digits)
    return out


def between(text: str, start: str, end: str, after: int = 0) -> tuple[str, int]:
    """The text between the first ``start`` (at or after ``after``) and the next ``end``."""
    i = text.find(start, after)
    if i < 0:
        raise DataError(f"{CH99}: marker {start!r} not found")
    j = text.find(end, i + len(start))
    if j < 0:
        raise DataError(f"{CH99}: marker {end!r} not found after {start!r}")
    return text[i + len(start) : j], i


def note33(text: str) -> tuple[list[str], list[str], list[str]]:
    """Note 33(b) vehicles, 33(g) parts and 33(j) UK parts."""
    n33 = text.find("33. (a)  Except as provided for in headings 9903.94.02")
    veh, _ = between(
        text, "(b) The rates of duty set forth in headings 9903.94.01", "(c) Heading 9903.94.02 applies", n33
    )
    parts, _ = between(
        text,
        "(g) Subject to a manufacturer's import adjustment offset",
        "(h) Heading 9903.94.06 applies",
        n33,
    )
    parts = parts.split("applies to parts of passenger vehicles", 1)[1]
    uk, _ = between(
        text, "(j) Heading 9903.94.32 sets forth", "Any automotive part, except those eligible", n33
    )
    uk = uk.split("statistical reporting numbers of the HTSUS Annotated:", 1)[1]
    veh = veh.split("enumerated in this subdivision:", 1)[1]
    return tokens(veh), tokens(parts), tokens(uk)


def note38(text: str) -> list[str]:
    """Note 38(i): medium- and heavy-duty vehicle parts."""
    block, _ = between(
        text,
        "(i) The rates of duty set forth in heading 9903.74.08 apply to parts",
        "(j) Heading 9903.74.09 applies",
    )
    return tokens(block.split("enumerated in this subdivision:", 1)[1])


def note16(text: str) -> dict[str, list[str]]:
    """Note 16(c)(i)-(x), the metals annexes; list (iv) and (v) share a page laid out in columns."""
    block, _ = between(text, "(c) Headings 9903.82.02", "(d) Headings 9903.82.04 and 9903.82.05 apply")
    labels = {
        "i": "(i) Articles of aluminum:",
        "ii": "(ii) Derivative aluminum articles:",
        "iii": "(iii) Articles of steel:",
        "iv": "(iv) Derivative steel articles:",
        "v": "(v) Articles of copper:",
        "vi": "(vi) Derivative aluminum articles:",
        "vii": "(vii) Derivative steel articles:",
        "viii": "(viii) Articles of copper:",
        "ix": "(ix) Derivative aluminum articles:",
        "x": "(x) Derivative steel articles:",
    }
    pos = {k: block.find(v) for k, v in labels.items()}
    missing = [k for k, p in pos.items() if p < 0]
    if missing:
        raise DataError(f"{CH99}: note 16(c) labels {missing} not found")
    out: dict[str, list[str]] = {}
    for k in ("i", "ii", "vi", "vii", "viii", "ix", "x"):
        nxt = ROMAN[ROMAN.index(k) + 1] if k != "x" else None
        end = pos[nxt] if nxt else len(block)
        out[k] = tokens(block[pos[k] + len(labels[k]) : end])
    # (iii) ends at the page break; the next page interleaves the columns of (iv) and (v): the copper
    # articles of (v) are the chapter 74 provisions there, everything else is (iv).
    start3 = pos["iii"] + len(labels["iii"])
    brk = block.find("Harmonized Tariff Schedule", start3)
    out["iii"] = tokens(block[start3:brk])
    mixed = tokens(block[brk : pos["vi"]])
    out["v"] = [t for t in mixed if t.startswith("74")]
    out["iv"] = [t for t in mixed if not t.startswith("74")]
    return out


def note35(text: str) -> dict[str, list[str]]:
    """Note 35(a) UK and 35(b) Japan civil aircraft provisions."""
    a, i = between(text, "(a) As provided in heading 9903.96.01", "(b) As provided in heading 9903.96.02")
    b, _ = between(text, "(b) As provided in heading 9903.96.02", "36. [Note deleted.]", i)
    return {
        "GB": tokens(a.split('"Special" subcolumn:', 1)[1]),
        "JP": tokens(b.split('"Special" subcolumn:', 1)[1]),
    }


# Note 33(h)(ii): articles of the 33(g) provisions "that are not parts of passenger vehicles ... and light trucks"
# go to 9903.94.06 (no duty). A provision is an auto part by its terms when its legal or statistical description
# limits it to motor vehicles; otherwise (computers 8471, bearings 8482, motors 8501, batteries 8507, jacks 8425 ...)
# the article may or may not be an auto part: `use` = generic, and auto-part use is a claim.
VEHICLE_TERMS = re.compile(
    r"motor[- ]+vehicle|motor cars|vehicles of (chapter|heading|subheading)|headings 8701 to 8705|for vehicles"
    r"|automotive|buses or trucks|on-highway transport|wheel hub units",
    re.IGNORECASE,
)
NOT_ONLY_VEHICLES = re.compile(r"vehicles, aircraft", re.IGNORECASE)


def auto_part_use(prefix: str, schedule: pl.DataFrame) -> str:
    """``inherent`` when the description of every line under ``prefix`` limits it to motor vehicles, else ``generic``."""
    descs = schedule.filter(pl.col("hts10").str.starts_with(prefix))["description"].to_list()
    if not descs:
        raise DataError(f"note 33 provision {prefix} matches no HTS line")
    ok = all(VEHICLE_TERMS.search(d) and not NOT_ONLY_VEHICLES.search(d) for d in descs)
    return "inherent" if ok else "generic"


def note2aa_iv(text: str) -> list[str]:
    """Note 2(aa)(iv): civil aircraft, engines, parts ... exempt from Section 122 (9903.03.05)."""
    block, _ = between(
        text,
        "(iv) As provided in heading 9903.03.05, the additional duty imposed by heading 9903.03.01",
        "(v) As provided in heading 9903.03.06",
    )
    return dedupe(tokens(block.split("from left to right.]", 1)[1]))


def inherent_aircraft(hts: str) -> bool:
    """Provisions that by their terms are aircraft goods (no end-use certification needed to know it)."""
    return hts.startswith(("88", "8411", "840710", "840910", "880", "9014", "8526")) and not hts.startswith(
        "8806"
    )


def header(title: str, sources: Iterable[tuple[str, str]], extra: str = "") -> str:
    lines = [f"# {title}", f"# built {dt.date.today().isoformat()} by scripts/build_lists_s232.py"]
    for name, note in sources:
        lines.append(f"# source: {name} sha256={sha256(shared_data() / name)} ({note})")
    if extra:
        lines.extend(f"# {x}" for x in extra.splitlines())
    return "\n".join(lines) + "\n"


def unmatched(codes: list[str], lines: list[str]) -> list[tuple[int, str]]:
    """(data line, code) of the list entries that match no HTS10 line (``lines`` sorted)."""
    import bisect

    out = []
    for i, h in enumerate(codes):
        j = bisect.bisect_left(lines, h)
        if not (j < len(lines) and lines[j].startswith(h)):
            out.append((i + 1, h))
    return out


def write(name: str, df: pl.DataFrame, head: str) -> None:
    """Write a list; an entry that matches no HTS10 line of 2025-26 fails the build, naming file and line."""
    from tariffscope.paths import PACKAGE_DATA

    lines = (
        pl.read_parquet(PACKAGE_DATA / "schedule.parquet", columns=["hts10"])["hts10"]
        .unique()
        .sort()
        .to_list()
    )
    bad = unmatched(df["hts"].to_list(), lines)
    if bad:
        raise DataError(
            "; ".join(f"{name}.csv data line {i}: {h} matches no HTS line of 2025-26" for i, h in bad[:10])
        )
    path = OUT / f"{name}.csv"
    path.write_text(head + df.write_csv())
    print(f"{path.name}: {df.height} rows")


def dedupe(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


NOTE19 = {
    # subdivision: (start marker, end marker, group)
    "g": (
        "(g) The rates of duty set forth in heading 9903.85.02 apply",
        "(h) Except as provided",
        "aluminum_article",
    ),
    "i": (
        "(i) The rates of duty set forth in heading 9903.85.04 apply",
        "(j) The rates of duty set forth in heading 9903.85.07",
        "aluminum_derivative_full",
    ),
    "j": (
        "(j) The rates of duty set forth in heading 9903.85.07 apply",
        "(k) The rates of duty in heading 9903.85.08",
        "aluminum_derivative_full",
    ),
    "k": (
        "(k) The rates of duty in heading 9903.85.08 apply",
        "(l) Any importer entering",
        "aluminum_derivative_content",
    ),
}
CASTINGS_FORGINGS = ["7616995160", "7616995170"]
# Inclusions dated by Commerce outside the 2025-08-18 round (the tracker's table lacks them).
INCLUSION_FROM = {"22030000": "2025-04-04", "76129010": "2025-04-04"}  # BIS: beer and empty aluminium cans


def note19(text: str) -> dict[str, list[str]]:
    """Note 19(g), (i), (j), (k): the 2025 aluminium articles and derivatives, at the digit level the note uses.

    19(i) describes its articles; only the subheadings "(described in subheading ...)" are provisions.
    """
    n19 = text.find("19. (a)  This note and the tariff provisions")
    if n19 < 0:
        raise DataError(f"{CH99}: note 19 not found")
    out: dict[str, list[str]] = {}
    for sub, (start, end, _) in NOTE19.items():
        block, _ = between(text, start, end, n19)
        if sub == "i":
            out[sub] = [
                t.replace(".", "") for t in re.findall(r"described in subheading\s+([\d.]+\d)", block)
            ]
        else:
            out[sub] = tokens(block.split(":", 1)[1])
    # 19(g)(vii) covers only "castings and forgings of aluminum provided for in subheading 7616.99.51": the
    # description limits the subheading to its statistical lines for castings (.60) and forgings (.70)
    out["g"] = [x for h in out["g"] for x in (CASTINGS_FORGINGS if h == "76169951" else [h])]
    return out


def refine(prefixes: list[str], named: set[str]) -> list[str]:
    """Replace a coarse prefix by the finer provisions the note names under it (3004.90.92 -> 3004.90.92.44)."""
    out: list[str] = []
    for p in prefixes:
        finer = sorted(n for n in named if n.startswith(p) and len(n) > len(p))
        out.extend(finer or [p])
    return out


def ingest_2025_metals(text: str) -> pl.DataFrame:
    """The 2025 regime: aluminium parsed from note 19(g)-(k); steel (notes 16(j)-(n), no longer in the
    Rev. 6 text) from the tracker's tables, refined to the statistical lines that note 19(k) names for the
    codes of the 2025-08-18 inclusions common to both metals (90 FR 40326 lists one set of codes)."""
    lists = shared_data() / "lists"
    mc = pl.read_csv(lists / "s232_metal_chapter_products.csv", infer_schema_length=0)
    der = pl.read_csv(lists / "s232_derivative_products.csv", infer_schema_length=0)
    rows: list[dict[str, str | None]] = []
    for r in mc.iter_rows(named=True):
        metal, kind, eff = r["metal_type"], r["kind"], r["effective_date"] or None
        if kind == "mill":
            group = f"{metal}_article"
        elif r["hts_prefix"][:2] in ("73", "76") or "2020" in (r["source"] or ""):
            group = f"{metal}_derivative_full"  # 9903.81.89/.90, 9903.85.04/.07: full value until 2025-06-03
        else:
            group = f"{metal}_derivative_content"
        rows.append(
            {"hts": r["hts_prefix"], "metal": metal, "group": group, "from": eff, "note": r["source"]}
        )
    for r in der.iter_rows(named=True):
        ch99 = r["ch99_code"]
        metal = r["derivative_type"]
        group = (
            f"{metal}_derivative_full"
            if ch99 in ("9903.85.04", "9903.85.07")
            else f"{metal}_derivative_content"
        )
        rows.append(
            {
                "hts": r["hts_prefix"],
                "metal": metal,
                "group": group,
                "from": r["effective_date"] or None,
                "note": ch99,
            }
        )
    # aluminium: the note text, dated from the tracker's table (2025-08-18 inclusions) by HTS8
    n19 = note19(text)
    al_from = {
        r["hts"][:8]: r["from"] for r in rows if r["metal"] == "aluminum" and r["from"]
    } | INCLUSION_FROM
    al_incl = {r["hts"] for r in rows if r["metal"] == "aluminum" and r["from"] == "2025-08-18"}
    named_k = {h for h in n19["k"] if len(h) > 8}
    rows = [r for r in rows if r["metal"] != "aluminum"]
    for sub, codes in n19.items():
        for h in dedupe(codes):
            rows.append(
                {
                    "hts": h,
                    "metal": "aluminum",
                    "group": NOTE19[sub][2],
                    "from": al_from.get(h[:8]),
                    "note": f"note 19({sub})",
                }
            )
    # steel: the same inclusion codes at the digit level note 19(k) uses
    steel = []
    for r in rows:
        if r["metal"] == "steel" and r["from"] == "2025-08-18" and r["hts"] in al_incl:
            steel.extend({**r, "hts": h} for h in refine([r["hts"]], named_k))
        else:
            steel.append(r)
    rows = steel
    df = pl.DataFrame(
        rows,
        schema={
            "hts": pl.String,
            "metal": pl.String,
            "group": pl.String,
            "from": pl.String,
            "note": pl.String,
        },
    )
    # one row per (hts, metal): the earliest window wins (a null `from` is the earliest)
    df = df.sort(["hts", "metal", pl.col("from").fill_null("0000")]).unique(
        ["hts", "metal"], keep="first", maintain_order=True
    )
    return df.with_columns(pl.col("from").fill_null(""))


REGIME_2025 = (dt.date(2025, 3, 12), dt.date(2026, 4, 5))
CONTENT_GROUPS = (
    "steel_derivative_content",
    "aluminum_derivative_content",
    "steel_derivative_full",
    "aluminum_derivative_full",
)


def check_metals_2025(
    df: pl.DataFrame, schedule: pl.DataFrame, name: str = "s232_metals_2025.csv"
) -> list[str]:
    """Build rule (issue 11): every entry matches an HTS10 line in force in its window, and every line a
    derivative entry covers has a metal share estimate (a missing share must never mean the full value).

    Returns the errors, each naming the output file and its data line (header lines counted).
    """
    from tariffscope.resolver.shares import share_estimates

    errors: list[str] = []
    lo, hi = REGIME_2025
    live = schedule.filter(
        pl.col("valid_from") <= hi, pl.col("valid_to").is_null() | (pl.col("valid_to") > lo)
    ).select("hts10", "valid_from", "valid_to")
    codes = live["hts10"].unique().sort()
    est = share_estimates(codes).filter(pl.col("share_source").is_not_null())
    has_share = set(est["hts10"])
    arr = codes.to_list()
    import bisect

    for i, r in enumerate(df.iter_rows(named=True)):
        p = r["hts"]
        start = dt.date.fromisoformat(r["from"]) if r["from"] else lo
        j = bisect.bisect_left(arr, p)
        lines = []
        while j < len(arr) and arr[j].startswith(p):
            lines.append(arr[j])
            j += 1
        inwin = live.filter(
            pl.col("hts10").is_in(lines),
            pl.col("valid_from") <= hi,
            pl.col("valid_to").is_null() | (pl.col("valid_to") > start),
        )
        where = f"{name} data line {i + 1} ({p}, {r['group']}, from {r['from'] or lo})"
        if inwin.height == 0:
            errors.append(f"{where}: matches no HTS line in force")
        elif r["group"] in CONTENT_GROUPS:
            no = sorted(set(inwin["hts10"]) - has_share)
            if no:
                errors.append(f"{where}: lines without a metal share estimate {no[:5]}")
    return errors


def main() -> int:
    text = read_text()
    lists = shared_data() / "lists"
    today_src = [(CH99, "HTSUS 2026 Rev. 6 Chapter 99, USITC, public domain")]

    veh, parts, uk_parts = note33(text)
    mhd = note38(text)
    annex = note16(text)
    air = note35(text)
    problems: list[str] = []

    # --- checks against the tracker's tables (MIT); report, do not overwrite the legal text
    ref_parts = {x.strip() for x in (lists / "s232_auto_parts.txt").read_text().split() if x.strip()}
    ref_mhd = {x.strip() for x in (lists / "s232_mhd_parts.txt").read_text().split() if x.strip()}
    for name, mine, ref in (("33(g)", set(parts), ref_parts), ("38(i)", set(mhd), ref_mhd)):
        if mine != ref:
            problems.append(
                f"note {name}: {len(mine - ref)} only in the legal text {sorted(mine - ref)[:10]}, "
                f"{len(ref - mine)} only in the tracker {sorted(ref - mine)[:10]}"
            )
    ref_annex = pl.read_csv(lists / "s232_annex_products.csv", infer_schema_length=0)
    ref_apr = ref_annex.filter(pl.col("effective_date") == "2026-04-06", pl.col("annex") != "2")
    mine_pairs = {(h, ANNEX_OF[k]) for k, v in annex.items() for h in v}
    ref_pairs = set(zip(ref_apr["hts_prefix"], ref_apr["annex"], strict=True))
    # the tracker also carries coarse parent prefixes and zero-padded duplicates of the listed provisions
    unexplained = {
        (h, a)
        for h, a in ref_pairs - mine_pairs
        if not any(m.startswith(h) or h.rstrip("0") == m.rstrip("0") for m, _ in mine_pairs)
    }
    if mine_pairs - ref_pairs or unexplained:
        problems.append(
            f"note 16(c): only in the legal text {sorted(mine_pairs - ref_pairs)}, only in the tracker {sorted(unexplained)}"
        )

    # --- write
    from tariffscope.paths import PACKAGE_DATA

    sched = pl.read_parquet(PACKAGE_DATA / "schedule.parquet").filter(
        pl.col("valid_to").is_null() | (pl.col("valid_to") > dt.date(2025, 5, 3))
    )
    use_note = (
        "use: inherent = the provision's description limits it to motor vehicles (charged); generic = it also holds\n"
        "articles that are not parts of passenger vehicles or light trucks, which note 33(h)(ii) sends to 9903.94.06\n"
        "(no duty): auto-part use is then a claim (claim auto_part), not charged by default."
    )
    write(
        "s232_auto_parts",
        pl.DataFrame({"hts": dedupe(parts)}).with_columns(
            pl.col("hts").map_elements(lambda h: auto_part_use(h, sched), return_dtype=pl.String).alias("use")
        ),
        header(
            "Parts of passenger vehicles and light trucks, HTSUS chapter 99 note 33(g) (9903.94.05 and deal headings)",
            today_src,
            use_note,
        ),
    )
    write(
        "s232_auto_parts_uk",
        pl.DataFrame({"hts": dedupe(uk_parts)}).with_columns(
            pl.col("hts").map_elements(lambda h: auto_part_use(h, sched), return_dtype=pl.String).alias("use")
        ),
        header(
            "UK parts of passenger vehicles and light trucks, note 33(j) (9903.94.32)", today_src, use_note
        ),
    )
    write(
        "s232_vehicles",
        pl.DataFrame({"hts": dedupe(veh)}),
        header("Passenger vehicles and light trucks, note 33(b) (9903.94.01 and deal headings)", today_src),
    )
    write(
        "s232_mhd_parts",
        pl.DataFrame({"hts": dedupe(mhd)}).with_columns(
            pl.col("hts").map_elements(lambda h: auto_part_use(h, sched), return_dtype=pl.String).alias("use")
        ),
        header(
            "Parts of medium- and heavy-duty vehicles, note 38(i) (9903.74.08)",
            today_src,
            "use: as in s232_auto_parts; 38(i) charges parts of medium- and heavy-duty vehicles, so a generic\n"
            "provision's article is charged only when declared one (claim mhd_part).",
        ),
    )

    arows = []
    for k in ROMAN:
        for h in dedupe(annex[k]):
            arows.append(
                {
                    "hts": h,
                    "annex": ANNEX_OF[k],
                    "subdivision": k,
                    "metal": METAL_OF[k],
                    "kind": KIND_OF[k],
                    "uk_heading": UK_HEADING.get(k, ""),
                    "from": "",
                    "note": f"note 16(c)({k})",
                }
            )
    # Proclamation 11032 (from 2026-06-08): new subdivision (c)(xi) and list additions; the Rev. 6 text predates them
    add = ref_annex.filter(pl.col("source").str.starts_with("proclamation_11032"))
    sub_of = {"1c": "xi", "3": "ix-x", "1b": "vi-vii", "2": ""}
    for r in add.iter_rows(named=True):
        if r["annex"] == "2":
            continue  # Annex II: leaves Section 232 (no coverage row)
        arows.append(
            {
                "hts": r["hts_prefix"],
                "annex": r["annex"],
                "subdivision": sub_of[r["annex"]],
                "metal": r["metal_type"],
                "kind": "derivative",
                "uk_heading": "",
                "from": r["effective_date"],
                "note": f"{r['source']} (tracker table)",
            }
        )
    adf = pl.DataFrame(arows).unique(["hts", "annex", "metal"], keep="first", maintain_order=True)
    write(
        "s232_annex",
        adf,
        header(
            "Section 232 metals annexes from 2026-04-06 (Proc 11021): note 16(c)(i)-(v) Annex I-A 50%, (vi)-(viii) Annex I-B 25%, "
            "(ix)-(x) Annex III 15% inclusive; rows with `from` 2026-06-08 are Proclamation 11032 additions",
            [
                *today_src,
                (
                    "lists/s232_annex_products.csv",
                    "Budget Lab at Yale tariff-rate-tracker, MIT licence; rows dated 2026-06-08 only",
                ),
            ],
        ),
    )

    m25 = ingest_2025_metals(text)
    from tariffscope.paths import PACKAGE_DATA

    errors = check_metals_2025(m25, pl.read_parquet(PACKAGE_DATA / "schedule.parquet"))
    if errors:
        for e in errors:
            print("ERROR:", e, file=sys.stderr)
        raise DataError(f"s232_metals_2025: {len(errors)} list entries fail the build rule (see above)")
    write(
        "s232_metals_2025",
        m25,
        header(
            "Section 232 steel and aluminium 2025 regime (Procs 10895/10896/10947; inclusions 90 FR 40326 from 2025-08-18). "
            "group: <metal>_article (9903.81.87 / 9903.85.02), <metal>_derivative_full (9903.81.89-.90 / 9903.85.04, .07: "
            "full value until 2025-06-03), <metal>_derivative_content (9903.81.91 / 9903.85.08: metal content)",
            [
                *today_src,
                (
                    "lists/s232_metal_chapter_products.csv",
                    "Budget Lab at Yale tariff-rate-tracker, MIT licence",
                ),
                ("lists/s232_derivative_products.csv", "Budget Lab at Yale tariff-rate-tracker, MIT licence"),
            ],
            "Aluminium rows are parsed from note 19(g)-(k) of the Rev. 6 text at the digit level the note uses; the steel\n"
            "notes 16(j)-(n) are not in that text, so steel rows are ingested, with the 2025-08-18 inclusion codes refined\n"
            "to the statistical lines note 19(k) names (3004.90.92.44, 2106.90.99.98, 2710.19.30.50 ...).",
        ),
    )

    cu = pl.read_csv(lists / "s232_copper_products.csv", infer_schema_length=0).rename(
        {"hts10": "hts", "ch99_code": "heading"}
    )
    write(
        "s232_copper_2025",
        cu.unique("hts", maintain_order=True),
        header(
            "Section 232 copper, note 36(b) (9903.78.01, 50% on copper content, 2025-08-01 to 2026-04-05; Proc 10962)",
            [("lists/s232_copper_products.csv", "Budget Lab at Yale tariff-rate-tracker, MIT licence")],
            "Note 36 is deleted in the Rev. 6 text, so this list is ingested, not parsed.",
        ),
    )

    ph = pl.read_csv(lists / "s232_pharma_products.csv", infer_schema_length=0).rename({"hts10": "hts"})
    write(
        "s232_pharma",
        ph.unique("hts", maintain_order=True),
        header(
            "Patented pharmaceuticals, Proclamation 11020 annex (note 40; 9903.04.60-.70 from 2026-07-31)",
            [("lists/s232_pharma_products.csv", "Budget Lab at Yale tariff-rate-tracker, MIT licence")],
            "Note 40 post-dates the Rev. 6 text, so this list is ingested, not parsed.",
        ),
    )

    crows = []
    for ctry, codes in air.items():
        for h in dedupe(codes):
            crows.append({"hts": h, "country": ctry, "inherent": "1" if inherent_aircraft(h) else "0"})
    write(
        "s232_civil_aircraft",
        pl.DataFrame(crows),
        header(
            "Civil aircraft articles, note 35(a) UK (9903.96.01) and 35(b) Japan (9903.96.02). inherent=1: provisions that are "
            "aircraft goods by their terms; the others qualify only with General Note 6 civil-aircraft use",
            today_src,
        ),
    )

    s122_air = note2aa_iv(text)
    write(
        "s122_civil_aircraft",
        pl.DataFrame({"hts": s122_air, "inherent": ["1" if inherent_aircraft(h) else "0" for h in s122_air]}),
        header(
            "Civil aircraft, engines, parts and ground flight simulators exempt from Section 122, note 2(aa)(iv) "
            "(9903.03.05). inherent=1: provisions that are aircraft goods by their terms; the others qualify only "
            "with General Note 6 civil-aircraft use (claim civil_aircraft)",
            today_src,
        ),
    )

    for p in problems:
        print("CHECK:", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
