"""The dated HTS schedule: build steps (inheritance, intervals, concordance) and the Schedule API."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from tariffscope.errors import DateOutOfRange, UnknownHTS
from tariffscope.paths import PACKAGE_DATA, shared_data
from tariffscope.schedule import Schedule
from tariffscope.schedule.build import (
    build_concordance,
    collapse_intervals,
    flatten_revision,
    repair_truncated_paths,
    revision_table,
)
from tariffscope.schedule.pull import parse_usitc_json
from tariffscope.schedule.ratetext import parse_rate


def _rec(htsno: str, indent: int, desc: str, general: str = "", other: str = "", units=(), fn=()) -> dict:
    return {
        "htsno": htsno, "indent": str(indent), "description": desc, "superior": None, "units": list(units),
        "general": general, "special": "", "other": other,
        "footnotes": [{"columns": ["general"], "value": v, "type": "endnote"} for v in fn],
    }  # fmt: skip


SYNTH = [
    _rec("9999", 0, "Widgets:"),
    _rec("9999.10", 1, "Of steel:"),
    _rec("9999.10.10", 2, "Small", "2.4¢/kg + 5%", "20%", fn=["See 9903.88.03."]),
    _rec("", 3, "Other:"),  # a text-only line between the 8-digit line and its suffixes
    _rec("9999.10.10.10", 4, "Red", units=["kg"]),
    _rec("9999.10.10.20", 4, "Blue", "1%", "30%", units=["kg"]),  # a suffix with its own rate
    _rec("9999.10.50", 2, "Large", "Free", "35%"),  # no suffixes -> emitted as ...00
    _rec("9999.90.00.00", 1, "Other", "6.5%", "40%", units=["No."]),
]


def _flatten(records: list[dict]) -> pl.DataFrame:
    # chapter "99" is excluded from lines, so relabel the synthetic chapter as 97
    recs = [dict(r, htsno=r["htsno"].replace("9999", "9799")) for r in records]
    lines, _ = flatten_revision(parse_usitc_json(json.dumps(recs).encode()))
    return lines


def test_inheritance_by_indent_synthetic() -> None:
    lines = _flatten(SYNTH)
    got = {r["hts10"]: r for r in lines.iter_rows(named=True)}
    assert sorted(got) == ["9799101010", "9799101020", "9799105000", "9799900000"]
    red = got["9799101010"]
    assert (red["general_text"], red["other_text"], red["rate_source"]) == ("2.4¢/kg + 5%", "20%", "97991010")
    assert red["description"] == "Widgets: Of steel: Small: Other: Red"
    assert red["footnote_ch99"] == ["99038803"]  # footnotes of the rate line apply to its suffixes
    assert got["9799101020"]["general_text"] == "1%"  # own rate wins
    assert got["9799105000"]["general_text"] == "Free"
    assert got["9799900000"]["description"] == "Widgets: Other"


@pytest.fixture(scope="module")
def rev10() -> pl.DataFrame:
    lines, _ = flatten_revision(parse_usitc_json(shared_data() / "hts" / "hts_2026_rev_10.json.gz"))
    return lines


@pytest.mark.shared
def test_inheritance_on_real_lines(rev10: pl.DataFrame) -> None:
    got = {
        r["hts10"]: r
        for r in rev10.filter(pl.col("hts10").str.slice(0, 4).is_in(["8703", "0101", "6912"])).iter_rows(
            named=True
        )
    }
    assert got["8703230160"]["general_text"] == "2.5%"
    assert got["8703230160"]["rate_source"] == "87032301"
    assert got["8703230160"]["description"].startswith("Motor cars and other motor vehicles")
    assert got["0101210010"]["general_text"] == "Free"
    assert got["6912004810"]["general_text"] == "9.8%"
    # every suffix line of a rate-bearing 8-digit line carries exactly its parent's General text
    raw = parse_usitc_json(shared_data() / "hts" / "hts_2026_rev_10.json.gz")
    hts8 = raw.filter((pl.col("htsno").str.len_chars() == 10) & (pl.col("general") != "")).select(
        pl.col("htsno").str.replace_all(r"\.", "").alias("rate_source"), pl.col("general").alias("g8")
    )
    inherited = rev10.filter(pl.col("rate_source").str.len_chars() == 8).join(hts8, on="rate_source")
    assert inherited.height > 10000
    assert (inherited["general_text"] == inherited["g8"]).all()
    assert (inherited["hts10"].str.slice(0, 8) == inherited["rate_source"]).all()


def test_collapse_intervals() -> None:
    revs = pl.DataFrame(
        {
            "rev_idx": pl.Series([0, 1, 2, 3], dtype=pl.Int16),
            "revision": ["a", "b", "c", "d"],
            "effective_from": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)],
        }
    )
    per_rev = pl.DataFrame(
        {
            "rev_idx": pl.Series([0, 1, 2, 3, 0, 1, 3, 2, 3], dtype=pl.Int16),
            "hts10": ["x"] * 4 + ["y"] * 3 + ["z"] * 2,
            "general_text": ["1%", "1%", "2%", "2%", "5%", "5%", "5%", "Free", "Free"],
        }
    )
    out = collapse_intervals(per_rev, revs)
    rows = [
        (r["hts10"], r["valid_from"], r["valid_to"], r["rev_from"], r["rev_to"], r["general_text"])
        for r in out.iter_rows(named=True)
    ]
    assert rows == [
        ("x", date(2025, 1, 1), date(2025, 3, 1), "a", "b", "1%"),
        ("x", date(2025, 3, 1), None, "c", "d", "2%"),
        ("y", date(2025, 1, 1), date(2025, 3, 1), "a", "b", "5%"),  # absent in c: interval ends
        ("y", date(2025, 4, 1), None, "d", "d", "5%"),
        ("z", date(2025, 3, 1), None, "c", "d", "Free"),
    ]


def test_repair_truncated_paths() -> None:
    df = pl.DataFrame(
        {"rev_idx": pl.Series([0, 1, 2], dtype=pl.Int16), "hts10": ["a"] * 3,
         "description": ["Live horses: Males", "Males", "Live horses: Males"]}
    )  # fmt: skip
    assert repair_truncated_paths(df)["description"].to_list() == ["Live horses: Males"] * 3


def test_concordance_methods() -> None:
    a = pl.DataFrame(
        {
            "hts10": ["0101210010", "0202000010", "0303000010"],
            "description": ["x: Red", "y: Blue cheese", "z: Gone"],
        }
    )
    b = pl.DataFrame(
        {
            "hts10": ["0101210020", "0202990010", "0404000010"],
            "description": ["x: Red", "q: Blue cheese", "w: Other"],
        }
    )
    c = build_concordance({"r0": a, "r1": b}, ["r0", "r1"])
    got = {(r["old_hts10"], r["new_hts10"], r["method"]) for r in c.iter_rows(named=True)}
    assert got == {
        ("0101210010", "0101210020", "same_hts8"),
        ("0202000010", "0202990010", "description"),
        ("0303000010", None, "none"),
    }


@pytest.mark.shared
def test_revision_table_order_and_exclusion() -> None:
    hts = shared_data() / "hts"
    avail = [p.name.removeprefix("hts_").removesuffix(".json.gz") for p in hts.glob("hts_*.json.gz")]
    revs = revision_table(hts / "revision_dates.csv", avail)
    assert revs.height == 43 and "2026_rev_8" not in revs["revision"].to_list()
    assert revs["effective_from"].is_sorted()
    r9 = revs.filter(pl.col("revision") == "2026_rev_9").row(0, named=True)
    assert r9["effective_from"] == date(2026, 5, 1)  # policy date precedes the HTS date (retroactive)


# ------------------------------------------------------------------------ the shipped tables


@pytest.fixture(scope="module")
def sched() -> Schedule:
    return Schedule.load()


def test_packaged_known_rates(sched: Schedule) -> None:
    car = sched.lookup("8703.23.01.60", "2025-06-01")
    assert car["general_text"] == "2.5%" and car["mfn_ad_valorem"] == pytest.approx(0.025)
    assert car["mfn_ave"] == pytest.approx(0.025)
    assert "KR" in car["special_programs"]
    china = sched.lookup("6912.00.48", "2026-02-01")
    assert china["general_text"] == "9.8%" and china["uniform_rate"]
    horse = sched.lookup("0101.21.00.10", "2025-01-01")
    assert horse["mfn_kind"] == "free" and horse["mfn_ave"] == 0.0
    assert "99038815" in horse["footnote_ch99"]


@pytest.mark.shared
def test_packaged_rates_match_source(sched: Schedule, rev10: pl.DataFrame) -> None:
    """The shipped intervals give, on the last revision's date, exactly the texts the source has."""
    on = sched.on(sched.horizon[1]).select("hts10", "general_text", "other_text")
    src = rev10.select("hts10", pl.col("general_text").alias("g"), pl.col("other_text").alias("o"))
    j = on.join(src, on="hts10", how="full", coalesce=True)
    assert j.height == src.height == on.height
    assert (j["general_text"] == j["g"]).all() and (j["other_text"] == j["o"]).all()


