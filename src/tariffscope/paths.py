"""Where tariffscope finds its data.

Three places, in this order of authority:

- the package's own compact tables (``tariffscope/data``), built by ``scripts/`` and shipped;
- the user's data directory (``$TARIFFSCOPE_HOME`` or ``~/.local/share/tariffscope``): the DuckDB
  store and files fetched by ``tariffscope data pull``;
- the project's source-data folder (``$TARIFFSCOPE_SHARED`` or ``../shared/data`` next to the
  repository), used only by build scripts, tests and benchmarks.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
CATALOGUE_DIR = PACKAGE_DIR / "catalogue"


def user_home() -> Path:
    """The user's tariffscope directory (created on demand)."""
    env = os.environ.get("TARIFFSCOPE_HOME")
    base = Path(env) if env else Path.home() / ".local" / "share" / "tariffscope"
    base.mkdir(parents=True, exist_ok=True)
    return base


def default_db() -> Path:
    """The default DuckDB store."""
    return user_home() / "tariffscope.duckdb"


def shared_data() -> Path:
    """The source-data folder (``../shared/data`` beside the repository), for builds and tests."""
    env = os.environ.get("TARIFFSCOPE_SHARED")
    if env:
        return Path(env)
    candidates = [Path.cwd() / ".." / "shared" / "data", PACKAGE_DIR.parents[1] / ".." / "shared" / "data"]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return candidates[0]
