"""The flat API: ``import tariffscope as ts``, then one verb per question, each returning a result object.

Every verb calls the same library function as the matching CLI command and returns a
:class:`tariffscope.results.Result` (``to_polars()``, ``to_dict()``, ``summary()``); ``rate_batch`` returns
the CLI batch's table. Rates are decimals (0.275 is 27.5%); dates are ``datetime.date`` or
``"YYYY-MM-DD"``; countries ISO2, ISO3 or Census codes. Bad input raises
:class:`tariffscope.errors.TariffscopeError` whose ``field`` names the argument at fault.

>>> import tariffscope as ts
>>> r = ts.rate("8703.23.01.60", origin="JP", date="2025-05-02", value=30_000)
>>> r.total_rate, r.duty_usd
(0.275, 8250.0)
>>> [(c.heading, c.rate) for c in r.applied]
[(None, 0.025), ('9903.94.01', 0.25)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from tariffscope.errors import TariffscopeError

if TYPE_CHECKING:
    from tariffscope.results import (
        EtrResult,
        ExposureResult,
        GeRun,
        PackageRun,
        PanelResult,
        RateResult,
        ScenarioRun,
    )

DateLike = dt.date | str
View = Literal["statutory", "adjusted"]


def _date(d: DateLike | None, name: str) -> dt.date | None:
    """A date argument as a date (None stays None); a bad one names the argument."""
    if isinstance(d, dt.datetime):
        return d.date()
    if d is None or isinstance(d, dt.date):
        return d
    try:
        return dt.date.fromisoformat(str(d).strip())
    except ValueError:
        raise TariffscopeError(f"{name}: {str(d)[:40]!r} is not a date YYYY-MM-DD", field=name) from None


def _need_date(d: DateLike | None, name: str) -> dt.date:
    out = _date(d, name)
    if out is None:
        raise TariffscopeError(f"{name}: a date YYYY-MM-DD is required", field=name)
    return out


def _choice(v: str, options: tuple[str, ...], name: str) -> str:
    if v not in options:
        raise TariffscopeError(f"{name}: {v!r}; use {' or '.join(options)}", field=name)
    return v


def _partner(code: str, name: str = "partner") -> str:
    """ISO2 for any accepted country code (``ALL`` stays ``ALL``); an unknown one names the argument."""
    from tariffscope.analytics.common import partner_code

    try:
        return partner_code(code)
    except TariffscopeError as exc:
        exc.field = name
        raise


def _weights(weights: pl.DataFrame | None, db: Path | str | None, year: int) -> pl.DataFrame:
    """The import weights given, else those of the trade store ``db`` (default the user's) for ``year``."""
    if weights is not None:
        return weights
    from tariffscope.trade.weights import load_weights

    return load_weights(db, year)


# --- duties of entry lines ----------------------------------------------------------------------------


def rate(
    hts: str,
    *,
    origin: str,
    date: DateLike,
    value: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    metal_share: float | None = None,
    steel_share: float | None = None,
    aluminum_share: float | None = None,
    copper_share: float | None = None,
    us_content: float | None = None,
    claim: str | None = None,
    loading_date: DateLike | None = None,
    as_of: DateLike | None = None,
    importer: str = "US",
) -> RateResult:
    """The duty on one entry line, each measure with its heading and citation (``tariffscope rate``).

    ``importer`` names whose tariff applies: ``US`` (default) or ``JP`` (Japan's catalogue: HS6 codes,
    values and specific duties in yen, ``claim="japan_us"`` for the Japan-US Trade Agreement rate).

    Facts the line does not show are claims with documented defaults: ``metal_share`` (steel and
    aluminium share of value, Section 232 derivatives), ``copper_share``, ``us_content`` (IEEPA
    reciprocal, EO 14257 sec. 3(b)), ``claim="usmca"`` (general note 11), ``loading_date``
    (in-transit rules). ``as_of`` answers with the law as known on that date. ``claim_hints`` lists the
    claims not declared that would change the duty, each with the total if declared and what to prove.

    >>> import tariffscope as ts
    >>> r = ts.rate("8703.23.01.60", origin="JP", date="2025-05-02")
    >>> r.total_rate
    0.275
    >>> print(r.summary())  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    8703.23.01.60 from JP entered 2025-05-02
      (base)         2.5%  us.mfn  [HTSUS general notes 1-3 ...]
      9903.94.01      25%  us.s232.autos/vehicles  [proc-10908 cl. 2; hts-note-33 (a)]
    total 27.5%
    >>> ts.rate("8703.23.01.60", origin="XX", date="2025-05-02")
    Traceback (most recent call last):
    tariffscope.errors.UnknownCountry: origin: unknown country code XX; did you mean XK (Kosovo)?
    >>> ts.rate("0202.30", origin="US", date="2025-01-15", importer="JP", claim="japan_us").total_rate
    0.225
    """
    from tariffscope.resolver.api import resolve_one
    from tariffscope.results import RateResult

    record = resolve_one(
        hts,
        origin,
        _need_date(date, "date"),
        value=value,
        quantity=quantity,
        unit=unit,
        metal_share=metal_share,
        steel_share=steel_share,
        aluminum_share=aluminum_share,
        copper_share=copper_share,
        us_content=us_content,
        claim=claim,
        loading_date=_date(loading_date, "loading_date"),
        as_of=_date(as_of, "as_of"),
        importer=importer,
    )
    return RateResult.from_record(record)


def batch_columns() -> list[str]:
    """The result columns of a batch, after the input's own: total, one per authority, duty, the landed
    cost columns (when the input asks for them), the base rate's status and the line's status."""
    from tariffscope.resolver.executor import batch_columns as columns

    return columns()


def rate_batch(lines: pl.DataFrame | str | Path, *, as_of: DateLike | None = None) -> pl.DataFrame:
    """Price every entry line of a table or CSV file, as ``tariffscope rate --batch FILE`` does.

    Columns in: ``hts10, origin, date`` [, ``value, quantity, unit, metal_share, copper_share,
    us_content, claim, loading_date``]. Out: the input columns as given, then ``total_rate``, one
    ``rate_<authority>`` column per authority, ``duty_usd`` and ``status`` (``ok`` or ``error: <field>:
    <why>``). Bad lines do not stop the batch: filter ``status != "ok"`` to see them.

    >>> import polars as pl, tariffscope as ts
    >>> lines = pl.DataFrame({"hts10": ["8703.23.01.60", "9999.99.99.99"], "origin": ["JP", "JP"],
    ...                       "date": ["2025-05-02", "2025-05-02"], "value": ["30000", "10"]})
    >>> out = ts.rate_batch(lines)
    >>> out.select("hts10", "total_rate", "duty_usd").row(0)
    ('8703.23.01.60', 0.275, 8250.0)
    >>> out["status"][1]
    'error: hts10: 9999.99.99.99 is not a line of the HTS in force on 2025-05-02'
    """
    from tariffscope.resolver.executor import price_rows
    from tariffscope.resolver.inputs import BatchFileError, read_batch_csv

    if isinstance(lines, str | Path):
        path = Path(lines)
        try:
            rows = read_batch_csv(path)
        except (BatchFileError, OSError) as exc:
            raise TariffscopeError(f"{path}: cannot read the batch file: {exc}", field="lines") from None
        where = f"{path}: "
    else:
        rows, where = lines, ""
    try:
        # the executor's table: the input's own spelling of code, origin and date, then batch_columns()
        return price_rows(rows, as_of=_date(as_of, "as_of")).table
    except ValueError as exc:
        raise TariffscopeError(f"{where}{exc}", field="lines") from None


def panel(date: DateLike, *, as_of: DateLike | None = None) -> PanelResult:
    """Statutory rates of every HTS10 line in force on ``date`` x every country (``tariffscope panel``).

    No preference is claimed and default metal shares apply: the statutory view.
    """
    from tariffscope.resolver.panel import panel_on
    from tariffscope.results import PanelResult

    on, known = _need_date(date, "date"), _date(as_of, "as_of")
    return PanelResult(on, known, panel_on(on, as_of=known))


# --- analytics ------------------------------------------------------------------------------------------


def etr(
    start: DateLike = "2025-01-01",
    end: DateLike = "2026-06-30",
    *,
    partners: Sequence[str] | None = None,
    by: Literal["partner", "authority", "sector"] = "partner",
    view: View = "adjusted",
    as_of: DateLike | None = None,
    daily: bool = True,
    weights: pl.DataFrame | None = None,
    db: Path | str | None = None,
    year: int = 2024,
) -> EtrResult:
    """Effective tariff rate per day: duty over all imports, by partner (``tariffscope etr``).

    Weights: ``weights`` if given, else the import weights of the trade store ``db`` for ``year``
    (default: the user's store, else the shipped 2024 table). With ``partners=None`` every partner is
    a row and so is ``ALL``. ``by="authority"`` adds one ``etr_<authority>`` column each (they add up
    to ``etr``); ``by="sector"`` one row per partner and GTAP sector.

    >>> import tariffscope as ts
    >>> e = ts.etr("2025-09-16", "2025-09-16", partners=["JPN"], by="authority")
    >>> e.to_polars().select("date", "partner", "view").row(0)
    (datetime.date(2025, 9, 16), 'JP', 'adjusted')
    """
    from tariffscope.analytics.etr import etr_series
    from tariffscope.results import EtrResult

    _choice(by, ("partner", "authority", "sector"), "by")
    _choice(view, ("statutory", "adjusted"), "view")
    ps = [_partner(p, "partners") for p in partners] if partners else None
    w = _weights(weights, db, year)
    if by == "sector" and "gtap" in w.columns and "sector" not in w.columns:
        w = w.rename({"gtap": "sector"})
    try:
        table = etr_series(
            w,
            _need_date(start, "start"),
            _need_date(end, "end"),
            partners=ps,
            by="sector" if by == "sector" else "partner",
            view=view,
            as_of=_date(as_of, "as_of"),
            daily=daily,
        )
    except ValueError as exc:  # no weights for the partners asked
        raise TariffscopeError(str(exc), field="partners" if partners else "weights") from None
    return EtrResult(table)


def exposure(
    partner: str,
    *,
    date: DateLike,
    sector: str | None = None,
    view: View = "adjusted",
    as_of: DateLike | None = None,
    top: int = 10,
    weights: pl.DataFrame | None = None,
    db: Path | str | None = None,
    year: int = 2024,
) -> ExposureResult:
    """A partner's imports, ETR, duty per year and per hour by sector and authority, top products
    (``tariffscope exposure``). ``sector``: a GTAP-45 code (``mvh``) or HS chapters (``84-85``).

    >>> import tariffscope as ts
    >>> x = ts.exposure("JP", date="2025-09-16", sector="mvh", top=3)
    >>> x.to_polars("top_products").height, x.to_dict()["sector"]
    (3, 'mvh (Motor vehicles and parts)')"""
    from tariffscope.analytics.common import SectorError, parse_sector
    from tariffscope.analytics.exposure import exposure as run
    from tariffscope.results import ExposureResult

    _choice(view, ("statutory", "adjusted"), "view")
    p, on, known = _partner(partner), _need_date(date, "date"), _date(as_of, "as_of")
    try:
        sf = None if sector is None else parse_sector(sector)
    except SectorError as exc:
        exc.field = "sector"
        raise
    w = _weights(weights, db, year)
    return ExposureResult(run(p, on, sf, weights=w, view=view, as_of=known, top=top))


# --- scenarios and models -----------------------------------------------------------------------------


def scenario(
    name: str | Path,
    *,
    date: DateLike | None = None,
    against: str | Path = "current-law",
    partners: Sequence[str] | None = None,
    supply: Literal["infinite", "elastic"] = "elastic",
    horizon: str | float = "short",
    sigma: dict[str, float] | None = None,
    weights: pl.DataFrame | None = None,
    db: Path | str | None = None,
    top: int = 15,
) -> ScenarioRun:
    """Evaluate a scenario (a shipped name or a YAML file) against ``against`` (``tariffscope scenario run``).

    ETR, duties, exports, diversion, consumer cost, revenue and welfare (SMART partial equilibrium).
    ``sigma``: elasticities of substitution by HS prefix, e.g. ``{"8703": 5.0}``. ``partners``: the rows
    to report (default the scenario's partners of interest, then ``ALL``).

    Not run by the doctests (about 15 s: every HTS10 line x partner):

    >>> import tariffscope as ts
    >>> s = ts.scenario("pause-lapses", partners=["JP"])  # doctest: +SKIP
    >>> s.to_polars().select("partner", "etr_against", "etr")  # doctest: +SKIP
    """
    from tariffscope.results import ScenarioRun
    from tariffscope.scenarios.evaluate import evaluate

    _choice(supply, ("infinite", "elastic"), "supply")
    overrides: list[dict[str, object]] | None = None
    if sigma:
        overrides = []
        for prefix, val in sigma.items():
            p = str(prefix).replace(".", "")
            if not p.isdigit() or not val > 0:
                raise TariffscopeError(
                    f"sigma: {prefix}={val}: an HS prefix and a positive value", field="sigma"
                )
            overrides.append({"prefix": p, "sigma": float(val)})
    parts = [_partner(p, "partners") for p in partners] if partners else None
    w = None if weights is None and db is None else _weights(weights, db, 2024)
    res = evaluate(
        name,
        _date(date, "date"),
        against=against,
        weights=w,
        supply=supply,
        overrides=overrides,
        horizon=horizon,
    )
    return ScenarioRun(res, parts or [*res.scenario_obj.spec.partners, "ALL"], top)


def package(
    name: str | Path,
    *,
    date: DateLike | None = None,
    weights: pl.DataFrame | None = None,
    db: Path | str | None = None,
    export_supply: float | None = None,
) -> PackageRun:
    """Evaluate both sides of a negotiation package and both in one world market (``tariffscope scenario
    package``). ``export_supply`` overrides the package's GSIM export-supply elasticity.

    Not run by the doctests (about 15 s):

    >>> import tariffscope as ts
    >>> p = ts.package("japan-2025")  # doctest: +SKIP
    >>> p.to_polars("partner_by_product")  # doctest: +SKIP"""
    from tariffscope.results import PackageRun
    from tariffscope.scenarios.package import evaluate_package

    if export_supply is not None and not export_supply > 0:
        raise TariffscopeError("export_supply: must be > 0", field="export_supply")
    w = None if weights is None and db is None else _weights(weights, db, 2024)
    return PackageRun(
        evaluate_package(name, date=_date(date, "date"), weights=w, export_supply=export_supply)
    )


def ge(config: str | Path | None = None, *, example: str | None = None, scenario: str | None = None) -> GeRun:
    """Solve a general-equilibrium experiment (``tariffscope ge run``): give exactly one of a YAML
    ``config``, a bundled ``example`` name or a tariff ``scenario`` name (US tariffs by partner, against
    the baseline, in the WIOD 2014 structural-gravity model).

    >>> import tariffscope as ts
    >>> g = ts.ge(example="byz-eu-enlargement")
    >>> g.to_polars().height, g.to_polars().columns[0]
    (44, 'country')"""
    from tariffscope.models.ge.config import example_path, run_config
    from tariffscope.results import GeRun

    chosen = [x for x in (config, example, scenario) if x]
    if len(chosen) != 1:
        raise TariffscopeError("give exactly one of config, example or scenario", field="config")
    if scenario:
        from tariffscope.models.ge.us import us_tariff_counterfactual
        from tariffscope.scenarios.etr import etr_by_partner, scenario_date

        on = scenario_date(scenario)
        return GeRun(
            us_tariff_counterfactual(
                etr_by_partner("baseline", on), etr_by_partner(scenario, on), name=scenario
            )
        )
    return GeRun(run_config(example_path(example) if example else chosen[0]))
