"""Load and validate the measure catalogue: YAML files under ``catalogue/<jurisdiction>/<authority>/``.

A catalogue is one importer's law (``us`` by default, see :mod:`tariffscope.catalogue.jurisdiction`):
its measure ids start with the jurisdiction (``us.``, ``jp.``) and their authorities are in its registry.

Errors name the file, the line and the field. YAML is read with the safe loader, and a key that
appears twice in one mapping is an error (PyYAML silently keeps the last one).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError

from tariffscope.catalogue.jurisdiction import DEFAULT, Jurisdiction, importer_id, jurisdiction
from tariffscope.catalogue.schema import Group, Measure, Rule
from tariffscope.catalogue.yamlio import _line_of, read_yaml
from tariffscope.errors import CatalogueError
from tariffscope.paths import CATALOGUE_DIR

Era = tuple[dt.date | None, dt.date | None, bool]
"""An era of a stacking relation: first and last entry date (None: open) and whether the whole value is displaced."""

MEASURES_DIR = CATALOGUE_DIR / "us"
LISTS_DIR = CATALOGUE_DIR / "lists"
GROUPS_FILE = CATALOGUE_DIR / "groups.yaml"


def parse_measure(path: Path, text: str | None = None) -> Measure:
    """Validate one measure file; errors name the file, line and field."""
    data, _ = read_yaml(path, text, nodes=False)
    if not isinstance(data, dict):
        raise CatalogueError(
            f"{path}: a measure file is a mapping with id, title, authority, instruments, rules"
        )
    try:
        return Measure.model_validate(data)
    except ValidationError as exc:
        _, node = read_yaml(path, text)
        lines = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p in {"str", "ListRef"})]
            where = ".".join(str(p) for p in loc) or "(top)"
            line = _line_of(node, loc)
            lines.append(f"{path}:{line}: {where}: {err['msg']}")
        raise CatalogueError("invalid measure file\n" + "\n".join(lines)) from None


@dataclass(frozen=True)
class RuleRef:
    """A rule with its measure: what the resolver evaluates."""

    measure: Measure
    rule: Rule

    @property
    def id(self) -> str:
        return f"{self.measure.id}/{self.rule.id}"

    @property
    def authority(self) -> str:
        return self.measure.authority


@dataclass
class Catalogue:
    """The measures in force at any time, their rules in evaluation order, groups and lists."""

    measures: dict[str, Measure]
    groups: dict[str, Group]
    lists_dir: Path = LISTS_DIR
    _lists: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    jurisdiction_id: str = DEFAULT

    @property
    def jurisdiction(self) -> Jurisdiction:
        """Whose law this is: the importer, its base schedule and its authority registry."""
        return jurisdiction(self.jurisdiction_id)

    @functools.cached_property
    def rules(self) -> list[RuleRef]:
        """All rules, ordered so that every rule comes before the rules it excludes."""
        refs = [RuleRef(m, r) for m in self.measures.values() for r in m.rules]
        return _topological(refs, self)

    @functools.cached_property
    def change_dates(self) -> np.ndarray:
        """Every date on which some rule's coverage or rate can change (sorted, unique)."""
        out: set[dt.date] = set()
        for ref in self.rules:
            r = ref.rule
            out.update(s.from_ for s in r.steps)
            for ex in r.excludes:
                if ex.from_:
                    out.add(ex.from_)
                if ex.to:
                    out.add(ex.to + dt.timedelta(days=1))
            out.update(t.entered_before for t in r.in_transit)
            for item in [*r.products.include, *r.products.exclude]:
                if not isinstance(item, str):
                    lst = self.product_list(item.list)
                    out.update(lst["from"].drop_nulls().unique().to_list())
                    out.update(d + dt.timedelta(days=1) for d in lst["to"].drop_nulls().unique().to_list())
        return np.array(sorted(out), dtype="datetime64[D]")

    @functools.cached_property
    def loading_cutoffs(self) -> np.ndarray:
        """The in-transit loading cut-off dates of every rule (sorted, unique)."""
        cuts = {t.loaded_before for r in self.rules for t in r.rule.in_transit}
        return np.array(sorted(cuts), dtype="datetime64[D]")

    @functools.cached_property
    def excluders(self) -> dict[str, list[tuple[str, list[Era]]]]:
        """For each rule id: the rules that exclude it, each with the eras of the relation
        (``from``, ``to``, and whether the whole value is displaced)."""
        out: dict[str, dict[str, list[Era]]] = {}
        for ref in self.rules:
            for ex in ref.rule.excludes:
                for t in self.targets(ex.target):
                    if t.id != ref.id:
                        out.setdefault(t.id, {}).setdefault(ref.id, []).append((ex.from_, ex.to, ex.whole))
        return {t: list(d.items()) for t, d in out.items()}

    def rule(self, rule_id: str) -> RuleRef:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise CatalogueError(f"no rule {rule_id!r} in the catalogue")

    @functools.cached_property
    def _all_refs(self) -> list[RuleRef]:
        return [RuleRef(m, r) for m in self.measures.values() for r in m.rules]

    def targets(self, target: str) -> list[RuleRef]:
        """Rules named by an exclusion target: rule id, measure id, ``tag:X`` or ``authority:X``."""
        refs = self._all_refs
        if target.startswith("tag:"):
            tag = target[4:]
            return [r for r in refs if tag in r.rule.tags]
        if target.startswith("authority:"):
            auth = target[10:]
            return [r for r in refs if r.authority == auth]
        if "/" in target:
            return [r for r in refs if r.id == target]
        return [r for r in refs if r.measure.id == target]

    def countries(self, names: Iterable[str], on: dt.date | None = None) -> set[str]:
        """Expand ISO codes and group names to ISO codes (``ALL`` stays ``ALL``)."""
        out: set[str] = set()
        for n in names:
            if n in self.groups:
                out |= self.countries(self.groups[n].members, on)
            else:
                out.add(n)
        return out

    def product_list(self, name: str) -> pl.DataFrame:
        """A shipped product list: ``hts`` (prefix digits), ``from``, ``to`` (dates, nullable) and extras."""
        if name not in self._lists:
            path = self.lists_dir / f"{name}.csv"
            if not path.exists():
                raise CatalogueError(f"product list {name!r} not found ({path.name} in catalogue/lists)")
            df = pl.read_csv(path, infer_schema_length=0, comment_prefix="#")
            if "hts" not in df.columns:
                raise CatalogueError(f"{path.name}: a product list needs an 'hts' column")
            df = df.with_columns(pl.col("hts").str.replace_all(r"[.\s]", ""))
            bad = df.filter(~pl.col("hts").str.contains(r"^\d{2,10}$"))
            if bad.height:
                raise CatalogueError(f"{path.name}: row {bad.row(0)}: 'hts' is not 2-10 digits")
            for col in ("from", "to"):
                if col not in df.columns:
                    df = df.with_columns(pl.lit(None, dtype=pl.Date).alias(col))
                else:
                    df = df.with_columns(pl.col(col).replace("", None).str.to_date("%Y-%m-%d", strict=True))
            self._lists[name] = df
        return self._lists[name]

    def measures_on(self, on: dt.date) -> list[Measure]:
        """Measures with at least one rule in force on a date (latest knowledge)."""
        out = []
        for m in self.measures.values():
            for r in m.rules:
                if rule_rate_on(r, on) is not None:
                    out.append(m)
                    break
        return out


