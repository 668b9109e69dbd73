"""docs/cli.md is the generated CLI reference: it fails here when a command, option, default or
help changes without regenerating it (``python scripts/gen_cli_docs.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_current() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_reference_covers_every_command_and_option() -> None:
    import typer

    from tariffscope.cli.main import app

    text = _generator().render()
    root = typer.main.get_command(app)
    stack = [("tariffscope", root)]
    while stack:
        path, cmd = stack.pop()
        assert f"## `{path}`" in text
        for p in cmd.params:
            if p.param_type_name == "option" and not p.hidden and p.name != "help":
                assert f"`{p.opts[0]}`" in text.split(f"## `{path}`")[1].split("\n## ")[0], (path, p.opts)
        stack += [(f"{path} {n}", c) for n, c in getattr(cmd, "commands", {}).items() if not c.hidden]
