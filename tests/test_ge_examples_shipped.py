"""The README's ``ge run --example`` works with only the package: the examples' data are shipped (issue 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tariffscope.models.ge.config import EXAMPLES_DIR, example_path, list_examples, run_config
from tariffscope.paths import shared_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", list_examples())
def test_example_runs_without_shared_data(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TARIFFSCOPE_SHARED", str(tmp_path / "no-shared-here"))
    text = example_path(name).read_text()
    assert "shared:" not in text  # the data come with the package
    res = run_config(example_path(name))
    assert res.to_dict()  # solved, with results


def test_shipped_data_is_small_and_has_provenance() -> None:
    data = EXAMPLES_DIR / "data"
    total = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    assert total < 1.5 * 2**20
    prov = (data / "provenance.json").read_text()
    assert "scripts/build_ge_examples.py" in prov and "outputs" in prov
    assert "gravity/wiod_tradedata_2000_2014.csv" in prov


@pytest.mark.skipif(
    not (shared_data() / "gravity" / "gegravity_sample_data_set.csv").is_file(),
    reason="rebuild check needs ../shared/data/gravity (not in a plain clone)",
)
def test_shipped_data_matches_a_rebuild() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_ge_examples.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
