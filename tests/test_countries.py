"""Country codes: ISO2/ISO3/Census input, errors with suggestions, vectorised normalisation."""

from __future__ import annotations

import polars as pl
import pytest

from tariffscope.countries import all_countries, country, normalize_countries
from tariffscope.errors import UnknownCountry
from tariffscope.paths import shared_data


@pytest.mark.parametrize("code", ["JP", "jp", "JPN", "jpn", "5880", 5880, " Japan "])
def test_country_accepts_every_form(code: object) -> None:
    c = country(code)  # type: ignore[arg-type]
    assert (c.iso2, c.iso3, c.census_code) == ("JP", "JPN", "5880")


def test_known_mismatches_and_non_iso_areas() -> None:
    assert country("4280").iso2 == "DE"  # "Germany (Federal Republic of Germany)"
    assert country("4099").iso2 == "DK"  # "Denmark, except Greenland"
    assert country("1010").iso2 == "GL"
    assert country("7660").iso2 == "CD"
    assert country("NA").name == "Namibia"  # not read as a missing value
    kosovo = country("4803")
    assert kosovo.iso2 == "XK" and not kosovo.iso_standard
    assert country("5082").iso2 != country("5083").iso2  # Gaza and West Bank stay distinct


def test_unknown_country_names_code_and_suggests() -> None:
    with pytest.raises(UnknownCountry, match=r"'JPX'.*JP \(Japan\)"):
        country("JPX")
    with pytest.raises(UnknownCountry, match="'9999'"):
        country("9999")


@pytest.mark.shared
def test_every_census_code_resolves_one_to_one() -> None:
    census = pl.read_csv(
        shared_data() / "trade" / "census_country_codes.csv", schema_overrides={"Code": pl.Utf8}
    )
    assert census.height == 240
    iso2, errors = normalize_countries(census["Code"])
    assert errors.height == 0
    assert iso2.n_unique() == 240


def test_normalize_countries_reports_bad_rows() -> None:
    s = pl.Series("c", ["JP", "5880", "Côte d`Ivoire", "Congo (Kinshasa)", "zz", None, "deu"])
    iso2, errors = normalize_countries(s)
    assert iso2.to_list() == ["JP", "JP", "CI", "CD", None, None, "DE"]
    assert errors["row"].to_list() == [4, 5]
    assert errors["value"].to_list() == ["zz", None]


def test_all_countries_unique() -> None:
    cs = all_countries()
    assert len({c.iso2 for c in cs}) == len(cs) >= 249
    assert sum(c.census_code is not None for c in cs) == 240
