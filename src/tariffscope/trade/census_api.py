"""Download US imports by HTS10 × country × month from the Census international trade API.

Endpoint ``timeseries/intltrade/imports/hs`` with ``COMM_LVL=HS10`` and ``SUMMARY_LVL=DET``
(single countries, no groupings). Each month is one request; a month the API refuses as too large
is fetched country by country. Every page is saved under the cache folder before it is loaded, so
an interrupted pull resumes where it stopped; transient failures (read timeouts, dropped
connections, HTTP 429 and 5xx) are retried with exponential backoff. A server that cannot be reached
at all (no network, DNS failure, connection refused or timed out) fails at once with
:class:`~tariffscope.errors.NetworkUnreachable`. An API key (free from Census) raises the request limit.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tariffscope.countries import all_countries
from tariffscope.errors import DataError
from tariffscope.net import RETRY_STATUS, UNREACHABLE, unreachable
from tariffscope.trade.formats import load_census_json

CENSUS_IMPORTS_HS_URL = "https://api.census.gov/data/timeseries/intltrade/imports/hs"
GET_VARS = ("I_COMMODITY", "CTY_CODE", "CON_VAL_MO", "CON_QY1_MO", "UNIT_QY1")


@dataclass(frozen=True)
class Page:
    """One saved API response: ``path`` (a JSON file), the month and, if split, the country."""

    path: Path
    year: int
    month: int
    cty_code: str | None
    downloaded: bool  # False when the page was already in the cache
    retrieved_at: dt.datetime


def page_name(year: int, month: int, cty_code: str | None = None) -> str:
    suffix = f"_{cty_code}" if cty_code else ""
    return f"census_imports_hs10_{year}-{month:02d}{suffix}.json"


class CensusClient:
    """A small client for the imports endpoint (inject ``client`` for tests, e.g. ``httpx.MockTransport``)."""

    def __init__(
        self,
        key: str | None = None,
        *,
        client: httpx.Client | None = None,
        url: str = CENSUS_IMPORTS_HS_URL,
        retries: int = 4,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.url = url
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self._own = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(120.0, connect=10.0), follow_redirects=True
        )

    def close(self) -> None:
        if self._own:
            self.client.close()

    def __enter__(self) -> CensusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, year: int, month: int, cty_code: str | None = None) -> bytes | None:
        """One month (optionally one country). Returns the JSON bytes, or None when the API has no
        data (HTTP 204). Raises :class:`DataError` on a refused or failed request."""
        params: dict[str, str] = {
            "get": ",".join(GET_VARS),
            "COMM_LVL": "HS10",
            "SUMMARY_LVL": "DET",
            "time": f"{year}-{month:02d}",
        }
        if cty_code:
            params["CTY_CODE"] = cty_code
        if self.key:
            params["key"] = self.key
        what = f"Census API {year}-{month:02d}" + (f" country {cty_code}" if cty_code else "")
        last: str = ""
        for attempt in range(self.retries + 1):
            try:
                r = self.client.get(self.url, params=params)
            except UNREACHABLE as e:
                raise unreachable(what, self.url, e) from None
            except httpx.TransportError as e:
                last = f"{type(e).__name__}: {e}"
            else:
                if r.status_code == 204:
                    return None
                if r.status_code == 200:
                    return r.content
                last = f"HTTP {r.status_code}: {r.text[:200]}"
                if r.status_code not in RETRY_STATUS:
                    raise DataError(f"{what}: {last}")
            if attempt < self.retries:
                self.sleep(self.backoff_s * 2**attempt)
        raise DataError(f"{what}: failed after {self.retries + 1} attempts ({last})")


def _save(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _valid_cached(path: Path) -> bool:
    try:
        load_census_json(path)
    except (DataError, OSError):
        return False
    return True


def pull_month(
    api: CensusClient,
    cache_dir: Path,
    year: int,
    month: int,
    *,
    countries: Sequence[str] | None = None,
) -> list[Page]:
    """Fetch one month into ``cache_dir`` (skipping pages already saved), splitting by country if
    the whole month is refused (HTTP 400 as too large) or ``countries`` is given."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    pages: list[Page] = []

    def fetch(cty: str | None) -> None:
        target = cache_dir / page_name(year, month, cty)
        mtime = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if target.exists() and _valid_cached(target):
            stamp = dt.datetime.fromtimestamp(target.stat().st_mtime, dt.UTC).replace(tzinfo=None)
            pages.append(Page(target, year, month, cty, False, stamp))
            return
        data = api.get(year, month, cty)
        if data is None:
            return
        load_census_json(data, name=target.name)  # validate before saving: never cache a bad page
        _save(target, data)
        pages.append(Page(target, year, month, cty, True, mtime))

    if countries is None:
        whole = cache_dir / page_name(year, month)
        try:
            fetch(None)
            return pages
        except DataError as e:
            if "HTTP 400" not in str(e) or whole.exists():
                raise
        countries = [c.census_code for c in all_countries() if c.census_code and c.census_code != "1000"]
    for cty in countries:
        fetch(cty)
    return pages


def parse_months(spec: str | Iterable[int] | None) -> list[int]:
    """``"1-3,6"`` -> [1, 2, 3, 6]; None -> 1..12."""
    if spec is None:
        return list(range(1, 13))
    if not isinstance(spec, str):
        out = sorted({int(m) for m in spec})
    else:
        out_set: set[int] = set()
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            if "-" in part:
                a, b = part.split("-", 1)
                out_set.update(range(int(a), int(b) + 1))
            else:
                out_set.add(int(part))
        out = sorted(out_set)
    bad = [m for m in out if not 1 <= m <= 12]
    if bad:
        raise DataError(f"months must be 1-12, got {bad}")
    return out


def page_info(path: Path) -> dict[str, object]:
    """Records and size of a saved page (for progress reports)."""
    data = json.loads(path.read_bytes())
    return {"records": max(len(data) - 1, 0), "bytes": path.stat().st_size}