def rule_rate_on(rule: Rule, on: dt.date, as_of: dt.date | None = None) -> float | None:
    """The rate of a rule on an entry date as known on ``as_of`` (None: latest knowledge)."""
    rate: float | None = None
    for s in visible_steps(rule, as_of):
        if s.from_ <= on:
            rate = s.rate
        else:
            break
    return rate


def visible_steps(rule: Rule, as_of: dt.date | None) -> list[Any]:
    """Steps known on ``as_of`` and not yet retroactively superseded, in date order."""
    if as_of is None:
        return [s for s in rule.steps if s.superseded is None]
    return [
        s
        for s in rule.steps
        if (s.recorded is None or s.recorded <= as_of) and (s.superseded is None or s.superseded > as_of)
    ]


def _topological(refs: list[RuleRef], cat: Catalogue) -> list[RuleRef]:
    """Order rules so that excluders come first; a cycle is a catalogue error."""
    index = {r.id: i for i, r in enumerate(refs)}
    after: dict[int, set[int]] = {i: set() for i in range(len(refs))}
    for i, r in enumerate(refs):
        for ex in r.rule.excludes:
            targets = cat.targets(ex.target)
            if not targets and not ex.target.startswith(("tag:", "authority:")):
                raise CatalogueError(f"{r.id}: excludes {ex.target!r}, which names no rule")
            for t in targets:
                if t.id != r.id:
                    after[index[t.id]].add(i)
    order: list[int] = []
    state = [0] * len(refs)

    def visit(i: int, path: list[int]) -> None:
        if state[i] == 2:
            return
        if state[i] == 1:
            cyc = " -> ".join(refs[j].id for j in [*path, i])
            raise CatalogueError(f"stacking relations form a cycle: {cyc}")
        state[i] = 1
        for j in sorted(after[i]):
            visit(j, [*path, i])
        state[i] = 2
        order.append(i)

    for i in range(len(refs)):
        visit(i, [])
    return [refs[i] for i in order]


