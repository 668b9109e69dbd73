"""Batch input: blank lines, empty cells and garbage never change how the good rows are priced (issue 10).

Every good row of a batch is priced exactly as a single lookup of that line; every bad row is reported
with its row number, the field and the reason; nothing is priced silently with a blank status.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.resolver.api import resolve_frame, resolve_one

runner = CliRunner()

SENTINEL = "hts10,origin,date\n8703230160,JP,2025-05-02\n,,\n8703230160,,2025-05-02\n\n"
"""The house sentinel: one good Japanese car, an Excel ``,,`` row, an empty origin, a trailing blank line."""

GOOD = [
    ("8703230160", "JP", "2025-05-02"),  # Japanese car: MFN 2.5% + s232 autos 25%
    ("8703.23.01.60", "DE", "2025-09-16"),
    ("7318158070", "JP", "2025-08-20"),  # steel screws: s232 derivative + reciprocal
    ("6912004810", "CN", "2025-05-02"),
    ("0901110045", "BR", "2025-08-20"),
    ("8471300100", "MX", "2026-03-01"),
]


@functools.cache
def single(hts: str, origin: str, date: str) -> float:
    return float(resolve_one(hts, origin, date)["total_rate"])


def _csv(text: str) -> pl.DataFrame:
    return pl.read_csv(text.encode(), infer_schema_length=0)


def test_sentinel_prices_the_good_row_and_reports_the_rest() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the engine used to print a RuntimeWarning here
        t = resolve_frame(_csv(SENTINEL)).table
    assert t.height == 4
    assert t["total_rate"][0] == pytest.approx(0.275)
    assert t["status"].to_list() == [
        "ok",
        "error: row: empty row (no hts10, origin or date)",
        "error: origin: missing",
        "error: row: empty row (no hts10, origin or date)",
    ]
    assert t["total_rate"][1:].null_count() == 3


@pytest.mark.parametrize(
    "bad",
    [
        "\n",  # a blank line
        ",,\n",  # an Excel empty row
        " , , \n",  # blanks only
    ],
)
def test_one_blank_row_leaves_every_other_row_alone(bad: str) -> None:
    body = "".join(f"{h},{o},{d}\n" for h, o, d in GOOD)
    t = resolve_frame(_csv("hts10,origin,date\n" + bad + body)).table
    assert t["status"][0].startswith("error: row: empty row")
    for i, (h, o, d) in enumerate(GOOD, start=1):
        assert t["status"][i] == "ok"
        assert t["total_rate"][i] == pytest.approx(single(h, o, d), abs=1e-10)  # a lookup rounds to 10 decimals


def test_empty_hts_cell_is_reported_not_a_crash() -> None:
    t = resolve_frame(_csv("hts10,origin,date\n,JP,2025-05-02\n8703230160,JP,2025-05-02\n")).table
    assert t["status"].to_list() == ["error: hts10: missing", "ok"]
    assert t["total_rate"][1] == pytest.approx(0.275)


def test_all_rows_invalid_with_mixed_errors_keep_their_rows() -> None:
    """Rows that fail validation and rows that fail the schedule lookup came back regrouped."""
    t = resolve_frame(
        _csv("hts10,origin,date\nxx,JP,2025-05-02\n0000000000,JP,2025-05-02\n8703230160,ZZ,2025-05-02\n")
    ).table
    assert t["row"].to_list() == [0, 1, 2]
    assert t["hts_input"].to_list() == ["xx", "0000000000", "8703230160"]
    assert t["status"][0].startswith("error: hts10: xx ")
    assert t["status"][1].startswith("error: hts10: 0000000000 is not a line")
    assert t["status"][2] == "error: origin: unknown country code ZZ"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_values_are_errors(value: str) -> None:
    t = resolve_frame(_csv(f"hts10,origin,date,value\n8703230160,JP,2025-05-02,{value}\n")).table
    assert t["status"][0].startswith("error: value: ")


def test_engine_refuses_rows_with_missing_keys() -> None:
    from tariffscope.catalogue.loader import default_catalogue
    from tariffscope.resolver.engine import Engine

    rows = pl.DataFrame(
        {
            "hts10": [None, "8703230160"],
            "origin": ["JP", "JP"],
            "date": ["2025-05-02"] * 2,
            "base_rate": [0.0] * 2,
        }
    ).with_columns(pl.col("date").str.to_date(), pl.col("hts10").cast(pl.String))
    with pytest.raises(ValueError, match="missing hts10"):
        Engine(default_catalogue()).run(rows)


def test_cli_sentinel_exit_code_and_report(tmp_path: Path) -> None:
    f = tmp_path / "batch.csv"
    f.write_text(SENTINEL)
    r = runner.invoke(app, ["rate", "--batch", str(f)])
    assert r.exit_code == 1
    out = pl.read_csv(r.stdout.encode(), infer_schema_length=0)
    assert out["total_rate"][0] == "0.275" and out["status"][0] == "ok"
    assert "1 of 4 lines priced; 3 failed" in r.stderr
    assert "row 3: origin: missing" in r.stderr
    assert "row 2: row: empty row" in r.stderr and "row 4: row: empty row" in r.stderr


def test_cli_empty_and_header_only_batch_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    r = runner.invoke(app, ["rate", "--batch", str(empty)])
    assert r.exit_code != 0 and "empty" in r.stderr and "Traceback" not in r.output
    header = tmp_path / "header.csv"
    header.write_text("hts10,origin,date\n")
    r = runner.invoke(app, ["rate", "--batch", str(header)])
    assert r.exit_code != 0 and "no entry lines" in r.stderr


def test_api_batch_function_prices_the_sentinel() -> None:
    from tariffscope.web import services

    t = services.rate_batch(SENTINEL.encode())
    assert t["total_rate"][0] == pytest.approx(0.275)
    assert t["status"].to_list()[1:] == [
        "error: row: empty row (no hts10, origin or date)",
        "error: origin: missing",
        "error: row: empty row (no hts10, origin or date)",
    ]


ROW = st.one_of(
    st.sampled_from(GOOD).map(lambda g: ("good", *g)),
    st.just(("blank", "", "", "")),
    st.sampled_from(GOOD).flatmap(
        lambda g: st.integers(0, 2).map(lambda i: ("bad", *("" if j == i else g[j] for j in range(3))))
    ),
    st.tuples(
        st.sampled_from(["12", "abc", "8703.23.01.6x", "0000000000"]),
        st.sampled_from(["JP", "ZZ", "Narnia", "123"]),
        st.sampled_from(["2025-05-02", "2025-13-01", "yesterday", "2024-06-01", "2031-01-01"]),
    ).map(lambda t: ("bad", *t)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=12), st.booleans())
def test_any_mix_prices_good_rows_as_single_lookups(
    rows: list[tuple[str, ...]], trailing_blank: bool
) -> None:
    text = "hts10,origin,date\n" + "".join(
        "\n" if kind == "blank" else f"{h},{o},{d}\n" for kind, h, o, d in rows
    )
    if trailing_blank:
        text += "\n"
        rows = [*rows, ("blank", "", "", "")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = resolve_frame(_csv(text)).table
    assert t.height == len(rows)
    for i, (kind, h, o, d) in enumerate(rows):
        status = t["status"][i]
        if kind == "good":
            assert status == "ok"
            assert t["total_rate"][i] == pytest.approx(single(h, o, d), abs=1e-10)  # a lookup rounds to 10 decimals
        else:
            assert status.startswith("error: ") and status.count(":") >= 2, status
            assert t["total_rate"][i] is None


def test_cli_names_a_row_with_too_many_fields(tmp_path: Path) -> None:
    f = tmp_path / "ragged.csv"
    f.write_text("hts10,origin,date\n8703230160,JP,2025-05-02\n\n8703230160,JP,2025-05-02,extra\n")
    r = runner.invoke(app, ["rate", "--batch", str(f)])
    assert r.exit_code == 2
    assert "row 3 has 4 fields; the header has 3 (hts10, origin, date)" in " ".join(r.stderr.split())
    r = runner.invoke(app, ["rate", "--batch", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2 and "No such file" in r.stderr


def test_unknown_origin_in_a_batch_suggests_close_matches() -> None:
    t = resolve_frame(_csv("hts10,origin,date\n8703230160,Japn,2025-05-02\n8703230160,ZZ,2025-05-02\n")).table
    assert t["status"][0].startswith("error: origin: unknown country code Japn; did you mean JP (Japan)")
    assert t["status"][1] == "error: origin: unknown country code ZZ"


def test_http_batch_with_an_empty_hts_cell_is_not_a_500() -> None:
    from fastapi.testclient import TestClient

    from tariffscope.web.app import create_app

    client = TestClient(create_app())
    body = "hts10,origin,date\n8703230160,JP,2025-05-02\n,JP,2025-05-02\n,,\n"
    r = client.post("/api/rate/batch", files={"file": ("b.csv", body, "text/csv")})
    assert r.status_code == 200, r.text  # an empty HTS cell was an IndexError, HTTP 500
    rows = r.json()["rows"]
    assert rows[0]["total_rate"] == pytest.approx(0.275)
    assert rows[1]["status"] == "error: hts10: missing"
    assert r.json()["priced"] == 1 and r.json()["failed"] == 2


CELL = st.one_of(
    st.none(), st.sampled_from(["", " ", "x", "-1", "2", "0.5", "inf", "usmca", "bogus", "2025-04-01"])
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["8703.23.01.60", "", " ", "12", "abc", "87032301"])),
            st.one_of(st.none(), st.sampled_from(["JP", "", "Narnia", "392", "us"])),
            st.one_of(st.none(), st.sampled_from(["2025-05-02", "", "2024-01-01", "2025-13-01", "soon"])),
            CELL,
            CELL,
            CELL,
        ),
        min_size=1,
        max_size=30,
    )
)
def test_status_is_the_first_failing_check_of_every_row(cells: list[tuple[str | None, ...]]) -> None:
    """Statuses are built for failing rows only; they equal the plain chain of checks over all rows."""
    from tariffscope.resolver import inputs

    cols = ["hts10", "origin", "date", "value", "metal_share", "claim"]
    df = pl.DataFrame(
        [list(c) for c in zip(*cells, strict=True)], schema=dict.fromkeys(cols, pl.String), orient="col"
    )
    out = inputs.prepare(df)
    # the plain definition, over every row: when(check 1) then message 1, when(check 2) ...
    work = inputs._codes_and_origins(df.with_row_index("row"), [8, 10])
    work, floats = inputs._dates_and_numbers(
        work.with_columns(inputs._blank_rows(work, cols).alias("_blank"))
    )
    checks = [
        *inputs._line_errors(work, [8, 10]),
        *inputs._value_errors(work, floats),
        *inputs._claim_errors(work, None),
    ]
    chain: object = pl
    for cond, msg in checks:
        chain = chain.when(cond).then(msg)  # type: ignore[attr-defined]
    plain = work.select(chain.otherwise(pl.lit("ok")).fill_null(pl.lit("error: row: invalid input")))  # type: ignore[attr-defined]
    assert out["status"].to_list() == plain.to_series().to_list()
    blank = [all((c or "").strip() == "" for c in row) for row in cells]
    assert [s.startswith("error: row: empty row") for s in out["status"]] == blank


@pytest.mark.parametrize(
    "spelt", ["informational, auto_part", " Auto_Part ,informational", "auto_part ,  informational"]
)
def test_claims_spaced_around_commas_count_as_written_plainly(spelt: str) -> None:
    """A claim list with spaces around its commas was accepted and its later claims silently ignored
    (8471 from China priced without the auto-parts duty the auto_part declaration owes, note 33(h)(ii))."""
    plain = resolve_one("8471410150", "CN", "2025-06-01", claim="informational,auto_part")["total_rate"]
    assert plain == pytest.approx(0.525)
    assert resolve_one("8471410150", "CN", "2025-06-01", claim=spelt)["total_rate"] == plain
    assert resolve_one("8471410150", "CN", "2025-06-01", claim=spelt, lean=False)["total_rate"] == plain
    rows = pl.DataFrame({"hts10": ["8471410150"], "origin": ["CN"], "date": ["2025-06-01"], "claim": [spelt]})
    assert resolve_frame(rows).table["total_rate"][0] == pytest.approx(plain)
