"""Parsing the USITC JSON export and the download logic (on a mock transport)."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from tariffscope.errors import DataError
from tariffscope.paths import shared_data
from tariffscope.schedule.pull import HTS_JSON_URL, parse_usitc_json, pull_hts, revision_url

SAMPLE = [
    {"htsno": "0101", "indent": "0", "description": "Live horses:", "superior": None, "units": [],
     "general": "", "special": "", "other": "", "footnotes": [], "quotaQuantity": "", "additionalDuties": ""},
    {"htsno": "0101.21.00", "indent": "2", "description": "Purebred", "superior": None, "units": [],
     "general": "Free", "special": "", "other": "Free",
     "footnotes": [{"columns": ["general"], "value": "See 9903.88.15. ", "type": "endnote"}]},
    {"htsno": "0101.21.00.10", "indent": "3", "description": "Males", "superior": None, "units": ["No."],
     "general": "", "special": "", "other": "", "footnotes": None},
]  # fmt: skip


@pytest.mark.shared
def test_parse_local_revision() -> None:
    df = parse_usitc_json(shared_data() / "hts" / "hts_2026_rev_10.json.gz")
    assert df.height > 30000
    row = df.filter(df["htsno"] == "8703.23.01").row(0, named=True)
    assert row["general"] == "2.5%"
    assert row["indent"] >= 1
    assert "See 9903" in " ".join(df.filter(df["htsno"] == "0101.21.00")["footnotes"][0])


def test_parse_bytes_and_errors() -> None:
    df = parse_usitc_json(json.dumps(SAMPLE).encode())
    assert df["htsno"].to_list() == ["0101", "0101.21.00", "0101.21.00.10"]
    assert df["units"][2].to_list() == ["No."]
    assert df["footnotes"][1].to_list() == ["See 9903.88.15."]
    gz = gzip.compress(json.dumps(SAMPLE).encode())
    assert parse_usitc_json(gz).height == 3
    with pytest.raises(DataError, match="not valid JSON"):
        parse_usitc_json(json.dumps(SAMPLE).encode()[:50], name="cut.json")
    with pytest.raises(DataError, match=r"record 1 has no field 'indent'"):
        parse_usitc_json(json.dumps([SAMPLE[0], {"htsno": "x", "description": ""}]).encode())
    with pytest.raises(DataError, match="truncated or corrupt gzip"):
        parse_usitc_json(gz[:30])


def test_revision_url() -> None:
    assert revision_url("2025_basic") == HTS_JSON_URL.format(year="2025", edition="basic")
    assert revision_url("2026_rev_3").endswith("hts_2026_revision_3_json.json")
    assert revision_url("rev_3") == revision_url("2025_rev_3")
    with pytest.raises(ValueError, match="revision id"):
        revision_url("rev3")


def test_pull_retries_and_reports_progress(tmp_path) -> None:
    body = json.dumps(SAMPLE).encode()
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if len(calls) == 1:
            return httpx.Response(503)
        return httpx.Response(200, content=body, headers={"content-length": str(len(body))})

    seen: list[tuple[str, int, int | None]] = []
    client = httpx.Client(transport=httpx.MockTransport(handler))
    out = pull_hts(
        tmp_path, ["2026_rev_3"], client, backoff_s=0.0, progress=lambda r, n, t: seen.append((r, n, t))
    )
    assert len(calls) == 2 and calls[0] == revision_url("2026_rev_3")
    assert out == [tmp_path / "hts_2026_rev_3.json.gz"]
    assert parse_usitc_json(out[0]).height == 3
    assert seen[-1] == ("2026_rev_3", len(body), len(body))
    # present files are kept, not fetched again
    pull_hts(tmp_path, ["2026_rev_3"], client)
    assert len(calls) == 2


def test_pull_gives_up_and_never_stores_bad_data(tmp_path) -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    with pytest.raises(DataError, match="after 2 attempts"):
        pull_hts(tmp_path, ["2025_basic"], client, retries=1, backoff_s=0.0)
    bad = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"<html>")))
    with pytest.raises(DataError, match="not valid JSON"):
        pull_hts(tmp_path, ["2025_basic"], bad)
    assert not list(tmp_path.iterdir())
    nf = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with pytest.raises(DataError, match="HTTP 404"):
        pull_hts(tmp_path, ["2025_basic"], nf)
