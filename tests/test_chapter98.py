"""Chapter 98 entries and the IEEPA, Section 122 and China 301 duties (issue 11, item 3).

Each of those notes says its duties do not apply to goods properly entered under chapter 98, except
9802.00.40/.50/.60 (charged on the value of the repairs) and 9802.00.80 (value less the US products)
(HTSUS 2026 Rev. 6 ch. 99: note 2(u) 9903.01.24, note 2(v)(i), note 2(aa)(i) 9903.03.01, note 20 9903.88.01).
The 9802 lines carry a rate "by reference", so the shipped catalogue is run on engine rows directly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tariffscope.catalogue.loader import load_catalogue
from tariffscope.resolver.engine import Engine


def _run(hts10: str, origin: str, date: dt.date, **extra: float) -> dict[str, float]:
    row = {"hts10": hts10, "origin": origin, "date": date, "base_rate": 0.0, **extra}
    out = Engine(load_catalogue()).run(pl.DataFrame([row])).frame().row(0, named=True)
    return {k: v for k, v in out.items() if v}


def test_us_goods_returned_owe_no_ieepa_122_or_301() -> None:
    assert _run("9801001010", "CN", dt.date(2025, 6, 1)) == {}
    assert _run("9801001010", "CN", dt.date(2026, 3, 1)) == {}
    assert _run("9817006000", "DE", dt.date(2026, 1, 1)) == {}


def test_repairs_abroad_pay_on_the_value_of_the_repairs() -> None:
    # 9802.00.50: a Chinese repair on 2026-01-01, the US article is 80% of the entered value
    r = _run("9802005010", "CN", dt.date(2026, 1, 1), us_content=0.8)
    assert r["rate_ieepa_fentanyl"] == pytest.approx(0.10 * 0.2)
    assert r["rate_ieepa_reciprocal"] == pytest.approx(0.10 * 0.2)  # on the non-US content, once
    # undeclared: the full entered value
    r = _run("9802005010", "CN", dt.date(2026, 1, 1))
    assert r["rate_ieepa_fentanyl"] == pytest.approx(0.10)
    # 9802.00.80 under Section 122 (note 2(aa)(i)): value less the US components
    r = _run("9802008040", "DE", dt.date(2026, 3, 1), us_content=0.5)
    assert r["rate_s122"] == pytest.approx(0.10 * 0.5)
