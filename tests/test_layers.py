"""The import graph follows the layers of README's "How it is built": no new upward arrow, no new circle.

Every ``import`` of every module under src/tariffscope counts, lazy ones inside functions and
``importlib.import_module("tariffscope...")`` with a literal name too. The known violations are listed
below with why they exist; the test fails on any other, and on an allowed one that no longer exists
(so the list shrinks as they are fixed, see issue 14).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tariffscope"

LAYERS: list[tuple[str, ...]] = [
    ("errors", "paths", "countries", "fmt", "net"),  # foundation: used by every layer
    ("catalogue", "schedule"),
    ("resolver",),
    ("scale",),  # executors of the resolver (Spark): the same pricing, run elsewhere
    ("trade",),
    ("analytics",),
    ("models",),
    ("scenarios",),
    ("api", "results"),  # the flat API: may import anything below the interfaces
    ("web",),  # the interfaces may import the API; the web app does not use the CLI ...
    ("cli",),  # ... while `tariffscope serve` starts the web app
]
"""Bottom to top: a module may import its own layer and those below it."""

RANK = {part: i for i, layer in enumerate(LAYERS) for part in layer}
API_RANK = RANK["api"]

ALLOWED_UPWARD: dict[tuple[str, str], str] = {}
"""Known upward imports (issue 14, "interfaces thin"): importer -> imported, and why."""

ALLOWED_CIRCLES: dict[frozenset[str], str] = {}
"""Known import circles (issue 14): the modules of each strongly connected component, and why."""


def module_files() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        out[".".join(p.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")] = p
    return out


def _imported_names(tree: ast.AST, package: str) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            yield from (f"{mod}.{a.name}" for a in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the tariffscope modules it imports (``from pkg import name`` resolves to the module
    ``pkg.name`` if there is one, else to ``pkg``)."""
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for t in _imported_names(ast.parse(path.read_text(encoding="utf-8")), package):
            if t.split(".")[0] != "tariffscope":
                continue
            while t not in files and "." in t:
                t = t.rpartition(".")[0]
            if t in files and t != name:
                targets.add(t)
        graph[name] = targets
    return graph


def rank(module: str, *, importing: bool = False) -> int:
    """The layer of a module. The package root eagerly loads only ``errors``, so it is foundation to
    whoever imports it (``__version__``), and API layer for what it imports (its lazy exports)."""
    parts = module.split(".")
    if len(parts) == 1:
        return API_RANK if importing else 0
    if parts[1] not in RANK:
        raise AssertionError(f"{module}: not in a layer; add {parts[1]!r} to LAYERS and to README's table")
    return RANK[parts[1]]


def upward_edges(graph: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, bs in graph.items() for b in bs if rank(b) > rank(a, importing=True)}


def circles(graph: Mapping[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: set[frozenset[str]] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp.add(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    out.add(frozenset(comp))
    return out


GRAPH = import_graph(module_files())


def test_no_new_upward_import() -> None:
    new = sorted(upward_edges(GRAPH) - ALLOWED_UPWARD.keys())
    assert not new, "imports against the layer order (README, How it is built): " + ", ".join(
        f"{a} -> {b}" for a, b in new
    )


def test_allowed_upward_imports_still_exist() -> None:
    gone = sorted(ALLOWED_UPWARD.keys() - upward_edges(GRAPH))
    assert not gone, f"fixed, so remove from ALLOWED_UPWARD: {gone}"


def test_no_new_import_circle() -> None:
    found = circles(GRAPH)
    new = [sorted(c) for c in found - ALLOWED_CIRCLES.keys()]
    assert not new, f"import circles: {new}"
    gone = [sorted(c) for c in ALLOWED_CIRCLES.keys() - found]
    assert not gone, f"fixed (or changed), so update ALLOWED_CIRCLES: {gone}"


def test_the_checker_sees_what_it_should() -> None:
    """On a made-up graph: a lazy upward import and a three-module circle are found; a downward one is not."""
    files = {
        "tariffscope.resolver.engine": "def f():\n    from tariffscope.analytics import etr\n",
        "tariffscope.analytics.etr": "from ..resolver.engine import f\nimport tariffscope.errors\n",
        "tariffscope.errors": "",
        "tariffscope.models.a": "import importlib\nimportlib.import_module('tariffscope.models.b')\n",
        "tariffscope.models.b": "from tariffscope.models import c\n",
        "tariffscope.models.c": "from tariffscope.models.a import x\n",
    }
    graph = {}
    for name, text in files.items():
        package = name.rpartition(".")[0]
        targets = set()
        for t in _imported_names(ast.parse(text), package):
            while t not in files and "." in t:
                t = t.rpartition(".")[0]
            if t in files and t != name:
                targets.add(t)
        graph[name] = targets
    assert graph["tariffscope.analytics.etr"] == {"tariffscope.resolver.engine", "tariffscope.errors"}
    assert upward_edges(graph) == {("tariffscope.resolver.engine", "tariffscope.analytics.etr")}
    assert circles(graph) == {
        frozenset({"tariffscope.resolver.engine", "tariffscope.analytics.etr"}),
        frozenset({"tariffscope.models.a", "tariffscope.models.b", "tariffscope.models.c"}),
    }


def test_readme_table_lists_the_layers_in_this_order() -> None:
    """README's "How it is built" names every layer, top of the table = bottom of the stack."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "src/tariffscope/" in line]
    ranks = []
    for row in rows:
        parts = re.findall(r"src/tariffscope/(\w+)", row)
        ranks.append(max(RANK[p] for p in parts))
    assert ranks == sorted(ranks), f"README's table is out of layer order: {rows}"
    named = {p for row in rows for p in re.findall(r"src/tariffscope/(\w+)", row)}
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages | {"api", "results"} <= named | set(LAYERS[0])
