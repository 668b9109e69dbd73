"""``rate --claim`` help lists every claim the catalogue reacts to, each with what it asserts and its
default (issue 11); the descriptions live once, in ``catalogue/claims.yaml``."""

from __future__ import annotations

from typer.testing import CliRunner

from tariffscope.catalogue.claims import claim_registry
from tariffscope.cli.main import app
from tariffscope.resolver.inputs import known_claims


def test_every_claim_a_rule_names_is_described_and_no_other() -> None:
    assert set(claim_registry()) == set(known_claims()) - {""}


def test_descriptions_say_what_is_asserted_and_the_default() -> None:
    for c in claim_registry().values():
        assert len(c.asserts) > 40, c.name
        assert c.default, c.name


def test_rate_help_lists_every_claim_with_its_default() -> None:
    out = CliRunner().invoke(app, ["rate", "--help"], env={"COLUMNS": "4000"}).output
    flat = " ".join(out.split())
    for c in claim_registry().values():
        assert f"{c.name}: {c.asserts}. Default: {c.default}." in flat, c.name
    for name in ("auto_part", "mhd_part", "informational", "civil_aircraft", "s301_exclusion"):
        assert name in flat.split("Claims (")[0], f"{name} missing from the --claim option itself"
