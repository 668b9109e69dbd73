"""Data of the multi-sector model (Caliendo & Parro 2015): the baseline arrays, loaded from tidy tables, and
tariff changes on them. The model and its solver: :mod:`tariffscope.models.ge.multisector`."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from tariffscope.models.ge.solver import Array, GEInputError


@dataclass(frozen=True)
class MultiSectorData:
    """Baseline of the multi-sector model. Trade arrays are ``(sector, importer, exporter)``.

    ``trade``: flows at producer prices (net of tariffs); ``tariff``: ad-valorem tariffs (decimals)
    in the data year; ``theta``: sectoral trade elasticities; ``va_share[n, j]``: value added / gross
    output; ``io_share[n, k, j]``: input ``k`` / gross output of sector ``j``; ``alpha[n, j]``: final
    consumption shares; ``value_added[n]``; ``deficit[n]`` (imports minus exports, nominal).
    """

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    trade: Array
    tariff: Array
    theta: Array
    va_share: Array
    io_share: Array
    alpha: Array
    value_added: Array
    deficit: Array
    scenarios: dict[str, Array] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.regions), len(self.sectors)

    def pi(self) -> Array:
        """Expenditure shares ``pi_nij`` (buyer prices, incl. tariffs)."""
        z = self.trade * (1.0 + self.tariff)
        tot = z.sum(axis=2, keepdims=True)
        return np.divide(z, tot, out=np.zeros_like(z), where=tot > 0)

    def expenditure(self) -> Array:
        """``X_nj``: absorption of sector ``j`` goods by region ``n`` at buyer prices ``(n, j)``."""
        return (self.trade * (1.0 + self.tariff)).sum(axis=2).T

    def validate(self) -> None:
        n, j = self.shape
        checks = {
            "trade": (self.trade, (j, n, n)),
            "tariff": (self.tariff, (j, n, n)),
            "theta": (self.theta, (j,)),
            "va_share": (self.va_share, (n, j)),
            "io_share": (self.io_share, (n, j, j)),
            "alpha": (self.alpha, (n, j)),
            "value_added": (self.value_added, (n,)),
            "deficit": (self.deficit, (n,)),
        }
        for name, (arr, shp) in checks.items():
            if arr.shape != shp:
                raise GEInputError(f"multi-sector data: {name} has shape {arr.shape}, expected {shp}")
            if not np.all(np.isfinite(arr)):
                raise GEInputError(f"multi-sector data: {name} has missing or infinite values")
        for name, arr in (("trade", self.trade), ("va_share", self.va_share)):
            if np.any(arr < 0):
                raise GEInputError(f"multi-sector data: {name} has negative values")
        # IO tables carry the odd small negative cell (the CP 2015 data: Canada, Other -> Basic metals,
        # -0.2% of output); tolerate those, refuse anything that could make the price system explode
        if np.any(self.io_share < -0.01):
            n_, k_, j_ = np.argwhere(self.io_share < -0.01)[0]
            raise GEInputError(
                f"multi-sector data: input share {self.sectors[k_]} -> {self.sectors[j_]} in {self.regions[n_]} "
                f"is {self.io_share[n_, k_, j_]:.4f} (below -1%)"
            )
        if np.any(self.tariff <= -1):
            raise GEInputError("multi-sector data: tariffs must exceed -100%")
        if np.any(self.theta <= 0):
            bad = [s for s, t in zip(self.sectors, self.theta, strict=True) if t <= 0]
            raise GEInputError(f"multi-sector data: theta must be positive (sector {bad[0]!r})")
        tot = self.va_share + self.io_share.sum(axis=1)
        if np.any(np.abs(tot - 1.0) > 1e-6):
            n_, j_ = np.unravel_index(int(np.argmax(np.abs(tot - 1.0))), tot.shape)
            raise GEInputError(
                f"multi-sector data: value-added and input shares of {self.regions[n_]}/{self.sectors[j_]} "
                f"sum to {tot[n_, j_]:.6f}, not 1"
            )
        if np.any(self.va_share <= 0):
            n_, j_ = np.argwhere(self.va_share <= 0)[0]
            raise GEInputError(
                f"multi-sector data: value-added share of {self.regions[n_]}/{self.sectors[j_]} is zero; "
                "the price system needs positive value added in every sector"
            )
        if np.any(np.abs(self.alpha.sum(axis=1) - 1.0) > 1e-6):
            raise GEInputError("multi-sector data: final-consumption shares must sum to 1 in every region")
        if np.any(self.expenditure() <= 0):
            n_, j_ = np.argwhere(self.expenditure() <= 0)[0]
            raise GEInputError(
                f"multi-sector data: {self.regions[n_]} absorbs nothing of sector {self.sectors[j_]}"
            )


# --------------------------------------------------------------------------- data loading
def _index(df: pl.DataFrame, col: str, names: Sequence[str], what: str, source: str) -> np.ndarray:
    pos = {v: k for k, v in enumerate(names)}
    vals = df[col].cast(pl.Utf8).to_list()
    unknown = sorted(set(vals) - set(pos))
    if unknown:
        raise GEInputError(f"{source}: unknown {what} {unknown[0]!r} in column {col!r}")
    return np.fromiter((pos[v] for v in vals), dtype=np.int64, count=len(vals))


def from_tables(
    *,
    regions: Sequence[str],
    sectors: Sequence[str],
    trade: pl.DataFrame,
    intermediate: pl.DataFrame,
    final: pl.DataFrame,
    value_added: pl.DataFrame,
    deficit: pl.DataFrame,
    theta: pl.DataFrame,
    tariff: str = "tariff",
    scenario_columns: Sequence[str] = (),
    source: str = "multi-sector data",
) -> MultiSectorData:
    """Build the arrays from tidy tables (the layout of the R package ``cp2015``'s NAFTA data).

    ``trade``: sector, exporter, importer, value (net of tariffs), ``tariff`` and optional scenario
    columns (e.g. ``tariff_cfl``, ``d_cfl``); ``intermediate``: input, sector, region, value (buyer
    prices); ``final``: sector, region, value; ``value_added``: sector, region, value; ``deficit``:
    region, D; ``theta``: sector, value. Gross output = inputs + value added (the IO table).
    """
    regions = tuple(str(r) for r in regions)
    sectors = tuple(str(s) for s in sectors)
    n, nj = len(regions), len(sectors)
    cube = _trade_cubes(trade, regions, sectors, source)
    flows = cube("value")
    tau = cube(tariff)
    scen = {c: cube(c) for c in scenario_columns}
    ic = np.zeros((n, nj, nj))
    ir = _index(intermediate, "region", regions, "region", f"{source} (intermediate)")
    ik = _index(intermediate, "input", sectors, "sector", f"{source} (intermediate)")
    ij = _index(intermediate, "sector", sectors, "sector", f"{source} (intermediate)")
    np.add.at(ic, (ir, ik, ij), intermediate["value"].cast(pl.Float64).to_numpy())
    va = _region_by_sector(value_added, regions, sectors, f"{source} (value added)")
    fc = _region_by_sector(final, regions, sectors, f"{source} (final consumption)")
    output = ic.sum(axis=1) + va
    if np.any(output <= 0):
        r, s = np.argwhere(output <= 0)[0]
        raise GEInputError(f"{source}: {regions[r]}/{sectors[s]} has no gross output in the IO table")
    fc_tot = fc.sum(axis=1, keepdims=True)
    if np.any(fc_tot <= 0):
        raise GEInputError(f"{source}: a region has no final consumption")
    d = np.zeros(n)
    d[_index(deficit, "region", regions, "region", f"{source} (deficit)")] = (
        deficit["D"].cast(pl.Float64).to_numpy()
    )
    th = np.full(nj, np.nan)
    th[_index(theta, "sector", sectors, "sector", f"{source} (theta)")] = (
        theta["value"].cast(pl.Float64).to_numpy()
    )
    data = MultiSectorData(
        regions=regions,
        sectors=sectors,
        trade=flows,
        tariff=tau,
        theta=th,
        va_share=va / output,
        io_share=ic / output[:, None, :],
        alpha=fc / fc_tot,
        value_added=va.sum(axis=1),
        deficit=d,
        scenarios=scen,
    )
    data.validate()
    return data


def _trade_cubes(
    trade: pl.DataFrame, regions: tuple[str, ...], sectors: tuple[str, ...], source: str
) -> Callable[[str], Array]:
    """A reader of the trade table's columns as complete ``(sector, importer, exporter)`` cubes."""
    n, nj = len(regions), len(sectors)
    if trade.height != nj * n * n:
        raise GEInputError(f"{source}: trade has {trade.height} rows, expected {nj}x{n}x{n} = {nj * n * n}")
    sj = _index(trade, "sector", sectors, "sector", f"{source} (trade)")
    ni = _index(trade, "importer", regions, "region", f"{source} (trade)")
    ei = _index(trade, "exporter", regions, "region", f"{source} (trade)")

    def cube(col: str) -> Array:
        if col not in trade.columns:
            raise GEInputError(f"{source}: trade has no column {col!r}")
        out = np.full((nj, n, n), np.nan)
        out[sj, ni, ei] = trade[col].cast(pl.Float64).to_numpy()
        if not np.all(np.isfinite(out)):
            raise GEInputError(
                f"{source}: trade column {col!r} is missing some sector-importer-exporter cells"
            )
        return out

    return cube


def _region_by_sector(
    df: pl.DataFrame, regions: tuple[str, ...], sectors: tuple[str, ...], what: str
) -> Array:
    """``(region, sector)`` sums of a table's ``value`` (rows named by ``region`` and ``sector``)."""
    out = np.zeros((len(regions), len(sectors)))
    idx = (_index(df, "region", regions, "region", what), _index(df, "sector", sectors, "sector", what))
    np.add.at(out, idx, df["value"].cast(pl.Float64).to_numpy())
    return out


CP2015_PREFIX = "cp2015_nafta"


def load_cp2015_nafta(folder: str | Path | None = None, prefix: str = CP2015_PREFIX) -> MultiSectorData:
    """Caliendo-Parro (2015) NAFTA data (31 regions x 40 sectors, 1993) as distributed with the R
    package ``cp2015``: files ``<prefix>_{sets.json,trade,intermediate_consumption,final_consumption,
    value_added,deficit,theta}.csv.gz`` in ``folder`` (default: ``gravity/`` of the shared data).

    ``scenarios`` holds ``tariff_bln``/``tariff_cfl`` (1993 tariffs; NAFTA members' 2005 tariffs on
    each other) and ``d_bln``/``d_cfl`` (iceberg-cost changes, all 1 here).
    """
    if folder is None:
        from tariffscope.paths import shared_data

        folder = shared_data() / "gravity"
    base = Path(folder)
    files = {
        k: base / f"{prefix}_{k}.csv.gz"
        for k in ("trade", "intermediate_consumption", "final_consumption", "value_added", "deficit", "theta")
    }
    sets_file = base / f"{prefix}_sets.json.gz"
    for f in (*files.values(), sets_file):
        if not f.is_file():
            raise GEInputError(
                f"multi-sector data file not found: {f.name} (in the folder given by the config)"
            )
    with gzip.open(sets_file, "rt", encoding="utf-8") as fh:
        sets = json.load(fh)
    for key in ("regions", "sectors"):
        if key not in sets:
            raise GEInputError(f"{sets_file.name}: missing key {key!r}")
    tables = {k: pl.read_csv(f) for k, f in files.items()}
    trade = tables["trade"]
    scen_cols = [c for c in ("tariff_bln", "tariff_cfl", "d_bln", "d_cfl") if c in trade.columns]
    return from_tables(
        regions=sets["regions"],
        sectors=sets["sectors"],
        trade=trade,
        intermediate=tables["intermediate_consumption"],
        final=tables["final_consumption"],
        value_added=tables["value_added"],
        deficit=tables["deficit"],
        theta=tables["theta"],
        scenario_columns=scen_cols,
        source=f"{prefix} data",
    )


def set_tariffs(
    data: MultiSectorData,
    base: Array,
    changes: Sequence[Mapping[str, Any]],
    *,
    source: str = "experiment",
) -> Array:
    """Apply tariff changes to ``base`` (``(j, n, i)``): each change names ``importers`` and
    ``exporters`` (lists of regions, or ``"all"``), optional ``sectors`` and either ``tariff``
    (new rate) or ``add`` (added to the base, in decimals); ``symmetric: true`` also applies it
    with the roles swapped. Vectorised with boolean masks.
    """
    out = base.copy()
    regions, sectors = list(data.regions), list(data.sectors)

    def mask(spec: Any, names: list[str], what: str, k: int) -> NDArray[np.bool_]:
        if spec is None or spec == "all":
            return np.ones(len(names), dtype=bool)
        vals = [spec] if isinstance(spec, str) else list(spec)
        unknown = [v for v in vals if v not in names]
        if unknown:
            raise GEInputError(f"{source}[{k}]: unknown {what} {unknown[0]!r}")
        return np.isin(np.array(names), vals)

    for k, ch in enumerate(changes):
        if not isinstance(ch, Mapping):
            raise GEInputError(f"{source}[{k}]: each change must be a mapping")
        if ("tariff" in ch) == ("add" in ch):
            raise GEInputError(f"{source}[{k}]: give exactly one of 'tariff' or 'add'")
        sm = mask(ch.get("sectors"), sectors, "sector", k)
        im = mask(ch.get("importers"), regions, "region", k)
        em = mask(ch.get("exporters"), regions, "region", k)
        directions = [(im, em), (em, im)] if ch.get("symmetric") else [(im, em)]
        for a, b in directions:
            cell = sm[:, None, None] & a[None, :, None] & b[None, None, :]
            cell &= ~np.eye(len(regions), dtype=bool)[None, :, :]  # domestic sales carry no tariff
            if "tariff" in ch:
                out[cell] = float(ch["tariff"])
            else:
                out[cell] = base[cell] + float(ch["add"])
    if np.any(out <= -1):
        raise GEInputError(f"{source}: a tariff fell to -100% or below")
    return out
