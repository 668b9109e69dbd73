"""The package comparator: shipped negotiation packages side by side, each evaluated as ``ts.package`` does
(the CLI's ``scenario package``; the US side's elasticity band, which the rows do not show, is not solved)
and shown as rows by :func:`tariffscope.scenarios.lab.package_rows`."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import Query
from fastapi.responses import Response

from tariffscope.errors import TariffscopeError
from tariffscope.scenarios.lab import package_rows
from tariffscope.scenarios.overlay import package_path, parse_package, shipped_packages
from tariffscope.scenarios.package import evaluate_package
from tariffscope.scenarios.schema import PackageSpec
from tariffscope.web.routes.common import TABLE, api_router
from tariffscope.web.services.errors import InputError
from tariffscope.web.services.state import budgeted, memo, to_records

router = api_router()


def _shipped(name: str) -> PackageSpec:
    """A shipped package's spec (the name is checked against the shipped list: a request never names a file)."""
    shipped = shipped_packages()
    if name not in shipped:
        raise InputError(
            "ids", f"ids: {name[:80]!r} is not a shipped package ({', '.join(shipped) or 'none'})"
        )
    try:
        spec, path = parse_package(package_path(name))
    except TariffscopeError as exc:
        raise InputError("ids", f"ids: {exc}") from None
    if spec.partner_side is not None:
        data = (path.parent / spec.partner_side.data).resolve()
        if path.parent.resolve() not in data.parents:
            raise InputError("ids", f"ids: package {name}: its data file leaves the package folder")
    return spec


@memo(16)
def rows_of(name: str) -> list[dict[str, Any]]:
    """The comparator rows of a shipped package (memoised: the evaluation takes seconds). The rows use the
    central solves only, so the US side's elasticity band is not solved (``ts.package`` solves it)."""
    _shipped(name)
    try:
        return package_rows(evaluate_package(name, bands=False))
    except TariffscopeError as exc:
        raise InputError("ids", f"ids: package {name}: {exc}") from None


@router.get("/packages", tags=["scenarios"])
def packages() -> list[dict[str, Any]]:
    """The shipped tariff packages (both sides of a deal): id, title, partner."""
    out = []
    for name in shipped_packages():
        spec = _shipped(name)
        out.append(
            {
                "id": name,
                "title": spec.title,
                "partner": spec.partner,
                "us_scenario": spec.us_side.scenario,
                "partner_side": spec.partner_side is not None,
                "illustrative": spec.illustrative,
            }
        )
    return out


@router.get("/packages/compare", responses=TABLE, tags=["scenarios"])
@budgeted("compare fewer packages at once")
def compare_packages(
    ids: Annotated[str, Query(max_length=300, description="comma-separated shipped package ids")],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """Two or more packages side by side, one row per package and side (US market, partner market)."""
    names = [x.strip() for x in ids.split(",") if x.strip()]
    if len(names) < 2:
        raise InputError("ids", "ids: give two or more package ids")
    if len(names) > 6:
        raise InputError("ids", "ids: at most 6 packages at once")
    rows = [r for n in names for r in rows_of(n)]
    if format == "csv":
        return Response(
            pl.DataFrame(rows, infer_schema_length=None).write_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="packages.csv"'},
        )
    return {"rows": to_records(rows)}
