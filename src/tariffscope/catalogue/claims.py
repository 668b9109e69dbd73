"""The claims and declarations an entry can make, described once (``claims.yaml``).

A claim is a fact the entry line does not show (origin qualification, end use, a certification).
Rules react to it through their ``claims:`` map; this registry says, for people, what each claim
asserts and what applies by default, and is what ``tariffscope rate --help`` lists.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

CLAIMS_FILE = Path(__file__).with_name("claims.yaml")


@dataclass(frozen=True)
class ClaimInfo:
    """One claim: its name (as given to ``--claim``), what declaring it asserts, and the default."""

    name: str
    asserts: str
    default: str


@functools.cache
def claim_registry() -> dict[str, ClaimInfo]:
    """Every described claim by name, in file order."""
    data = yaml.safe_load(CLAIMS_FILE.read_text(encoding="utf-8")) or {}
    return {
        k: ClaimInfo(k, " ".join(v["asserts"].split()), " ".join(v["default"].split()))
        for k, v in data.items()
    }
