"""Fetch and parse the USITC Harmonized Tariff Schedule JSON export.

The USITC publishes each HTS revision as a JSON array of records with the fields
``htsno, indent, description, superior, units, general, special, other, footnotes,
quotaQuantity, additionalDuties``. :func:`parse_usitc_json` is the one parser of that format;
the build script (``scripts/build_schedule.py``) and :func:`pull_hts` both use it.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pyarrow as pa

from tariffscope.errors import DataError
from tariffscope.net import UNREACHABLE, unreachable

try:  # orjson is optional: it only makes the parse faster
    import orjson

    def _loads(data: bytes) -> Any:
        return orjson.loads(data)

except ImportError:  # pragma: no cover - exercised only without orjson

    def _loads(data: bytes) -> Any:
        return json.loads(data)


#: URL of one archived HTS revision's JSON export. ``{year}`` is the edition year and
#: ``{edition}`` the USITC file stem (``basic`` or ``revision_<n>``). The USITC's archive has
#: used several file-name conventions over the years; pass ``url_template`` to
#: :func:`pull_hts` to use another one (e.g. a mirror).
HTS_JSON_URL = "https://www.usitc.gov/sites/default/files/tata/hts/hts_{year}_{edition}_json.json"

#: The current release's full export (the ``release`` parameter is ignored by this endpoint, so
#: it is used only for ``revisions=["current"]``).
HTS_CURRENT_URL = "https://hts.usitc.gov/reststop/exportList?from=0100&to=9999&format=JSON&styles=false"

RAW_SCHEMA: dict[str, Any] = {
    "row": pl.Int32,
    "htsno": pl.Utf8,
    "indent": pl.Int16,
    "description": pl.Utf8,
    "superior": pl.Boolean,
    "units": pl.List(pl.Utf8),
    "general": pl.Utf8,
    "special": pl.Utf8,
    "other": pl.Utf8,
    "footnotes": pl.List(pl.Utf8),
    "quota_quantity": pl.Utf8,
    "additional_duties": pl.Utf8,
}

_REQUIRED = ("htsno", "indent", "description")


def _text(v: Any) -> str:
    if not v:
        return ""
    return v.strip() if isinstance(v, str) else str(v).strip()


def parse_usitc_json(source: str | Path | bytes, name: str | None = None) -> pl.DataFrame:
    """Parse a USITC HTS JSON export (plain or gzip, a path or bytes) into a table.

    One row per record, in file order (``row``), with ``indent`` as an integer, ``units`` and
    ``footnotes`` (the footnote texts) as lists, and empty strings for missing rate texts.
    Raises :class:`~tariffscope.errors.DataError` naming the file, record and field when the
    content is not an HTS export.
    """
    if isinstance(source, bytes):
        data, label = source, name or "<bytes>"
    else:
        p = Path(source)
        data, label = p.read_bytes(), name or p.name
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DataError(f"{label}: truncated or corrupt gzip data ({exc})") from exc
    try:
        records = _loads(data)
    except ValueError as exc:
        raise DataError(f"{label}: not valid JSON ({exc}); a truncated download?") from exc
    if not isinstance(records, list) or not records:
        raise DataError(f"{label}: expected a non-empty JSON array of HTS records")
    cols: dict[str, list[Any]] = {k: [] for k in RAW_SCHEMA}
    c_htsno, c_indent, c_desc = cols["htsno"], cols["indent"], cols["description"]
    c_sup, c_units, c_gen, c_spec, c_oth = (
        cols["superior"],
        cols["units"],
        cols["general"],
        cols["special"],
        cols["other"],
    )
    c_fn, c_quota, c_add = cols["footnotes"], cols["quota_quantity"], cols["additional_duties"]
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise DataError(f"{label}: record {i} is not an object")
        for f in _REQUIRED:
            if f not in r:
                raise DataError(f"{label}: record {i} has no field {f!r}")
        try:
            indent = int(r["indent"] or 0)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{label}: record {i} field 'indent' is {r['indent']!r}, not an integer") from exc
        get = r.get
        fns = get("footnotes")
        units = get("units")
        c_htsno.append(_text(get("htsno")))
        c_indent.append(indent)
        c_desc.append(_text(get("description")))
        c_sup.append(str(get("superior")).lower() == "true")
        c_units.append([_text(u) for u in units if u] if units else [])
        c_gen.append(_text(get("general")))
        c_spec.append(_text(get("special")))
        c_oth.append(_text(get("other")))
        c_fn.append(
            [_text(f.get("value")) for f in fns if isinstance(f, dict) and f.get("value")] if fns else []
        )
        c_quota.append(_text(get("quotaQuantity")))
        c_add.append(_text(get("additionalDuties") or get("addiitionalDuties")))
    cols["row"] = list(range(len(records)))
    return frame_from_columns(cols, RAW_SCHEMA)


def frame_from_columns(cols: dict[str, list[Any]], schema: dict[str, Any]) -> pl.DataFrame:
    """Build a polars frame from Python lists quickly (via Arrow; list columns are slow otherwise)."""
    arrays = {}
    for k, dt in schema.items():
        if dt == pl.List(pl.Utf8):
            arrays[k] = pa.array(cols[k], type=pa.list_(pa.string()))
        else:
            arrays[k] = pa.array(cols[k])
    df = pl.from_arrow(pa.table(arrays))
    assert isinstance(df, pl.DataFrame)
    return df.cast(schema)  # type: ignore[arg-type]


def revision_url(revision: str, url_template: str = HTS_JSON_URL) -> str:
    """URL of a revision id (``2025_basic``, ``2026_rev_3``, ``current``; ``rev_3`` = ``2025_rev_3``)."""
    if revision == "current":
        return HTS_CURRENT_URL
    if revision == "basic" or revision.startswith("rev_"):
        revision = f"2025_{revision}"  # the unprefixed 2025 names of revision_dates.csv
    try:
        year, rest = revision.split("_", 1)
        int(year)
    except ValueError as exc:
        raise ValueError(f"revision id {revision!r} is not like '2025_basic' or '2026_rev_3'") from exc
    edition = "basic" if rest == "basic" else rest.replace("rev_", "revision_")
    return url_template.format(year=year, edition=edition, revision=revision)


ProgressCallback = Callable[[str, int, int | None], None]


def pull_hts(
    dest_dir: str | Path,
    revisions: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    *,
    url_template: str = HTS_JSON_URL,
    retries: int = 3,
    backoff_s: float = 2.0,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Download HTS JSON revisions into ``dest_dir`` as ``hts_<revision>.json.gz``.

    ``revisions`` are ids like ``2026_rev_3`` (default: ``["current"]``). Each download is parsed
    with :func:`parse_usitc_json` before it is written (a truncated or wrong file is an error,
    never stored). Transient failures (network errors, HTTP 429/5xx) are retried ``retries``
    times with exponential backoff. ``progress(revision, bytes_so_far, total_or_None)`` is
    called while downloading. Existing files are kept unless ``overwrite``.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    revs: Iterable[str] = revisions or ["current"]
    own = client is None
    cl = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True)
    out: list[Path] = []
    try:
        for rev in revs:
            target = dest / f"hts_{rev}.json.gz"
            if target.exists() and not overwrite:
                out.append(target)
                continue
            url = revision_url(rev, url_template)
            data = _download(cl, url, rev, retries, backoff_s, progress)
            parse_usitc_json(data, name=url)  # validate before storing
            tmp = target.with_suffix(".part")
            tmp.write_bytes(data if data[:2] == b"\x1f\x8b" else gzip.compress(data, mtime=0))
            tmp.replace(target)
            out.append(target)
    finally:
        if own:
            cl.close()
    return out


def _download(
    client: httpx.Client,
    url: str,
    rev: str,
    retries: int,
    backoff_s: float,
    progress: ProgressCallback | None,
) -> bytes:
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            with client.stream("GET", url) as resp:
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise httpx.HTTPStatusError(
                        f"HTTP {resp.status_code}", request=resp.request, response=resp
                    )
                if resp.status_code != 200:
                    raise DataError(f"{url}: HTTP {resp.status_code} for revision {rev}")
                total = int(resp.headers["content-length"]) if "content-length" in resp.headers else None
                chunks: list[bytes] = []
                got = 0
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    got += len(chunk)
                    if progress is not None:
                        progress(rev, got, total)
                return b"".join(chunks)
        except UNREACHABLE as exc:  # no network: retrying for a minute will not help
            raise unreachable(f"HTS revision {rev}", url, exc) from None
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            last = exc
            if attempt < retries:
                time.sleep(backoff_s * (2**attempt))
    raise DataError(f"{url}: download of revision {rev} failed after {retries + 1} attempts ({last})")
