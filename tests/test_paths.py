"""The source-data folder is found beside the repository whatever the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffscope.paths import shared_data


@pytest.mark.shared
def test_shared_data_found_from_any_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TARIFFSCOPE_SHARED", raising=False)
    monkeypatch.chdir(tmp_path)
    assert (shared_data() / "SOURCES.md").is_file()
