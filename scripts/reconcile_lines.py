"""Line by line: which tariffscope rule decides each disagreeing pair of a reconciliation class.

Reads the disagreeing pairs that ``scripts/reconcile_yale.py --out FILE`` wrote, keeps the comparable ones
(not in a settled class) whose class key matches ``--differs`` (a regular expression over keys such as
``ts<yale ts[s232] yale[s232,recip]``), resolves every pair with ``resolver.api.resolve_one`` and groups
them by the deciding rules: the measures applied with their chapter 99 headings, and the measures the stack
took out with the rule that took them out. Each group is then read against the note or heading text it
turns on (``docs/reconciliation.md`` cites the lines ``L…`` of ``hts/chapter99_2026_rev_6.txt``).

Run: ``python scripts/reconcile_lines.py FILE --differs 'ts\\[s232\\] yale\\[s232,(recip|s122)\\]' [--all]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import Any

import polars as pl

from tariffscope.resolver.api import resolve_one


def decision(result: dict[str, Any]) -> str:
    """The rules that decide a line: applied ``measure@heading`` and ``measure x excluded-by`` pairs."""
    applied, dropped = [], []
    for c in result["components"]:
        if c["measure"] == "us.mfn":
            continue
        head = c.get("heading") or "-"
        if c["applied"]:
            applied.append(f"{c['measure']}@{head}")
        elif "excluded by" in str(c.get("reason") or ""):
            by = str(c["reason"]).split("excluded by ", 1)[1].split(" ", 1)[0]
            dropped.append(f"{c['measure']}@{head} x {by}")
    return " | ".join(sorted(applied)) + " || " + " | ".join(sorted(dropped))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", help="Parquet file written by reconcile_yale.py --out")
    ap.add_argument("--differs", required=True, help="regular expression over the class key")
    ap.add_argument("--date", help="only this snapshot date (YYYY-MM-DD)")
    ap.add_argument("--all", action="store_true", help="print every pair, not only the groups")
    a = ap.parse_args(argv)
    df = pl.read_parquet(a.pairs).filter(
        pl.col("settled").is_null() & pl.col("differs").str.contains(a.differs)
    )
    if a.date:
        df = df.filter(pl.col("date").cast(pl.String) == a.date)
    if df.height == 0:
        print("no comparable disagreeing pair matches", file=sys.stderr)
        return 1
    groups: dict[str, list[tuple[str, str, str, float]]] = defaultdict(list)
    for hts10, iso2, on, d in df.select("hts10", "iso2", "date", "d_total").iter_rows():
        key = decision(resolve_one(hts10, iso2, on))
        groups[key].append((str(on), iso2, hts10, d))
    for key, rows in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        dates = sorted({r[0] for r in rows})
        partners = sorted({r[1] for r in rows})
        h8 = sorted({r[2][:8] for r in rows})
        print(f"\n{len(rows):5d} pairs  {','.join(dates)}  {','.join(partners)}")
        applied, _, dropped = key.partition(" || ")
        print(f"      applied: {applied or '-'}")
        print(f"      taken out: {dropped or '-'}")
        print(f"      HTS8 ({len(h8)}): {' '.join(h8[:12])}{' ...' if len(h8) > 12 else ''}")
        if a.all:
            for r in sorted(rows):
                print(f"        {r[0]} {r[1]} {r[2]} d_total {100 * r[3]:+.2f} pp")
    print(f"\n{df.height} pairs in {len(groups)} groups")
    return 0


if __name__ == "__main__":
    sys.exit(main())
