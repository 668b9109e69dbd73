"""HTS code normalisation and formatting."""

from __future__ import annotations

import pytest

from tariffscope.errors import UnknownHTS
from tariffscope.schedule.hts import format_hts, hts10, normalize_hts


@pytest.mark.parametrize(
    ("given", "digits"),
    [
        ("8703.23.01.60", "8703230160"),
        ("8703230160", "8703230160"),
        ("8703.23.01", "87032301"),
        (" 0101.21.00.10 ", "0101210010"),
        ("8703", "8703"),
        ("8703.23", "870323"),
        (8703230160, "8703230160"),
    ],
)
def test_normalize(given: str | int, digits: str) -> None:
    assert normalize_hts(given) == digits


@pytest.mark.parametrize("junk", ["", "abc", "8703.23.0", "87032301601", "8703.2x.01", "12345"])
def test_normalize_rejects_junk(junk: str) -> None:
    with pytest.raises(UnknownHTS, match="not an HTS code"):
        normalize_hts(junk)
    with pytest.raises(ValueError):
        normalize_hts(junk)


def test_format() -> None:
    assert format_hts("8703230160") == "8703.23.01.60"
    assert format_hts("87032301") == "8703.23.01"
    assert format_hts("870323") == "8703.23"
    assert format_hts("8703") == "8703"


def test_hts10_pads_tariff_lines() -> None:
    assert hts10("6912.00.48") == "6912004800"
    with pytest.raises(UnknownHTS):
        hts10("870323")
