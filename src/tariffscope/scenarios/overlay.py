"""Scenarios as overlays on the measure catalogue: read, validate, and apply to build a new catalogue.

A scenario file is validated like a measure file (safe YAML, duplicate keys refused, unknown keys are errors)
and every error names the file, the line and the field. Applying a scenario never edits the catalogue: it
builds a new :class:`~tariffscope.catalogue.loader.Catalogue` whose rules carry the scenario's synthetic
steps, so the resolver, the ETR and the models run on it unchanged.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tariffscope.catalogue.loader import Catalogue, RuleRef, _line_of, default_catalogue, read_yaml
from tariffscope.catalogue.schema import Measure, Rule, Step
from tariffscope.errors import CatalogueError
from tariffscope.scenarios.schema import Change, PackageSpec, ScenarioSpec, field_path

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
PACKAGES_DIR = SHIPPED_DIR / "packages"
CURRENT_LAW = "current-law"
CATALOGUE_BASE = "catalogue"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file: its spec, where it came from, and its YAML nodes (for line numbers)."""

    spec: ScenarioSpec
    path: Path
    node: yaml.Node | None

    @property
    def id(self) -> str:
        return self.spec.id

    def line(self, *loc: int | str) -> int | None:
        return _line_of(self.node, list(loc))

    def where(self, *loc: int | str) -> str:
        return f"{self.path}:{self.line(*loc)}: {'.'.join(str(p) for p in loc)}"


