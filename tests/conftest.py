"""Test-suite settings: tests marked ``shared`` skip, with the reason, where ``../shared/data`` is absent.

A plain clone has only the package (and its shipped compact tables); the source data the build
scripts and some cross-checks read live beside the repository (``../shared/data``, or
``TARIFFSCOPE_SHARED``). Mark such tests ``@pytest.mark.shared`` (or the whole module with
``pytestmark``) instead of letting them fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

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


@pytest.fixture
def kill_load_when_staged(tmp_path: Path) -> Callable[[Path, Path], None]:
    """``kill(db, source)``: load ``source`` into the store ``db`` in a child process and SIGKILL it
    once its rows are staged, before the swap (the store's atomicity tests)."""

    def kill(db: Path, source: Path) -> None:
        marker = tmp_path / "staged"
        script = textwrap.dedent(
            f"""
            import time
            from pathlib import Path
            from tariffscope.trade.store import TradeStore
            def pause():
                Path({str(marker)!r}).write_text("staged")
                time.sleep(120)
            TradeStore({str(db)!r}).load_file({str(source)!r}, on_staged=pause)
            """
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}  # this tree's package
        proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True, env=env)
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert proc.poll() is None, "loader exited before staging"
                assert time.monotonic() < deadline, "loader never reached the staging step"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)

    return kill
