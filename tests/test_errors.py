"""Errors carry the field at fault, from the resolver's validation up to the caller."""

from __future__ import annotations

import pytest

from tariffscope.errors import DateOutOfRange, TariffscopeError, UnknownCountry, UnknownHTS, from_status
from tariffscope.resolver.api import resolve_one
from tariffscope.resolver.timeline import product_timeline


def test_field_is_optional_and_old_call_sites_still_work() -> None:
    e = UnknownHTS("9999.99.99.99 is not a line")
    assert e.field is None and str(e) == "9999.99.99.99 is not a line" and e.exit_code == 2
    assert TariffscopeError("bad", field="value").field == "value"


def test_status_without_a_field_gives_the_base_class() -> None:
    e = from_status("error: something went wrong")
    assert type(e) is TariffscopeError and e.field is None


@pytest.mark.parametrize(
    ("kwargs", "cls", "field"),
    [
        ({"hts": "9999.99.99.99"}, UnknownHTS, "hts10"),
        ({"hts": "12"}, UnknownHTS, "hts10"),
        ({"origin": "XX"}, UnknownCountry, "origin"),
        ({"date": "2024-12-31"}, DateOutOfRange, "date"),
        ({"date": "May 2"}, DateOutOfRange, "date"),
        ({"value": -5.0}, TariffscopeError, "value"),
        ({"metal_share": 1.5}, TariffscopeError, "metal_share"),
        ({"origin": "VN", "claim": "usmca"}, TariffscopeError, "claim"),
    ],
)
def test_resolver_validation_names_the_field(kwargs: dict[str, object], cls: type, field: str) -> None:
    args: dict[str, object] = {"hts": "8703.23.01.60", "origin": "JP", "date": "2025-05-02", **kwargs}
    with pytest.raises(cls) as info:
        resolve_one(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_timeline_errors_name_the_field() -> None:
    import datetime as dt

    with pytest.raises(UnknownCountry) as info:
        product_timeline("8703.23.01.60", "XX", dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    assert info.value.field == "origin"
