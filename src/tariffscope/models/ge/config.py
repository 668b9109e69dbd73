"""YAML experiment configs for ``tariffscope ge run`` and the published examples.

A config names the data (a CSV under the shared data folder or a path relative to the config),
sigma, the reference importer, cost coefficients (or a PPML fit that supplies them) and the
experiment. See ``docs/ge.md`` and ``examples/*.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from tariffscope.models.ge.model import Experiment, GEResult, StructuralGravity
from tariffscope.models.ge.multisector import CPResult
from tariffscope.models.ge.solver import GEInputError

MODELS = ("structural-gravity", "caliendo-parro")

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


def list_examples() -> list[str]:
    """Names of the bundled example configs."""
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.yaml"))


def example_path(name: str) -> Path:
    p = EXAMPLES_DIR / f"{name}.yaml"
    if not p.is_file():
        raise GEInputError(f"no GE example {name!r}; available: {', '.join(list_examples())}")
    return p


@dataclass
class GEConfig:
    """A parsed config; ``path`` is where it came from (for error messages and relative data paths)."""

    raw: dict[str, Any]
    path: Path

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.raw:
            if default is ...:
                raise GEInputError(f"{self.path}: missing field {key!r}")
            return default
        val = self.raw[key]
        if not isinstance(val, kind):
            raise GEInputError(f"{self.path}: field {key!r} has type {type(val).__name__}")
        return val


def load_config(path: str | Path) -> GEConfig:
    """Read and check a YAML config (``yaml.safe_load``)."""
    p = Path(path)
    if not p.is_file():
        raise GEInputError(f"config file not found: {p}")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GEInputError(f"{p}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise GEInputError(f"{p}: top level must be a mapping")
    return GEConfig(raw, p)


def _data_file(cfg: GEConfig, spec: dict[str, Any]) -> Path:
    from tariffscope.paths import shared_data

    if "shared" in spec:
        f = shared_data() / str(spec["shared"])
    elif "file" in spec:
        f = Path(str(spec["file"]))
        if not f.is_absolute():
            f = cfg.path.parent / f
    else:
        raise GEInputError(f"{cfg.path}: data needs 'shared' (path under the shared data folder) or 'file'")
    if not f.is_file():
        raise GEInputError(f"{cfg.path}: data file not found: {f}")
    return f


def _experiment(cfg: GEConfig, panel: pl.DataFrame, spec: dict[str, Any], year: int | None) -> Experiment:
    name = str(spec.get("name", "experiment"))
    frames: list[pl.DataFrame] = []
    for k, item in enumerate(spec.get("set", []) or []):
        if not isinstance(item, dict) or "pairs" not in item or "values" not in item:
            raise GEInputError(f"{cfg.path}: experiment.set[{k}] needs 'pairs' and 'values'")
        pairs = item["pairs"]
        if item.get("symmetric"):
            pairs = [*pairs, *[[b, a] for a, b in pairs]]
        frames.append(Experiment.set_pairs([(str(a), str(b)) for a, b in pairs], item["values"]).changes)
    if "covariate_change" in spec:
        cc = spec["covariate_change"]
        for key in ("covariate", "to_year", "coefficient"):
            if key not in cc:
                raise GEInputError(f"{cfg.path}: experiment.covariate_change needs {key!r}")
        var = str(cc["covariate"])
        later = panel.filter(pl.col("year").cast(pl.Float64) == float(cc["to_year"])).select(
            "exporter", "importer", pl.col(var).alias("__to")
        )
        base = panel.filter(
            pl.col("year").cast(pl.Float64) == float(year if year is not None else -1)
        ).select("exporter", "importer", pl.col(var).alias("__from"))
        if later.height == 0 or base.height == 0:
            raise GEInputError(
                f"{cfg.path}: covariate_change needs rows for years {year} and {cc['to_year']}"
            )
        j = base.join(later, on=["exporter", "importer"], how="inner")
        frames.append(
            j.select(
                "exporter",
                "importer",
                ((pl.col("__to") - pl.col("__from")).cast(pl.Float64) * float(cc["coefficient"])).alias(
                    "cost_shift"
                ),
            )
        )
    if not frames:
        raise GEInputError(f"{cfg.path}: experiment has neither 'set' nor 'covariate_change'")
    changes = pl.concat(frames, how="diagonal_relaxed")
    return Experiment(changes, name=name)


def build_model(cfg: GEConfig) -> tuple[StructuralGravity, Experiment, dict[str, Any]]:
    """Model, experiment and solve options from a config."""
    data = cfg._get("data", dict)
    f = _data_file(cfg, data)
    panel = pl.read_csv(f, infer_schema_length=10000)
    rename = {v: k for k, v in (data.get("columns") or {}).items()}
    if rename:
        panel = panel.rename(rename)
    year = data.get("year")
    cost = cfg._get("cost", dict, {})
    sigma = float(cfg._get("sigma", (int, float)))
    reference = str(cfg._get("reference", str))
    model = StructuralGravity(
        panel,
        {str(k): float(v) for k, v in cost.items()},
        sigma,
        reference,
        year=int(year) if year is not None else None,
        output=data.get("output"),
        expenditure=data.get("expenditure"),
        tariff=data.get("tariff"),
    )
    exp = _experiment(cfg, panel, cfg._get("experiment", dict), int(year) if year is not None else None)
    solve = dict(cfg._get("solve", dict, {}))
    allowed = {"method", "closure", "numeraire", "tariff_revenue", "baseline_flows"}
    bad = sorted(set(solve) - allowed)
    if bad:
        raise GEInputError(f"{cfg.path}: unknown solve option(s) {', '.join(bad)}")
    return model, exp, solve


def _data_folder(cfg: GEConfig, spec: dict[str, Any]) -> Path:
    from tariffscope.paths import shared_data

    if "shared" in spec:
        f = shared_data() / str(spec["shared"])
    elif "folder" in spec:
        f = Path(str(spec["folder"]))
        if not f.is_absolute():
            f = cfg.path.parent / f
    else:
        raise GEInputError(f"{cfg.path}: data needs 'shared' (folder under the shared data) or 'folder'")
    if not f.is_dir():
        raise GEInputError(f"{cfg.path}: data folder not found: {f}")
    return f


def run_caliendo_parro(cfg: GEConfig) -> CPResult:
    """``model: caliendo-parro``: the multi-sector model of Caliendo & Parro (2015).

    ``data``: ``shared``/``folder`` and ``prefix`` of the ``cp2015``-layout tables; ``baseline.tariff``
    and ``experiment.tariff``: scenario columns of the trade table (default: the data's tariffs);
    ``experiment.set``: tariff changes on top (see :func:`~tariffscope.models.ge.multisector.set_tariffs`);
    ``deficits``: ``zero`` (CP's published experiment) or ``observed``.
    """
    from tariffscope.models.ge.multisector import caliendo_parro, load_cp2015_nafta, set_tariffs

    data_spec = cfg._get("data", dict)
    data = load_cp2015_nafta(
        _data_folder(cfg, data_spec), prefix=str(data_spec.get("prefix", "cp2015_nafta"))
    )

    def scenario(section: dict[str, Any], key: str) -> Any:
        col = section.get(key)
        if col is None:
            return None
        if col not in data.scenarios:
            raise GEInputError(
                f"{cfg.path}: {key} column {col!r} not in the trade table (have: {', '.join(data.scenarios)})"
            )
        return data.scenarios[col]

    baseline = cfg._get("baseline", dict, {})
    exp = cfg._get("experiment", dict)
    tau_bln = scenario(baseline, "tariff")
    tau_cfl = scenario(exp, "tariff")
    if tau_cfl is None:
        tau_cfl = data.tariff if tau_bln is None else tau_bln
    if exp.get("set"):
        tau_cfl = set_tariffs(data, tau_cfl, exp["set"], source=f"{cfg.path}: experiment.set")
    elif "tariff" not in exp:
        raise GEInputError(f"{cfg.path}: experiment needs 'tariff' (a scenario column) or 'set'")
    deficits = str(cfg._get("deficits", str, "zero"))
    res = caliendo_parro(
        data,
        tau_cfl,
        tariff_bln=tau_bln,
        d_bln=scenario(baseline, "d_hat"),
        d_cfl=scenario(exp, "d_hat"),
        deficits=deficits,
        name=str(exp.get("name", "experiment")),
    )
    res.meta.update({"config": cfg.raw.get("name", cfg.path.stem)})
    return res


def run_config(path: str | Path) -> GEResult | CPResult:
    """Load a config, build the model and solve the experiment."""
    cfg = load_config(path)
    model_name = str(cfg._get("model", str, "structural-gravity"))
    if model_name not in MODELS:
        raise GEInputError(f"{cfg.path}: unknown model {model_name!r}; use one of {', '.join(MODELS)}")
    if model_name == "caliendo-parro":
        return run_caliendo_parro(cfg)
    model, exp, solve = build_model(cfg)
    res = model.solve(exp, **solve)
    res.meta.update({"config": cfg.raw.get("name", Path(path).stem), "experiment": exp.name})
    return res