def _validation_message(kind: str, path: Path, node: yaml.Node | None, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = field_path(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top)"
        lines.append(f"{path}:{_line_of(node, loc)}: {where}: {err['msg']}")
    return f"invalid {kind} file\n" + "\n".join(lines)


def _read(path: Path, text: str | None) -> tuple[Any, yaml.Node | None]:
    """``read_yaml``, plus a file:line error for scalars YAML resolves but cannot build (2025-13-01)."""
    text = path.read_text(encoding="utf-8") if text is None else text
    try:
        return read_yaml(path, text)
    except ValueError as exc:
        where = _bad_scalar(yaml.compose(text, Loader=yaml.SafeLoader), [])
        if where is None:
            raise CatalogueError(f"{path}: {exc}") from None
        line, loc, value = where
        raise CatalogueError(f"{path}:{line}: {'.'.join(map(str, loc))}: {value!r}: {exc}") from None


def _bad_scalar(node: yaml.Node | None, loc: list[int | str]) -> tuple[int, list[int | str], str] | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        try:
            yaml.SafeLoader("").construct_yaml_timestamp(node)
        except ValueError:
            return node.start_mark.line + 1, loc, node.value
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if (hit := _bad_scalar(v, [*loc, getattr(k, "value", "?")])) is not None:
                return hit
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            if (hit := _bad_scalar(v, [*loc, i])) is not None:
                return hit
    return None


def parse_scenario(path: Path, text: str | None = None) -> Scenario:
    """Validate one scenario file; errors name the file, line and field."""
    data, node = _read(path, text)
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: a scenario file is a mapping with id, title, date, changes")
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(_validation_message("scenario", path, node, exc)) from None
    return Scenario(spec, path, node)


def parse_package(path: Path, text: str | None = None) -> tuple[PackageSpec, Path]:
    """Validate a package file; errors name the file, line and field. Returns the spec and its path."""
    data, node = _read(path, text)
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: a package file is a mapping with id, title, partner, us_side")
    try:
        return PackageSpec.model_validate(data), path
    except ValidationError as exc:
        raise CatalogueError(_validation_message("package", path, node, exc)) from None


def shipped_scenarios() -> list[str]:
    """Names of the shipped scenarios (file stems under ``scenarios/shipped``)."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def shipped_packages() -> list[str]:
    return sorted(p.stem for p in PACKAGES_DIR.glob("*.yaml"))


def scenario_path(name: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario file from a shipped name (``pause-lapses``) or a path (relative to ``relative_to``'s dir)."""
    s = str(name)
    if s.endswith((".yaml", ".yml")) or "/" in s or "\\" in s:
        p = Path(s)
        if not p.is_absolute() and relative_to is not None and not p.exists():
            p = relative_to.parent / p
        if not p.exists():
            raise CatalogueError(f"scenario file {s!r} not found")
        return p
    p = SHIPPED_DIR / f"{s}.yaml"
    if not p.exists():
        raise CatalogueError(f"no shipped scenario {s!r}; shipped: {', '.join(shipped_scenarios())}")
    return p


def package_path(name: str | Path) -> Path:
    s = str(name)
    if s.endswith((".yaml", ".yml")) or "/" in s:
        p = Path(s)
        if not p.exists():
            raise CatalogueError(f"package file {s!r} not found")
        return p
    p = PACKAGES_DIR / f"{s}.yaml"
    if not p.exists():
        raise CatalogueError(f"no shipped package {s!r}; shipped: {', '.join(shipped_packages())}")
    return p


def load_scenario(name: str | Path, relative_to: Path | None = None) -> Scenario:
    """Read and validate a scenario by shipped name or file path."""
    return parse_scenario(scenario_path(name, relative_to))


# -- applying an overlay -------------------------------------------------------------------------------------


def select_rules(cat: Catalogue, selector: str) -> list[RuleRef]:
    """Rules named by a selector: a rule id, a measure id, ``tag:X``, ``authority:X``; ``a & b`` intersects."""
    parts = [p.strip() for p in selector.split("&")]
    chosen: dict[str, RuleRef] | None = None
    for p in parts:
        found = {r.id: r for r in cat.targets(p)}
        chosen = found if chosen is None else {k: v for k, v in chosen.items() if k in found}
    return list((chosen or {}).values())


def _step(on: dt.date, rate: float | None, cite: str, note: str | None = None) -> Step:
    return Step.model_validate({"from": on, "rate": rate, "cite": cite, "note": note})


def restep(
    rule: Rule, start: dt.date, rate: float | None, cite: str, until: dt.date | None = None
) -> list[Step]:
    """Steps of ``rule`` with ``rate`` from ``start`` (overriding all later steps) until ``until`` (inclusive).

    After ``until`` the rule's own (latest-knowledge) schedule resumes: a step at ``until + 1`` restores the
    rate then in force, and the rule's later steps follow.
    """
    from tariffscope.catalogue.loader import rule_rate_on

    steps = [s for s in rule.steps if s.from_ < start]
    steps.append(_step(start, rate, cite))
    if until is not None:
        resume = until + dt.timedelta(days=1)
        steps.append(_step(resume, rule_rate_on(rule, resume), f"{cite} (ends; the law resumes)"))
        steps.extend(s for s in rule.steps if s.from_ > resume)
    return steps


def _rebuild_rule(rule: Rule, steps: list[Step]) -> Rule:
    data = rule.model_dump(by_alias=True)
    data["steps"] = [s.model_dump(by_alias=True) for s in steps]
    return Rule.model_validate(data)


def _rebuild_measure(m: Measure, rules: list[Rule]) -> Measure:
    data = m.model_dump(by_alias=True)
    data["rules"] = [r.model_dump(by_alias=True) for r in rules]
    return Measure.model_validate(data)


def _prune_relations(measures: dict[str, Measure]) -> dict[str, Measure]:
    """Drop stacking relations whose explicit target (rule or measure id) no longer exists."""
    rule_ids = {f"{m.id}/{r.id}" for m in measures.values() for r in m.rules}
    out: dict[str, Measure] = {}
    for mid, m in measures.items():
        rules = []
        changed = False
        for r in m.rules:
            keep = [
                e
                for e in r.excludes
                if e.target.startswith(("tag:", "authority:")) or e.target in rule_ids or e.target in measures
            ]
            if len(keep) != len(r.excludes):
                changed = True
                data = r.model_dump(by_alias=True)
                data["excludes"] = [e.model_dump(by_alias=True) for e in keep]
                r = Rule.model_validate(data)
            rules.append(r)
        out[mid] = _rebuild_measure(m, rules) if changed else m
    return out


def apply_changes(cat: Catalogue, sc: Scenario) -> Catalogue:
    """A new catalogue: ``cat`` with the scenario's changes applied in order."""
    measures: dict[str, Measure] = dict(cat.measures)
    for i, ch in enumerate(sc.spec.changes):
        current = Catalogue(
            measures=measures, groups=cat.groups, lists_dir=cat.lists_dir, jurisdiction_id=cat.jurisdiction_id
        )
        act = ch.action
        if act == "add":
            assert ch.add is not None
            if ch.add.id in measures:
                raise CatalogueError(
                    f"{sc.where('changes', i, 'add', 'id')}: measure {ch.add.id!r} is already in the catalogue;"
                    " use set/end/remove to change it"
                )
            measures[ch.add.id] = ch.add
            continue
        refs = _resolve_selectors(current, sc, i, ch)
        by_measure: dict[str, set[str]] = {}
        for r in refs:
            by_measure.setdefault(r.measure.id, set()).add(r.rule.id)
        cite = f"scenario {sc.id}: {ch.cite or act}"
        for mid, rids in by_measure.items():
            m = measures[mid]
            if act == "remove":
                rules = [r for r in m.rules if r.id not in rids]
                if rules:
                    measures[mid] = _rebuild_measure(m, rules)
                else:
                    del measures[mid]
                continue
            assert ch.from_ is not None
            rate = ch.rate if act == "set" else None
            try:
                rules = [
                    _rebuild_rule(r, restep(r, ch.from_, rate, cite, ch.to)) if r.id in rids else r
                    for r in m.rules
                ]
                measures[mid] = _rebuild_measure(m, rules)
            except ValidationError as exc:
                msg = "; ".join(e["msg"] for e in exc.errors())
                raise CatalogueError(f"{sc.where('changes', i, act)}: cannot apply to {mid}: {msg}") from None
        if act == "remove":
            measures = _prune_relations(measures)
    out = Catalogue(
        measures=measures, groups=cat.groups, lists_dir=cat.lists_dir, jurisdiction_id=cat.jurisdiction_id
    )
    try:
        _ = out.rules  # relations resolve and have no cycle
    except CatalogueError as exc:
        raise CatalogueError(f"{sc.path}: after applying the scenario: {exc}") from None
    return out


def _resolve_selectors(cat: Catalogue, sc: Scenario, i: int, ch: Change) -> list[RuleRef]:
    act = ch.action
    refs: dict[str, RuleRef] = {}
    for j, sel in enumerate(ch.selectors):
        found = select_rules(cat, sel)
        explicit = not any(p.strip().startswith(("tag:", "authority:")) for p in sel.split("&"))
        if not found and explicit:
            loc: list[int | str] = ["changes", i, act]
            if len(ch.selectors) > 1:
                loc.append(j)
            what = "rule" if "/" in sel else "measure"
            raise CatalogueError(
                f"{sc.where(*loc)}: {what} id {sel!r} is not in the catalogue{_suggest(cat, sel)}"
            )
        refs.update((r.id, r) for r in found)
    if not refs and not ch.optional:
        raise CatalogueError(
            f"{sc.where('changes', i, act)}: {', '.join(map(repr, ch.selectors))} selects no rule "
            "(add 'optional: true' if the measures are not catalogued yet)"
        )
    return list(refs.values())


def _suggest(cat: Catalogue, sel: str) -> str:
    import difflib

    ids = [r.id for r in cat.rules] + list(cat.measures)
    near = difflib.get_close_matches(sel, ids, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def scenario_chain(sc: Scenario) -> list[Scenario]:
    """The scenario and its bases, base first (``catalogue`` ends the chain); a cycle is an error."""
    chain = [sc]
    seen = {sc.path.resolve()}
    while chain[0].spec.base != CATALOGUE_BASE:
        base = load_scenario(chain[0].spec.base, relative_to=chain[0].path)
        key = base.path.resolve()
        if key in seen:
            names = " -> ".join(s.id for s in [base, *chain])
            raise CatalogueError(f"{chain[0].where('base')}: scenario bases form a cycle: {names}")
        seen.add(key)
        chain.insert(0, base)
    return chain


def build_catalogue(sc: Scenario | str | Path, base: Catalogue | None = None) -> Catalogue:
    """The catalogue of a scenario: the shipped catalogue (or ``base``) with the chain of overlays applied."""
    if not isinstance(sc, Scenario):
        sc = load_scenario(sc)
    cat = base or default_catalogue()
    for s in scenario_chain(sc):
        if s.spec.changes:
            cat = apply_changes(cat, s)
    return cat


@functools.cache
def _cached_catalogue(path: str, mtime: float) -> Catalogue:
    return build_catalogue(parse_scenario(Path(path)))


def scenario_catalogue(name: str | Path) -> Catalogue:
    """The catalogue of a scenario over the shipped catalogue, cached per file version."""
    p = scenario_path(name).resolve()
    return _cached_catalogue(str(p), p.stat().st_mtime)


def describe_changes(sc: Scenario) -> list[dict[str, Any]]:
    """One row per change of the scenario chain: what it does and from when (for timelines and ``show``)."""
    rows: list[dict[str, Any]] = []
    for s in scenario_chain(sc):
        for ch in s.spec.changes:
            act = ch.action
            what = ch.add.id if ch.add is not None else " | ".join(ch.selectors)
            first = ch.from_
            if ch.add is not None:
                first = min((st.from_ for r in ch.add.rules for st in r.steps), default=None)
            rows.append(
                {
                    "scenario": s.id,
                    "action": act,
                    "target": what,
                    "from": first,
                    "to": ch.to,
                    "rate": ch.rate,
                    "cite": ch.cite,
                }
            )
    return rows


def all_timeline(sc: Scenario) -> list[dict[str, Any]]:
    """Deadlines of the scenario chain and the dates of its changes, in date order."""
    out: list[dict[str, Any]] = []
    for s in scenario_chain(sc):
        out.extend(
            {"date": d.date, "label": d.label, "cite": d.cite, "scenario": s.id} for d in s.spec.timeline
        )
    for r in describe_changes(sc):
        if r["from"] is not None:
            rate = "" if r["rate"] is None else f" at {100 * r['rate']:g}%"
            out.append(
                {
                    "date": r["from"],
                    "label": f"{r['action']} {r['target']}{rate}",
                    "cite": r["cite"],
                    "scenario": r["scenario"],
                }
            )
    return sorted(out, key=lambda x: (x["date"], x["label"]))


def validate_files(paths: Sequence[Path], cat: Catalogue | None = None) -> list[str]:
    """Validate scenario files and their overlays; return the error messages (empty when all are valid)."""
    errors = []
    for p in paths:
        try:
            build_catalogue(parse_scenario(p), cat)
        except CatalogueError as exc:
            errors.append(str(exc))
    return errors
