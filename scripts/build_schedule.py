"""Build the dated HTS schedule tables shipped in ``tariffscope/data``.

Reads the USITC JSON revisions and ``revision_dates.csv`` from the shared source-data folder
(``tariffscope.paths.shared_data()/hts``) and writes:

- ``schedule.parquet``: one row per HTS10 x interval of unchanged content (chapters 01-98);
- ``chapter99.parquet``: every 9902/9903 heading per interval;
- ``revisions.csv``: the revisions and the date each applies from;
- ``schedule_concordance.parquet``: retired HTS10 -> successor(s);
- ``schedule_provenance.json``: source files, sha256, build time, counts.

Usage: ``python scripts/build_schedule.py [--shared DIR] [--out DIR] [--workers N]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from tariffscope.paths import PACKAGE_DATA, shared_data
from tariffscope.schedule.build import (
    UnitValueTable,
    add_chapter99_columns,
    add_rate_columns,
    build_concordance,
    collapse_intervals,
    load_revision,
    repair_truncated_paths,
    revision_table,
)


def _write(df: pl.DataFrame, path: Path) -> None:
    df.write_parquet(path, compression="zstd", compression_level=19, statistics=True)


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _auto_unit_values(trade_dir: Path) -> list[tuple[str, str, float, str]]:
    """USD per vehicle for 8703/8704 from the 2024 Comtrade extract (value / units), if present."""
    f = trade_dir / "auto_imports_partner_cmd_annual.csv"
    if not f.exists():
        return []
    cmd = {"passenger_vehicles": "8703", "goods_vehicles": "8704"}
    out: dict[str, float] = {}
    with open(f, newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            if r["refYear"] == "2024" and r["cmd"] in cmd:
                out[cmd[r["cmd"]]] = float(r["value_total_cmd"]) / float(r["qty_total_cmd"])
    return [(k, "no", round(v, 2), "comtrade_2024") for k, v in sorted(out.items())]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=None, help="source-data folder (default: shared_data())")
    ap.add_argument("--out", type=Path, default=PACKAGE_DATA, help="output folder (default: package data)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    shared = args.shared or shared_data()
    hts_dir = shared / "hts"
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    files = {p.name.removeprefix("hts_").removesuffix(".json.gz"): p for p in hts_dir.glob("hts_*.json.gz")}
    revs = revision_table(hts_dir / "revision_dates.csv", list(files))
    order = revs["revision"].to_list()
    excluded = sorted(set(files) - set(order))
    print(f"{len(order)} revisions {order[0]} .. {order[-1]}; excluded files: {excluded}", file=sys.stderr)

    paths = [files[r] for r in order]
    # Several revisions are byte-identical republications: parse each distinct file once.
    digests = [_sha256(p) for p in paths]
    unique = list(dict.fromkeys(digests))
    first = {d: paths[digests.index(d)] for d in unique}
    with ProcessPoolExecutor(max_workers=max(1, args.workers), mp_context=mp.get_context("spawn")) as ex:
        parsed = dict(zip(unique, ex.map(load_revision, [first[d] for d in unique]), strict=True))
    flat = [parsed[d] for d in digests]
    print(f"{len(unique)} distinct revision files", file=sys.stderr)
    t_parse = time.perf_counter() - t0
    print(f"parsed+flattened in {t_parse:.1f}s", file=sys.stderr)

    per_rev = {r: f[0] for r, f in zip(order, flat, strict=True)}
    lines_long = pl.concat(
        [
            f[0].drop("rate_source").with_columns(pl.lit(i, pl.Int16).alias("rev_idx"))
            for i, f in enumerate(flat)
        ]
    )
    ch99_long = pl.concat(
        [f[1].with_columns(pl.lit(i, pl.Int16).alias("rev_idx")) for i, f in enumerate(flat)]
    )

    lines = collapse_intervals(repair_truncated_paths(lines_long), revs, key="hts10")
    uv = UnitValueTable.read_csv(
        PACKAGE_DATA / "schedule_unit_values.csv", extra=_auto_unit_values(shared / "trade")
    )
    lines = add_rate_columns(lines, uv)
    ch99 = add_chapter99_columns(collapse_intervals(ch99_long, revs, key="heading"))
    conc = build_concordance(per_rev, order)

    _write(lines, out / "schedule.parquet")
    _write(ch99, out / "chapter99.parquet")
    _write(conc, out / "schedule_concordance.parquet")
    revs.drop("rev_idx").write_csv(out / "revisions.csv")

    kinds = lines.group_by("mfn_kind").len().sort("mfn_kind")
    sources = [hts_dir / "revision_dates.csv", *paths]
    auto = shared / "trade" / "auto_imports_partner_cmd_annual.csv"
    if auto.exists():
        sources.append(auto)
    prov = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "builder": "scripts/build_schedule.py",
        "sources": [
            {"file": f"hts/{p.name}" if p.parent == hts_dir else f"trade/{p.name}", "sha256": _sha256(p)}
            for p in sources
        ],
        "excluded_revision_files": excluded,
        "unit_values": "schedule_unit_values.csv (+ comtrade_2024 rows for 8703/8704)",
        "counts": {
            "revisions": len(order),
            "schedule_rows": lines.height,
            "hts10": lines["hts10"].n_unique(),
            "chapter99_rows": ch99.height,
            "chapter99_headings": ch99["heading"].n_unique(),
            "concordance_rows": conc.height,
            "mfn_kind": {str(k): int(v) for k, v in kinds.iter_rows()},
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "schedule_provenance.json").write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    sizes = {
        p: (out / p).stat().st_size
        for p in ("schedule.parquet", "chapter99.parquet", "schedule_concordance.parquet")
    }
    print(f"done in {prov['seconds']}s: {prov['counts']}; sizes {sizes}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
