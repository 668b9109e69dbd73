"""A PNG chart of a scenario comparison: exports change by scenario and partner (matplotlib, Agg, offline)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def compare_chart(rows: Sequence[dict[str, Any]], out: Path, title: str | None = None) -> Path:
    """Grouped bars: for each partner, the change of its exports to the US (USD bn/yr) under each scenario.

    Error bars span the row's elasticity band (``range``: low to high elasticities), when it has one.

    Rows are those of :func:`tariffscope.scenarios.evaluate.compare`. The ``ALL`` partner is drawn last.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    partners = list(dict.fromkeys(r["partner"] for r in rows))
    partners = [p for p in partners if p != "ALL"] + (["ALL"] if "ALL" in partners else [])
    val = {(r["scenario"], r["partner"]): r["exports_change_usd"] / 1e9 for r in rows}
    rng = {
        (r["scenario"], r["partner"]): tuple(v / 1e9 for v in r["range"]["exports_change_usd"])
        for r in rows
        if r.get("range", {}).get("exports_change_usd")
    }
    x = np.arange(len(partners))
    width = 0.8 / max(len(scenarios), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(partners) * max(1, len(scenarios)) ** 0.5), 4.2))
    for i, s in enumerate(scenarios):
        ys = [val.get((s, p), 0.0) for p in partners]
        lo = [rng.get((s, p), (y, y))[0] for p, y in zip(partners, ys, strict=True)]
        hi = [rng.get((s, p), (y, y))[1] for p, y in zip(partners, ys, strict=True)]
        err = np.array(
            [
                [max(y - a, 0.0) for y, a in zip(ys, lo, strict=True)],
                [max(b - y, 0.0) for y, b in zip(ys, hi, strict=True)],
            ]
        )
        xs = x + (i - (len(scenarios) - 1) / 2) * width
        bars = ax.bar(xs, ys, width, label=s)
        if err.any():
            ax.errorbar(xs, ys, yerr=err, fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        ax.bar_label(bars, labels=[f"{y:+.1f}" if abs(y) >= 0.05 else "" for y in ys], fontsize=7, padding=2)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.margins(y=0.12)
    ax.set_xticks(x, ["all partners" if p == "ALL" else p for p in partners])
    ax.set_ylabel("exports to the US, change (USD bn/yr)")
    against = rows[0].get("against", "current-law") if rows else "current-law"
    dates = sorted({r["date"] for r in rows})
    horizon = rows[0].get("horizon") if rows else None
    note = f"; {horizon} horizon, bars: elasticity band" if horizon else ""
    ax.set_title(title or f"Exports change against {against} ({', '.join(dates)}{note})", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