def test_on_date_one_row_per_code(sched: Schedule) -> None:
    for d in ("2025-01-01", "2025-07-01", "2026-06-30"):
        df = sched.on(d)
        assert df.height > 19000
        assert df["hts10"].n_unique() == df.height
    with pytest.raises(DateOutOfRange):
        sched.on("2024-12-31")


def test_specific_duties_have_ave_never_zero(sched: Schedule) -> None:
    spec = sched.lines.filter(pl.col("mfn_kind").is_in(["specific", "compound"]))
    assert spec.height > 1000
    assert spec["mfn_ave"].null_count() == 0
    assert (spec["mfn_ave"] > 0).all()
    assert spec["unit_value_source"].null_count() == 0
    row = sched.lookup("0401.10.00.00", "2025-06-01")  # 0.34¢/liter at the table's USD/liter
    assert row["mfn_ave"] == pytest.approx(0.0034 / row["unit_value_usd"])


def test_relative_chapter98_rates_are_not_numbers(sched: Schedule) -> None:
    rel = sched.lines.filter(pl.col("mfn_kind") == "additional")
    assert rel.height >= 1  # e.g. 9822.05: "the duty rate provided in such subheading minus 0.5%"
    assert rel["mfn_ave"].null_count() == rel.height and rel["mfn_ad_valorem"].null_count() == rel.height
    assert (sched.lines["mfn_ave"].drop_nulls() >= 0).all()


