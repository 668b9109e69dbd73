"""One-sector structural gravity model built from a tidy panel, a cost specification and sigma.

Notation follows Yotov, Piermartini, Monteiro & Larch (2016, *An Advanced Guide to Trade Policy
Analysis*, ch. 2) and Larch & Yotov (2016): ``t_ij^(1-sigma) = exp(sum_k beta_k x_ijk)`` are
bilateral trade costs, ``P_j`` the inward and ``Pi_i`` the outward multilateral resistance (IMR,
OMR), ``p_i`` factory-gate prices (1 in the baseline), the reference importer's ``P`` is 1.

Three results are computed for an experiment (a change in cost covariates and/or tariffs):

* **conditional GE**: new multilateral resistances, output and expenditure held fixed;
* **full GE** (``method="full"``, default): factory-gate prices, incomes, expenditure (with tariff
  revenue and fixed deficits) and all multilateral resistances adjust until markets clear;
* ``method="gegravity"``: the convention of USITC ``gegravity`` 0.3 (Herman 2021), whose "full GE"
  keeps baseline output/expenditure shares in the resistance equations and sets
  ``p_i = Pi_i / Pi_i'`` (its eq. for factory-gate prices) — provided so results can be compared
  one-for-one with that package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from tariffscope.models.ge.solver import (
    Array,
    Convergence,
    GEInputError,
    solve_full_ge,
    solve_resistances,
)

CONSTANT = "constant"


def _to_polars(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    try:
        return pl.from_pandas(data)
    except Exception as exc:  # pragma: no cover - defensive
        raise GEInputError(f"panel must be a polars or pandas DataFrame (got {type(data).__name__})") from exc


@dataclass
class Experiment:
    """A counterfactual: new values of cost covariates and/or tariffs for some pairs.

    ``changes`` rows have ``exporter``, ``importer`` and any of the cost covariates or ``tariff``
    (decimal); unspecified pairs/columns keep their baseline values. ``cost_shift`` optionally adds
    a log change ``ln B_hat_ij`` directly (e.g. a partial effect ``beta`` as in ``ge_gravity``).
    """

    changes: pl.DataFrame
    name: str = "experiment"

    @classmethod
    def set_pairs(
        cls, pairs: Sequence[tuple[str, str]], values: Mapping[str, float], name: str = "experiment"
    ) -> Experiment:
        """Set ``values`` (column -> value) for each (exporter, importer) pair."""
        rows = [{"exporter": e, "importer": i, **values} for e, i in pairs]
        return cls(pl.DataFrame(rows), name=name)


@dataclass
class GEResult:
    """Tidy results: one row per country and one per pair, plus convergence reports."""

    countries: pl.DataFrame
    pairs: pl.DataFrame
    convergence: list[Convergence]
    method: str
    meta: dict[str, Any] = field(default_factory=dict)

    def gegravity_rows(self) -> list[dict[str, Any]]:
        """Rows with the field names of the published ``gegravity`` example."""
        cols = [
            "country",
            "gdp_change_pct",
            "factory_gate_price_change_pct",
            "welfare_statistic",
            "imr_change_pct",
            "omr_change_pct",
            "terms_of_trade_change_pct",
            "output_change_pct",
        ]
        return self.countries.select(cols).to_dicts()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "meta": self.meta,
            "convergence": [c.as_dict() for c in self.convergence],
            "countries": self.countries.to_dicts(),
            "pairs": self.pairs.to_dicts(),
        }


class StructuralGravity:
    """The model: countries, baseline trade costs, output, expenditure and baseline resistances.

    Parameters
    ----------
    panel:
        tidy data, one row per (exporter, importer[, year]) including domestic pairs, with the
        cost covariates; optionally ``output``/``expenditure`` columns (else row/column sums of
        ``trade``) and a ``tariff`` column (decimal ad-valorem tariff of the importer on the exporter).
    cost:
        ``{covariate: coefficient}`` so that ``t_ij^(1-sigma) = exp(sum beta_k x_ijk)``; the key
        ``"constant"`` needs no column.
    sigma:
        elasticity of substitution (> 1). The trade elasticity is ``1 - sigma``.
    reference:
        reference importer (its IMR is 1; the numeraire of the full GE unless ``numeraire`` says
        otherwise).
    """

    def __init__(
        self,
        panel: Any,
        cost: Mapping[str, float],
        sigma: float,
        reference: str,
        *,
        year: int | None = None,
        exporter: str = "exporter",
        importer: str = "importer",
        trade: str = "trade",
        output: str | None = None,
        expenditure: str | None = None,
        tariff: str | None = None,
        year_col: str = "year",
    ) -> None:
        if not sigma > 1:
            raise GEInputError(f"sigma must exceed 1 (got {sigma})")
        df = _to_polars(panel)
        if year is not None:
            if year_col not in df.columns:
                raise GEInputError(f"panel has no column {year_col!r} to select year {year}")
            df = df.filter(pl.col(year_col).cast(pl.Float64) == float(year))
            if df.height == 0:
                raise GEInputError(f"panel has no rows for {year_col} = {year}")
        for col in (exporter, importer, trade, *(k for k in cost if k != CONSTANT)):
            if col not in df.columns:
                raise GEInputError(f"panel has no column {col!r} (columns: {', '.join(df.columns)})")
        df = df.rename({exporter: "exporter", importer: "importer"})
        countries = sorted(set(df["exporter"].to_list()) | set(df["importer"].to_list()))
        n = len(countries)
        if reference not in countries:
            raise GEInputError(f"reference importer {reference!r} is not in the panel")
        if df.height != n * n or df.select(pl.struct("exporter", "importer").n_unique()).item() != n * n:
            dup = df.group_by("exporter", "importer").len().filter(pl.col("len") > 1)
            detail = f"; duplicated pair {dup.row(0)[:2]}" if dup.height else ""
            raise GEInputError(
                f"panel must hold every exporter-importer pair once (incl. domestic): {df.height} rows for "
                f"{n} countries, expected {n * n}{detail}"
            )
        self.countries = countries
        self.index = {c: k for k, c in enumerate(countries)}
        self.sigma = float(sigma)
        self.reference = reference
        self.ref = self.index[reference]
        self.cost = dict(cost)
        self._ei = np.array([self.index[c] for c in df["exporter"].to_list()])
        self._ii = np.array([self.index[c] for c in df["importer"].to_list()])
        self.panel = df
        self.trade = self._matrix(df[trade].cast(pl.Float64).to_numpy())
        if np.any(self.trade < 0) or not np.all(np.isfinite(self.trade)):
            bad = df.filter(~(pl.col(trade).cast(pl.Float64) >= 0)).row(0, named=True)
            raise GEInputError(
                f"column {trade!r}: negative or missing value for {bad['exporter']}->{bad['importer']}"
            )
        Y = self._country_value(df, "exporter", output) if output is not None else self.trade.sum(axis=1)
        if expenditure is not None:
            E = self._country_value(df, "importer", expenditure)
        else:
            E = self.trade.sum(axis=0)
        if np.any(Y <= 0) or np.any(E <= 0):
            raise GEInputError("every country needs positive output and expenditure")
        self.Y = Y
        self.E = E
        self.tariff = (
            self._matrix(df[tariff].cast(pl.Float64).fill_null(0.0).to_numpy())
            if tariff is not None
            else np.zeros((n, n))
        )
        self.tariff_col = tariff
        self.T = self.cost_matrix(df)
        self._baseline: tuple[Array, Array, Convergence] | None = None

    # ----------------------------------------------------------------- helpers
    def _matrix(self, values: Array) -> Array:
        n = len(self.countries)
        m = np.zeros((n, n))
        m[self._ei, self._ii] = values
        return m

    def _country_value(self, df: pl.DataFrame, side: str, col: str) -> Array:
        if col not in df.columns:
            raise GEInputError(f"panel has no column {col!r}")
        g = df.group_by(side).agg(pl.col(col).cast(pl.Float64).mean().alias("v"))
        out = np.full(len(self.countries), np.nan)
        out[[self.index[c] for c in g[side].to_list()]] = g["v"].to_numpy()
        if not np.all(np.isfinite(out)):
            missing = [c for c, v in zip(self.countries, out, strict=True) if not np.isfinite(v)]
            raise GEInputError(f"column {col!r}: no value for {', '.join(missing[:5])}")
        return out

    def cost_matrix(self, df: pl.DataFrame) -> Array:
        """``t_ij^(1-sigma) = exp(X beta)`` as an ``N x N`` matrix (rows exporters)."""
        lin = np.zeros(df.height)
        for var, beta in self.cost.items():
            if var == CONSTANT:
                lin += beta
            else:
                col = df[var].cast(pl.Float64).to_numpy()
                if not np.all(np.isfinite(col)):
                    raise GEInputError(f"cost covariate {var!r} has missing values")
                lin += beta * col
        return self._matrix(np.exp(lin))

    # ---------------------------------------------------------------- baseline
    def baseline(self) -> tuple[Array, Array, Convergence]:
        """Baseline ``P^(1-sigma)`` and ``Pi^(1-sigma)`` (Yotov et al. 2016 eqs. 2-3, 2-4; ``P_ref = 1``)."""
        if self._baseline is None:
            self._baseline = self._resistances(self.T * self._tariff_factor(self.tariff), "baseline")
        return self._baseline

    def _tariff_factor(self, tau: Array) -> Array:
        return (1.0 + tau) ** (1.0 - self.sigma)

    def _resistances(self, T: Array, label: str) -> tuple[Array, Array, Convergence]:
        y = self.Y / self.Y.sum()
        e = self.E / self.E.sum()
        return solve_resistances(
            T * y[:, None], T * e[None, :], self.ref, system=f"{label} multilateral resistances"
        )

    def baseline_flows(self) -> Array:
        """Model-implied baseline flows ``X_ij = E_j (Y_i/Y) t_ij^(1-sigma) / (P_j^(1-sigma) Pi_i^(1-sigma))``."""
        a, b, _ = self.baseline()
        y = self.Y / self.Y.sum()
        return (
            self.T
            * self._tariff_factor(self.tariff)
            * y[:, None]
            * self.E[None, :]
            / (b[:, None] * a[None, :])
        )

    # -------------------------------------------------------------- experiment
    def apply(self, experiment: Experiment) -> tuple[Array, Array]:
        """Counterfactual ``t'^(1-sigma)`` and tariffs for an experiment."""
        ch = _to_polars(experiment.changes)
        for col in ("exporter", "importer"):
            if col not in ch.columns:
                raise GEInputError(f"experiment {experiment.name!r}: changes need an {col!r} column")
        unknown = sorted(
            (set(ch["exporter"].to_list()) | set(ch["importer"].to_list())) - set(self.countries)
        )
        if unknown:
            raise GEInputError(
                f"experiment {experiment.name!r}: countries not in the model: {', '.join(unknown)}"
            )
        cols = [c for c in ch.columns if c not in ("exporter", "importer")]
        allowed = {k for k in self.cost if k != CONSTANT} | {"tariff", "cost_shift"}
        bad = [c for c in cols if c not in allowed]
        if bad:
            raise GEInputError(
                f"experiment {experiment.name!r}: column(s) {', '.join(bad)} are neither cost covariates "
                f"({', '.join(sorted(allowed))}) nor 'tariff'/'cost_shift'"
            )
        base_cols = [c for c in cols if c in self.cost]
        new = self.panel
        if base_cols:
            upd = ch.select(["exporter", "importer", *base_cols])
            new = new.join(upd, on=["exporter", "importer"], how="left", suffix="__new")
            new = new.with_columns(
                [pl.coalesce(pl.col(f"{c}__new"), pl.col(c)).alias(c) for c in base_cols]
            ).drop([f"{c}__new" for c in base_cols])
        # keep row order aligned with self._ei/_ii
        new = self.panel.select("exporter", "importer").join(new, on=["exporter", "importer"], how="left")
        T1 = self.cost_matrix(new)
        if "cost_shift" in cols:
            shift = np.zeros_like(T1)
            sub = ch.filter(pl.col("cost_shift").is_not_null())
            ei = np.array([self.index[c] for c in sub["exporter"].to_list()], dtype=int)
            ii = np.array([self.index[c] for c in sub["importer"].to_list()], dtype=int)
            shift[ei, ii] = sub["cost_shift"].cast(pl.Float64).to_numpy()
            T1 = T1 * np.exp(shift)
        tau1 = self.tariff.copy()
        if "tariff" in cols:
            sub = ch.filter(pl.col("tariff").is_not_null())
            ei = np.array([self.index[c] for c in sub["exporter"].to_list()], dtype=int)
            ii = np.array([self.index[c] for c in sub["importer"].to_list()], dtype=int)
            tau1[ei, ii] = sub["tariff"].cast(pl.Float64).to_numpy()
            if np.any(tau1 <= -1):
                raise GEInputError(f"experiment {experiment.name!r}: tariffs must exceed -100%")
        return T1, tau1

    # ------------------------------------------------------------------- solve
    def solve(
        self,
        experiment: Experiment,
        *,
        method: str = "full",
        closure: str = "additive",
        numeraire: str | None = "reference",
        tariff_revenue: bool = True,
        baseline_flows: str = "model",
    ) -> GEResult:
        """Solve the counterfactual; see the module docstring for ``method``.

        ``numeraire``: ``"reference"`` (reference importer's price index = 1), ``"world"`` (world
        output constant) or a country code. ``baseline_flows``: ``"model"`` (flows implied by the
        cost specification and resistances, as in Yotov et al. 2016 and ``gegravity``) or
        ``"observed"`` (the panel's trade, as in Baier-Yotov-Zylkin ``ge_gravity``).
        """
        T1, tau1 = self.apply(experiment)
        if baseline_flows == "model":
            X0 = self.baseline_flows()
            reports = [self.baseline()[2]]
        elif baseline_flows == "observed":
            # observed trade is valued at producer (fob) prices; buyers also pay the tariff
            X0 = self.trade * (1.0 + self.tariff) if tariff_revenue else self.trade
            reports = []
        else:
            raise GEInputError(f"baseline_flows must be 'model' or 'observed' (got {baseline_flows!r})")
        s1 = 1.0 - self.sigma
        # change in the whole cost term t^(1-sigma) (1+tariff)^(1-sigma)
        Bt = (T1 / self.T) * ((1.0 + tau1) / (1.0 + self.tariff)) ** s1
        # conditional GE in changes (output and expenditure fixed): a_hat = P_hat^(1-sigma), b_hat = Pi_hat^(1-sigma)
        E0 = X0.sum(axis=0)
        Y0 = X0.sum(axis=1)
        pi = X0 / E0[None, :]
        phi = X0 / Y0[:, None]
        ac, bc, repc = solve_resistances(
            pi * Bt, phi * Bt, self.ref, system="conditional multilateral resistances"
        )
        reports.append(repc)
        # conditional-GE flows (output and expenditure fixed), buyer prices
        Zc = X0 * Bt / (bc[:, None] * ac[None, :])
        P_c = ac ** (1.0 / s1)
        Pi_c = bc ** (1.0 / s1)
        n = len(self.countries)
        if method == "gegravity":
            p = 1.0 / Pi_c
            P_hat, Pi_hat = P_c, Pi_c
            Y_hat = p
            E_hat = p
            y_hat = p * Y0.sum() / (p * Y0).sum()
            X1 = X0 * Bt * E_hat[None, :] * y_hat[:, None] / (bc[:, None] * ac[None, :])
            R0 = np.zeros(n)
            R1 = R0
            welfare = E_hat / P_hat
            Xc = Zc
        elif method == "full":
            num = self._numeraire_index(numeraire)
            # producer-price flows (model and observed flows are buyer values incl. tariffs)
            Xp = X0 / (1.0 + self.tariff) if tariff_revenue else X0
            sol = solve_full_ge(
                Xp,
                self.sigma,
                B_hat=T1 / self.T,
                tau0=self.tariff,
                tau1=tau1,
                closure=closure,
                numeraire=num,
                tariff_revenue=tariff_revenue,
            )
            reports.append(sol.report)
            p = sol.w_hat
            P_hat = sol.P_hat
            E_hat = sol.E_new / sol.E_old
            Y_hat = p
            e_hat = E_hat * sol.E_old.sum() / sol.E_new.sum()
            Zphi = sol.Z_old / sol.Z_old.sum(axis=1, keepdims=True)
            Pi_hat = ((Zphi * Bt * (e_hat / P_hat**s1)[None, :]).sum(axis=1)) ** (1.0 / s1)
            X0 = sol.X_old
            X1 = sol.X_new
            R0, R1 = sol.R_old, sol.R_new
            welfare = E_hat / P_hat
            Xc = Zc / (1.0 + tau1) if tariff_revenue else Zc
        else:
            raise GEInputError(f"method must be 'full' or 'gegravity' (got {method!r})")
        return self._tidy(
            method, p, P_hat, Pi_hat, Y_hat, E_hat, welfare, P_c, Pi_c, X0, X1, Xc, R0, R1, reports
        )

    def _numeraire_index(self, numeraire: str | None) -> int | None:
        if numeraire in (None, "world"):
            return None
        if numeraire == "reference":
            return self.ref
        if numeraire not in self.index:
            raise GEInputError(
                f"numeraire {numeraire!r} is neither 'reference', 'world' nor a country in the model"
            )
        return self.index[numeraire]

    def _tidy(
        self,
        method: str,
        p: Array,
        P_hat: Array,
        Pi_hat: Array,
        Y_hat: Array,
        E_hat: Array,
        welfare: Array,
        P_c: Array,
        Pi_c: Array,
        X0: Array,
        X1: Array,
        Xc: Array,
        R0: Array,
        R1: Array,
        reports: list[Convergence],
    ) -> GEResult:
        n = len(self.countries)
        off = ~np.eye(n, dtype=bool)
        fx0 = (X0 * off).sum(axis=1)
        fx1 = (X1 * off).sum(axis=1)
        fm0 = (X0 * off).sum(axis=0)
        fm1 = (X1 * off).sum(axis=0)
        fxc = (Xc * off).sum(axis=1)
        d0 = np.diag(X0)
        d1 = np.diag(X1)

        def pct(h: Array) -> Array:
            return 100.0 * (h - 1.0)

        countries = pl.DataFrame(
            {
                "country": self.countries,
                "factory_gate_price_change_pct": pct(p),
                "imr_change_pct": pct(P_hat),
                "omr_change_pct": pct(Pi_hat),
                "gdp_change_pct": pct(Y_hat / P_hat),
                "welfare_change_pct": pct(welfare),
                # gegravity's statistic: (E/P)/(E'/P'), below 1 is a gain (Larch & Yotov 2016 eq. 25)
                "welfare_statistic": 1.0 / welfare,
                "terms_of_trade_change_pct": pct(p / P_hat),
                "output_change_pct": pct(Y_hat),
                "expenditure_change_pct": pct(E_hat),
                "conditional_imr_change_pct": pct(P_c),
                "conditional_omr_change_pct": pct(Pi_c),
                "conditional_foreign_exports_change_pct": pct(fxc / fx0),
                "foreign_exports_change_pct": pct(fx1 / fx0),
                "foreign_imports_change_pct": pct(fm1 / fm0),
                "intranational_trade_change_pct": pct(d1 / d0),
                "tariff_revenue_baseline": R0,
                "tariff_revenue_counterfactual": R1,
            }
        )
        ei, ii = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        names = np.array(self.countries)
        pairs = pl.DataFrame(
            {
                "exporter": names[ei.ravel()],
                "importer": names[ii.ravel()],
                "baseline_trade": X0.ravel(),
                "counterfactual_trade": X1.ravel(),
                "conditional_trade": Xc.ravel(),
                "trade_change_pct": pct(X1.ravel() / X0.ravel()),
            }
        )
        return GEResult(
            countries=countries,
            pairs=pairs,
            convergence=reports,
            method=method,
            meta={"sigma": self.sigma, "reference": self.reference, "countries": n},
        )