def iter_measure_files(root: Path = MEASURES_DIR) -> Iterator[Path]:
    """The measure files under a jurisdiction's folder (its ``jurisdiction.yaml`` is not one)."""
    yield from sorted(p for p in root.rglob("*.yaml") if p.name != "jurisdiction.yaml")


def load_groups(path: Path = GROUPS_FILE) -> dict[str, Group]:
    data, _ = read_yaml(path)
    try:
        return {k: Group.model_validate(v) for k, v in (data or {}).items()}
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _misfiled(path: Path, m: Measure, j: Jurisdiction) -> str | None:
    """Why a measure does not belong to jurisdiction ``j`` (None when it does)."""
    if m.id.split(".")[0] != j.id:
        return f"{path}: measure id {m.id!r} must start with {j.id + '.'!r} (the catalogue of {j.name})"
    if m.authority not in j.authority_columns:
        return (
            f"{path}: authority {m.authority!r} is not in {j.id}/jurisdiction.yaml "
            f"(known: {', '.join(j.authority_ids)})"
        )
    return None


def load_catalogue(
    root: Path | None = None, extra: Iterable[Measure] = (), importer: str | None = None
) -> Catalogue:
    """Load every measure file of an importer's catalogue (``us`` by default; ``root`` overrides its
    folder), check ids belong to it, authorities are in its registry, ids are unique and relations resolve."""
    jid = importer_id(importer)
    j = jurisdiction(jid)
    root = j.folder if root is None else root
    measures: dict[str, Measure] = {}
    errors: list[str] = []
    for path in iter_measure_files(root):
        try:
            m = parse_measure(path)
        except CatalogueError as exc:
            errors.append(str(exc))
            continue
        why = _misfiled(path, m, j)
        if why:
            errors.append(why)
        if m.id in measures:
            errors.append(f"{path}: measure id {m.id!r} is used twice")
        measures[m.id] = m
    for m in extra:
        measures[m.id] = m
    if errors:
        raise CatalogueError("\n".join(errors))
    cat = Catalogue(measures=measures, groups=load_groups(), jurisdiction_id=jid)
    _ = cat.rules  # resolve relations now: fail at load time, not at query time
    return cat


@functools.cache
def default_catalogue() -> Catalogue:
    """The shipped catalogue of the United States (cached)."""
    return load_catalogue()


@functools.cache
def catalogue_of(importer: str | None = None) -> Catalogue:
    """The shipped catalogue of an importer (``US`` -> the default one; cached)."""
    jid = importer_id(importer)
    return default_catalogue() if jid == DEFAULT else load_catalogue(importer=jid)
