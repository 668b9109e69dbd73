"""Every example in a docstring under src/tariffscope runs and prints what it says (doctest).

Examples that need ../shared data must carry ``# doctest: +SKIP`` and say why in the text, as the
tests marked ``shared`` do; everything else runs on the shipped data of a clean clone.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "tariffscope"
MODULES = sorted(
    ".".join(p.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in SRC.rglob("*.py")
    if ">>>" in p.read_text(encoding="utf-8")
)


def test_the_api_is_among_the_checked_modules() -> None:
    assert {"tariffscope.api", "tariffscope.results", "tariffscope.errors"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    res = doctest.testmod(importlib.import_module(name), optionflags=flags, verbose=False)
    assert res.attempted > 0
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples in {name} failed (output above)"
