"""Jurisdictions: whose law a catalogue holds, and the registry of its authorities.

Each importing jurisdiction has a folder ``catalogue/<id>/`` with a ``jurisdiction.yaml`` (id, name,
currency, base schedule provider, the HTS code lengths it takes, and its authorities) and one
sub-folder of measure files per authority. An *authority* is the legal power a measure is made under
(Section 232, IEEPA, a free trade agreement ...); each maps to one rate column of the output, with a
label and a colour for people. This registry is the only list of authorities: the schema, the
engine, the analytics, the charts and the CLI all read it (issue 14, "a registry of authorities").
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tariffscope.errors import CatalogueError, TariffscopeError
from tariffscope.paths import CATALOGUE_DIR

DEFAULT = "us"
"""The importer when none is named: the United States."""


class UnknownImporter(TariffscopeError):
    """An importer with no catalogue folder."""


class AuthorityEntry(BaseModel):
    """One legal authority: its id in measure files, its output column, a label and a colour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    column: str = Field(pattern=r"^rate_[a-z0-9_]+$")
    label: str
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class ScheduleSource(BaseModel):
    """Where the base (MFN) schedule of a jurisdiction comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["usitc", "catalogue"]
    name: str = Field(description="how an error names the schedule: 'the HTS'")
    file: str | None = Field(default=None, description="for provider 'catalogue': the table in the folder")
    note: str | None = None


class Jurisdiction(BaseModel):
    """An importer's ``jurisdiction.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    schedule: ScheduleSource
    code_digits: list[int] = Field(min_length=1, description="the code lengths an entry line may give")
    base_label: str = Field(description="how the trail names the base rate, e.g. 'column 1 general rate'")
    base_citation: str = Field(
        description="the law of the base schedule, cited on every lookup's base component"
    )
    column2_group: str | None = Field(
        default=None, description="the country group charged the statutory (column 2) rate, if any"
    )
    authorities: list[AuthorityEntry] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Jurisdiction:
        ids = [a.id for a in self.authorities]
        if len(set(ids)) != len(ids):
            raise ValueError(f"authority ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        if "mfn" not in ids:
            raise ValueError("a jurisdiction needs the authority 'mfn' (its base schedule's column)")
        if self.schedule.provider == "catalogue" and not self.schedule.file:
            raise ValueError("schedule.provider 'catalogue' needs schedule.file")
        if any(d < 2 or d > 10 for d in self.code_digits):
            raise ValueError("code_digits are between 2 and 10")
        return self

    @property
    def folder(self) -> Path:
        return CATALOGUE_DIR / self.id

    @property
    def importer(self) -> str:
        """The ISO alpha-2 code of the importer (``US``)."""
        return self.id.upper()

    @property
    def authority_ids(self) -> list[str]:
        return [a.id for a in self.authorities]

    @property
    def authority_columns(self) -> dict[str, str]:
        """Authority id -> output column (``fta`` -> ``rate_mfn``)."""
        return {a.id: a.column for a in self.authorities}

    @property
    def rate_columns(self) -> list[str]:
        """The output rate columns, in registry order, each once."""
        return list(dict.fromkeys(a.column for a in self.authorities))

    @property
    def column_labels(self) -> dict[str, str]:
        """Column name without ``rate_`` -> label of the first authority charged in it."""
        out: dict[str, str] = {}
        for a in self.authorities:
            out.setdefault(a.column.removeprefix("rate_"), a.label)
        return out

    @property
    def column_colours(self) -> dict[str, str]:
        """Column name without ``rate_`` -> colour of the first authority charged in it."""
        out: dict[str, str] = {}
        for a in self.authorities:
            out.setdefault(a.column.removeprefix("rate_"), a.colour)
        return out


def known() -> list[str]:
    """The ids of every jurisdiction with a catalogue folder (sorted)."""
    return sorted(p.parent.name for p in CATALOGUE_DIR.glob("*/jurisdiction.yaml"))


def importer_id(importer: str | None) -> str:
    """The catalogue folder of an importer given as ``US``/``us``/``None``; a clear error otherwise."""
    jid = (importer or DEFAULT).strip().lower()
    if not re.match(r"^[a-z]{2}$", jid) or jid not in known():
        raise UnknownImporter(
            f"importer {importer!r} has no catalogue; known importers: {', '.join(j.upper() for j in known())}",
            field="importer",
        )
    return jid


@functools.cache
def jurisdiction(jid: str = DEFAULT) -> Jurisdiction:
    """The parsed ``jurisdiction.yaml`` of ``catalogue/<jid>/`` (cached)."""
    from tariffscope.catalogue.yamlio import read_yaml

    path = CATALOGUE_DIR / importer_id(jid) / "jurisdiction.yaml"
    data, _ = read_yaml(path, nodes=False)
    try:
        j = Jurisdiction.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    if j.id != path.parent.name:
        raise CatalogueError(f"{path}: id {j.id!r} is not its folder's name {path.parent.name!r}")
    if jid != DEFAULT:
        # one output schema for every importer: the columns are those of the default registry
        allowed = jurisdiction(DEFAULT).rate_columns
        odd = [a.column for a in j.authorities if a.column not in allowed]
        if odd:
            raise CatalogueError(f"{path}: columns {odd} are not output columns ({', '.join(allowed)})")
    return j


def registry(jid: str = DEFAULT) -> Jurisdiction:
    """The authority registry of a jurisdiction (the United States by default)."""
    return jurisdiction(jid)
