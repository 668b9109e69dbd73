"""The workbench's pages and static assets: one HTML shell per page group, its JS per view under
``static/views/``, and plotly.js from the plotly Python package (no CDN: the workbench works offline)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(include_in_schema=False)


def plotly_js_path() -> Path:
    """The plotly.min.js shipped inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/security")
def security_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "security.html", media_type="text/html")


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js as bundled by the plotly Python package (the workbench needs no CDN)."""
    return FileResponse(
        plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/robots.txt")
def robots() -> PlainTextResponse:
    return PlainTextResponse("User-agent: *\nDisallow: /\n")