def test_rate_texts_parse_coverage(sched: Schedule) -> None:
    texts = pl.concat(
        [sched.lines["general_text"], sched.lines["other_text"], sched.chapter99_lines["general_text"]]
    ).unique()
    kinds = [parse_rate(t).kind for t in texts.to_list()]
    assert kinds.count("unparsed") / len(kinds) <= 0.005


def test_unknown_code_is_helpful(sched: Schedule) -> None:
    with pytest.raises(UnknownHTS, match=r"8703\.99\.99\.99.*close codes.*8703\."):
        sched.lookup("8703.99.99.99", "2025-06-01")
    with pytest.raises(UnknownHTS, match="not an HTS code"):
        sched.lookup("cars", "2025-06-01")


def test_retired_code_resolves_through_concordance(sched: Schedule) -> None:
    retired = sched.concordance.filter(pl.col("old_hts10") == "0901110045")
    assert retired.height >= 1
    assert sched.lookup("0901.11.00.45", "2025-03-01")["resolved_from"] is None  # still in force then
    res = sched.lookup("0901.11.00.45", "2026-01-01")
    assert res["resolved_from"] == "0901110045"
    assert res["hts10"] in retired["new_hts10"].to_list()
    assert "retired" in res["note"] and "concordance" in res["note"]


def test_resolve_codes_vectorised(sched: Schedule) -> None:
    out = sched.resolve_codes(
        ["8703230160", "0901110045", "1234567890", "6912004810"],
        [date(2025, 6, 1), date(2026, 1, 1), date(2025, 6, 1), date(2026, 3, 1)],
    )
    assert out["row"].to_list() == [0, 1, 2, 3]
    assert out["resolution"].to_list() == ["exact", "concordance", "unknown", "exact"]
    assert out["general_text"].to_list()[0] == "2.5%" and out["general_text"].to_list()[3] == "9.8%"
    assert out["hts10"][2] is None


def test_chapter99_and_search(sched: Schedule) -> None:
    ch = sched.chapter99("2025-06-01")
    steel = ch.filter(pl.col("heading") == "99038001")
    assert steel.height == 1
    assert ch["heading"].n_unique() == ch.height
    hits = sched.search("purebred horses", 5)
    assert hits.height >= 1 and hits["hts10"][0].startswith("010121")
    assert sched.search("8703.23", 3)["hts10"].str.starts_with("870323").all()


def test_provenance_names_sources_without_paths() -> None:
    prov = json.loads((PACKAGE_DATA / "schedule_provenance.json").read_text())
    assert len(prov["sources"]) >= 44 and all(len(s["sha256"]) == 64 for s in prov["sources"])
    assert "/work" not in json.dumps(prov) and "/tmp" not in json.dumps(prov)
