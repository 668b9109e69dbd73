"""The regime-change feed as Atom (RFC 4287): one entry per dated step of a catalogue rule."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

import polars as pl

from tariffscope import __version__

FEED_ID = "tag:tariffscope,2025:regime-changes"


def _pct(x: float | None) -> str:
    return "none" if x is None else f"{100 * x:.4g}%"


def _stamp(d: dt.date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def atom_feed(changes: pl.DataFrame, base_url: str, limit: int = 500) -> str:
    """Atom XML for the rows of :func:`tariffscope.web.services.regime_changes` (newest first).

    ``updated`` of an entry is the date the change takes effect (or was recorded, if later), so a
    reader sees retroactive changes when they were made known.
    """
    rows = changes.head(limit).to_dicts() if changes.height else []
    newest = max((max(r["date"], r["recorded"] or r["date"]) for r in rows), default=dt.date(2025, 1, 1))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "<title>tariffscope: US tariff regime changes</title>",
        f"<id>{FEED_ID}</id>",
        f"<updated>{_stamp(newest)}</updated>",
        f'<link rel="self" href="{escape(base_url)}/feed.atom"/>',
        f'<link rel="alternate" href="{escape(base_url)}/#measures"/>',
        f'<generator version="{__version__}">tariffscope</generator>',
        "<author><name>tariffscope catalogue</name></author>",
    ]
    for r in rows:
        verb = {"starts": "starts at", "changes": "changes to", "ends": "ends"}[r["change"]]
        what = f"{r['rule']} ({r['heading'] or 'no heading'}) {verb}"
        if r["change"] != "ends":
            what += f" {_pct(r['rate'])}"
        if r["change"] == "changes":
            what += f" (was {_pct(r['rate_before'])})"
        title = f"{r['date']}: {what}"
        summary = f"{r['title']}. Countries: {r['countries']}. Citation: {r['cite']}."
        if r["superseded"]:
            summary += f" Superseded (retroactively) on {r['superseded']}."
        updated = max(r["date"], r["recorded"] or r["date"])
        entry_id = f"{FEED_ID}:{r['rule']}:{r['date']}:{r['change']}"
        out += [
            "<entry>",
            f"<title>{escape(title)}</title>",
            f"<id>{escape(entry_id)}</id>",
            f"<updated>{_stamp(updated)}</updated>",
            f'<link href="{escape(base_url)}/#measures/{escape(r["measure"])}"/>',
            f'<category term="{escape(r["authority"])}"/>',
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"
