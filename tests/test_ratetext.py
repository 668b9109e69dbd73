"""The HTS rate-text parser on real strings of the 2025-26 schedule, plus properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffscope.schedule.ratetext import (
    NUMERIC_KINDS,
    RateError,
    clean_text,
    parse_rate,
    special_programs,
)

# (text as printed in the USITC JSON, kind, whole-value ad valorem, [(usd per unit, unit, qualifier)])
REAL = [
    ("Free", "free", 0.0, []),
    ("Free, under bond, as prescribed in U.S. note 1 to this subchapter", "free", 0.0, []),
    ("2.5%", "ad_valorem", 0.025, []),
    ("9.8%", "ad_valorem", 0.098, []),
    ("33 1/3%", "ad_valorem", 1 / 3, []),
    ("37% /", "ad_valorem", 0.37, []),
    ("2.5% <u></u>", "ad_valorem", 0.025, []),
    ("20%<il></il>", "ad_valorem", 0.20, []),
    ("6.5% on the entire set", "ad_valorem", 0.065, []),
    ("3 percent of the fair retail value", "ad_valorem", 0.03, []),
    # column 1 texts of reconciliation class T18 (docs/reconciliation.md), read line by line: the first
    # component's rate stands for the whole value (approximate)
    ("3.9% on the movement and case+ 5.3% on the battery", "ad_valorem", 0.039, []),  # 9105.21.40
    ("3.1% on the movement + 4.2% on the battery", "ad_valorem", 0.031, []),  # 9108.12.00
    ("2.5% on the value of the lead content", "ad_valorem", 0.025, []),  # 7801.10.00
    ("3.8% on the value of the rifle + 10% on the value of the telescopic sight, if any", "ad_valorem", 0.038, []),
    ("50 percent of the cost of such goods or repairs", "ad_valorem", 0.5, []),  # 9818.00.07
    ("1.9¢/kg", "specific", 0.0, [(0.019, "kg", "")]),
    ("$1.035/kg on drained weight", "specific", 0.0, [(1.035, "kg", "on drained weight")]),
    ("44¢/liter", "specific", 0.0, [(0.44, "liter", "")]),
    ("33¢/ liter", "specific", 0.0, [(0.33, "liter", "")]),
    ("$1.32/pf. liter", "specific", 0.0, [(1.32, "pf_liter", "")]),
    ("23.7¢/pf.liter", "specific", 0.0, [(0.237, "pf_liter", "")]),
    ("$3/head", "specific", 0.0, [(3.0, "no", "")]),
    ("68¢/head", "specific", 0.0, [(0.68, "no", "")]),
    ("2.8¢/doz.", "specific", 0.0, [(0.028, "doz", "")]),
    ("$1.27/m<sup>3</sup>", "specific", 0.0, [(1.27, "m3", "")]),
    ("$1.27/m3", "specific", 0.0, [(1.27, "m3", "")]),
    ("38¢/m<sup>2</sup>", "specific", 0.0, [(0.38, "m2", "")]),
    ("86.1¢/m2 of recording surface", "specific", 0.0, [(0.861, "m2", "of recording surface")]),
    ("3.3¢/lin. m", "specific", 0.0, [(0.033, "m", "")]),
    ("5.25¢/bbl", "specific", 0.0, [(0.0525, "bbl", "")]),
    ("$1.11/t", "specific", 0.0, [(0.00111, "kg", "")]),
    (
        "$1.32/t, including weight of container",
        "specific",
        0.0,
        [(0.00132, "kg", "including weight of container")],
    ),
    ("10.6¢/g", "specific", 0.0, [(106.0, "kg", "")]),
    ("89.6¢/1000", "specific", 0.0, [(0.000896, "no", "")]),
    ("20¢/gross", "specific", 0.0, [(0.20 / 144, "no", "")]),
    ("4¢ each", "specific", 0.0, [(0.04, "no", "")]),
    ("55.1¢/clean kg", "specific", 0.0, [(0.551, "kg", "clean")]),
    ("2.2¢/kg on manganese content", "specific", 0.0, [(0.022, "kg", "on manganese content")]),
    (
        "$40/kg of anhydrous morphine content",
        "specific",
        0.0,
        [(40.0, "kg", "of anhydrous morphine content")],
    ),
    ("2.4¢/kg + 5%", "compound", 0.05, [(0.024, "kg", "")]),
    ("15.4¢/kg + 52%", "compound", 0.52, [(0.154, "kg", "")]),
    ("15.4¢/kg +40%", "compound", 0.40, [(0.154, "kg", "")]),
    ("2.2¢/kg  +  33.5%", "compound", 0.335, [(0.022, "kg", "")]),
    ("$9.92/kg+ 25%", "compound", 0.25, [(9.92, "kg", "")]),
    ("22¢/kg on drained weight+45%", "compound", 0.45, [(0.22, "kg", "on drained weight")]),
    ("33.9¢/kg of total sugars + 5.1%", "compound", 0.051, [(0.339, "kg", "of total sugars")]),
    ("76¢/pr. + 32%", "compound", 0.32, [(0.76, "pr", "")]),
    ("$16/doz. + 25%", "compound", 0.25, [(16.0, "doz", "")]),
    ("$2.50/thou- sand + 40%", "compound", 0.40, [(0.0025, "no", "")]),
    ("$1/1,000 pins + 35%", "compound", 0.35, [(0.001, "no", "")]),
    ("1.5¢/line/ gross + 25%", "compound", 0.25, [(0.015, "line_gross", "")]),
    ("10¢/pack + 20%", "compound", 0.20, [(0.10, "pack", "")]),
    ("14.5¢/m<sup>2 </sup>+ 0.4%", "compound", 0.004, [(0.145, "m2", "")]),
    ("4.4¢/liter + 31.4¢/pf. liter", "specific", 0.0, [(0.044, "liter", ""), (0.314, "pf_liter", "")]),
    (
        "8.8¢/kg on copper content + 3.3¢/kg on lead content + 3.7¢/kg on zinc content",
        "specific",
        0.0,
        [
            (0.088, "kg", "on copper content"),
            (0.033, "kg", "on lead content"),
            (0.037, "kg", "on zinc content"),
        ],
    ),
    ("13.5¢/kg + 6.3% + 1.9¢/article", "compound", 0.063, [(0.135, "kg", ""), (0.019, "no", "")]),
    ("$4.50 each + 65% + 25¢/jewel", "compound", 0.65, [(4.5, "no", ""), (0.25, "jewel", "")]),
    ("$1.70 each + 45% on the case + 35% on the battery", "compound", 0.45, [(1.7, "no", "")]),
    (
        "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees (and fractions of a degree in "
        "proportion) but not less than 3.143854¢/kg",
        "specific",
        0.0,
        [(0.036606, "kg", "")],
    ),
    ("The duty provided in the applicable subheading + 25%", "additional", 0.25, []),
    ("The duty provided in the applicable subheading plus 25%", "additional", 0.25, []),
    ("The duty provided inthe applicable subheading+ 25%", "additional", 0.25, []),
    ("The duty provided in the applicable subheading + 7.5%", "additional", 0.075, []),
    ("The duty rate provided in such subheading minus 0.5%", "additional", -0.005, []),
    ("The duty provided in subheadings 8716.39.00, 8716.90.30 or 8716.90.50 + 100%", "additional", 1.0, []),
    (
        "The duty provided in the applicable subheading + a duty of 50% upon the value of the steel content.",
        "additional",
        0.5,
        [],
    ),
    ("The rate applicable to the article of which it is a part or accessory", "reference", 0.0, []),
    ("See additional U.S. note 3", "reference", 0.0, []),
    ("No change", "no_change", 0.0, []),
    ("", "empty", 0.0, []),
]


@pytest.mark.parametrize(("text", "kind", "adv", "parts"), REAL, ids=[r[0][:40] for r in REAL])
def test_real_rate_strings(text: str, kind: str, adv: float, parts: list[tuple[float, str, str]]) -> None:
    r = parse_rate(text)
    assert r.kind == kind
    assert r.ad_valorem == pytest.approx(adv)
    assert len(r.specific) == len(parts)
    for got, (usd, unit, qual) in zip(r.specific, parts, strict=True):
        assert got.usd_per_unit == pytest.approx(usd)
        assert got.unit == unit
        assert got.qualifier == qual


def test_duty_and_ave_of_compound() -> None:
    r = parse_rate("2.4¢/kg + 5%")
    # 1000 kg worth $2,000: 5% x 2000 + 0.024 x 1000
    assert r.duty(2000.0, 1000.0) == pytest.approx(100.0 + 24.0)
    assert r.ave(2.0) == pytest.approx(0.05 + 0.024 / 2.0)


def test_specific_needs_quantity() -> None:
    r = parse_rate("$1.035/kg on drained weight")
    with pytest.raises(RateError, match="quantity in kg"):
        r.duty(100.0)
    assert r.duty(100.0, 10) == pytest.approx(10.35)


def test_multi_unit_needs_mapping() -> None:
    r = parse_rate("4.4¢/liter + 31.4¢/pf. liter")
    with pytest.raises(RateError, match="mapping"):
        r.duty(100.0, 10)
    assert r.duty(100.0, {"liter": 10, "pf_liter": 8}) == pytest.approx(0.44 + 0.314 * 8)
    assert r.ave({"liter": 5.0, "pf_liter": 6.0}) == pytest.approx(0.044 / 5 + 0.314 / 6)


def test_reference_rate_refuses_to_compute() -> None:
    r = parse_rate("The rate applicable to the article of which it is a part or accessory")
    assert not r.numeric
    with pytest.raises(RateError, match="reference"):
        r.duty(100.0)


def test_clean_text_and_programs() -> None:
    assert clean_text("$2.13/m<sup>2</sup> + 5%") == "$2.13/m2 + 5%"
    assert special_programs("Free (A+,AU,BH,CL,CO,D,E, IL,JO,KR,MA,OM,P,PA,PE,S, SG)") == [
        "A+", "AU", "BH", "CL", "CO", "D", "E", "IL", "JO", "KR", "MA", "OM", "P", "PA", "PE", "S", "SG",
    ]  # fmt: skip
    assert special_programs("Free (A*,AU,BH) 0.5% (JO) See 9823.xx.xx (S+)") == ["A*", "AU", "BH", "JO", "S+"]
    assert special_programs("") == []


# ------------------------------------------------------------------------ properties

pct = st.decimals(min_value=0, max_value=300, places=2).map(lambda d: f"{d.normalize():f}")
cents = st.decimals(min_value="0.01", max_value=999, places=2).map(lambda d: f"{d.normalize():f}")
units = st.sampled_from(["kg", "liter", "doz.", "pr.", "m2", "pf. liter"])
values = st.floats(min_value=0, max_value=1e9, allow_nan=False)
qty = st.floats(min_value=0, max_value=1e7, allow_nan=False)


@given(p=pct)
def test_ave_of_ad_valorem_is_itself(p: str) -> None:
    r = parse_rate(f"{p}%")
    assert r.kind == "ad_valorem"
    assert r.ave(123.0) == pytest.approx(float(p) / 100)


@given(c=cents, u=units, p=pct, v=values, q=qty)
def test_compound_is_sum_of_parts(c: str, u: str, p: str, v: float, q: float) -> None:
    comp = parse_rate(f"{c}¢/{u} + {p}%")
    spec = parse_rate(f"{c}¢/{u}")
    adv = parse_rate(f"{p}%")
    assert comp.kind == "compound"
    assert comp.duty(v, q) == pytest.approx(spec.duty(v, q) + adv.duty(v), rel=1e-9, abs=1e-9)


@given(
    text=st.sampled_from([t for t, k, _, _ in REAL if k in NUMERIC_KINDS and k != "additional"]),
    v=values,
    q=qty,
)
def test_duty_never_negative(text: str, v: float, q: float) -> None:
    r = parse_rate(text)
    quantity: float | dict[str, float] = {u: q for u in r.units} if len(r.units) > 1 else q
    d = r.duty(v, quantity)
    assert d >= 0 and math.isfinite(d)


@given(c=cents, uv=st.floats(min_value=0.01, max_value=1e6, allow_nan=False))
def test_specific_ave_is_positive_never_zero(c: str, uv: float) -> None:
    r = parse_rate(f"${c}/kg")
    assert r.ave(uv) > 0
