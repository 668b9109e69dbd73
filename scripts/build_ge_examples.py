"""Build the compact data the bundled GE examples need (``tariffscope/models/ge/examples/data/``).

A user has only the package, so ``tariffscope ge run --example NAME`` must not need ``../shared``. This
script derives what each example reads from ``shared_data()/gravity`` (see ``SOURCES.md``):

* ``gegravity_sample.csv.gz``: the USITC gegravity sample (30 countries, 2006; MIT), every row.
* ``wiod_2000_2014.csv.gz``: the GEGravity WIOD panel (WIOD, attribution), only the years the
  ``byz-eu-enlargement`` example uses (the 2000 baseline and the 2014 enlargement covariate).
* ``cp2015/cp2015_nafta_*``: the Caliendo & Parro (2015) NAFTA tables of the R package cp2015 (MIT),
  every region and sector (the multi-sector model needs them all), re-encoded as canonical tables:
  rows sorted by their keys, the same values, written by this script (the loader indexes by name).

Gzip output is written with ``mtime=0`` so a rebuild from the same sources gives the same bytes.
Run: ``python scripts/build_ge_examples.py`` (writes the files and ``provenance.json``);
``--check`` exits 1 if the shipped files differ from a rebuild.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

import polars as pl

from tariffscope.paths import shared_data

OUT = Path(__file__).resolve().parents[1] / "src" / "tariffscope" / "models" / "ge" / "examples" / "data"
CP_TABLES = (
    "sets.json",
    "trade.csv",
    "intermediate_consumption.csv",
    "final_consumption.csv",
    "value_added.csv",
    "deficit.csv",
    "theta.csv",
)
WIOD_YEARS = (2000, 2014)
LICENCES = {
    "gegravity_sample_data_set.csv": "MIT (USITC gegravity examples)",
    "wiod_tradedata_2000_2014.csv": "WIOD data (Timmer et al. 2015), attribution; via R package GEGravity",
    "cp2015_nafta_*": "MIT (R package cp2015)",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _gz_csv(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_csv(buf)
    return gzip.compress(buf.getvalue(), compresslevel=9, mtime=0)


def build() -> dict[str, bytes]:
    """Every output file (path relative to ``OUT``) and its bytes, plus the sources' checksums."""
    src = shared_data() / "gravity"
    if not src.is_dir():
        raise SystemExit(f"{src}: shared gravity data not found (set TARIFFSCOPE_SHARED)")
    files: dict[str, bytes] = {}
    sample = src / "gegravity_sample_data_set.csv"
    files["gegravity_sample.csv.gz"] = _gz_csv(pl.read_csv(sample, infer_schema_length=10000))
    wiod = src / "wiod_tradedata_2000_2014.csv"
    panel = pl.read_csv(wiod, infer_schema_length=10000)
    files["wiod_2000_2014.csv.gz"] = _gz_csv(
        panel.filter(pl.col("year").is_in([float(y) for y in WIOD_YEARS]))
    )
    for t in CP_TABLES:
        name = f"cp2015_nafta_{t}.gz"
        if t.endswith(".json"):
            sets = json.loads(gzip.decompress((src / name).read_bytes()))
            text = json.dumps(sets, sort_keys=True, separators=(",", ":")).encode()
            files[f"cp2015/{name}"] = gzip.compress(text, compresslevel=9, mtime=0)
            continue
        df = pl.read_csv(src / name, infer_schema_length=None)
        keys = [c for c in df.columns if df[c].dtype == pl.String]
        files[f"cp2015/{name}"] = _gz_csv(df.sort(keys, maintain_order=True) if keys else df)
    return files


def _provenance(files: dict[str, bytes]) -> dict[str, object]:
    src = shared_data() / "gravity"
    sources = ["gegravity_sample_data_set.csv", "wiod_tradedata_2000_2014.csv"] + [
        f"cp2015_nafta_{t}.gz" for t in CP_TABLES
    ]
    return {
        "script": "scripts/build_ge_examples.py",
        "built": dt.date.today().isoformat(),
        "sources": {f"gravity/{s}": _sha256((src / s).read_bytes()) for s in sources},
        "outputs": {k: _sha256(v) for k, v in sorted(files.items())},
        "selection": {"wiod_2000_2014.csv.gz": f"years {', '.join(map(str, WIOD_YEARS))}"},
        "licences": LICENCES,
    }


def main(argv: list[str]) -> int:
    files = build()
    if "--check" in argv:
        stale = [k for k, v in files.items() if not (OUT / k).is_file() or (OUT / k).read_bytes() != v]
        for k in stale:
            print(f"differs: {k}")
        return 1 if stale else 0
    for k, v in files.items():
        (OUT / k).parent.mkdir(parents=True, exist_ok=True)
        (OUT / k).write_bytes(v)
    (OUT / "provenance.json").write_text(json.dumps(_provenance(files), indent=2) + "\n")
    total = sum(len(v) for v in files.values())
    print(f"wrote {len(files)} files ({total / 1024:,.0f} KiB) to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
