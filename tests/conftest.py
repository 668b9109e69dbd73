"""Test-suite settings: tests marked ``shared`` skip, with the reason, where ``../shared/data`` is absent.

A plain clone has only the package (and its shipped compact tables); the source data the build
scripts and some cross-checks read live beside the repository (``../shared/data``, or
``TARIFFSCOPE_SHARED``). Mark such tests ``@pytest.mark.shared`` (or the whole module with
``pytestmark``) instead of letting them fail.
"""

from __future__ import annotations

import pytest

from tariffscope.paths import shared_data

SHARED_REASON = (
    "needs the source data in ../shared/data (set TARIFFSCOPE_SHARED); "
    "a plain clone ships only the compact tables"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (shared_data() / "SOURCES.md").is_file():
        return
    skip = pytest.mark.skip(reason=SHARED_REASON)
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)
