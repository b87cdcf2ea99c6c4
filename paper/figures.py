"""The paper's figures, drawn from the same records as its tables (``paper/build.py`` writes them to ``paper/figures/``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from tables import BENCH, RECORDS, census_file, read_jsonl

FIGURES_DIR = Path(__file__).resolve().parent / "figures"


def census_histogram(path: Path) -> None:
    """Functions and classes of four variables by minimum width (the census command's own plot)."""
    from expressivity.prove.census.table import CensusRow, width_histogram
    from expressivity.results.plots import plot_census

    rows = [CensusRow.from_dict(r) for r in read_jsonl(census_file(4))]
    plot_census(width_histogram(rows), path, title="every function of 4 variables")


def parity_by_depth(path: Path) -> None:
    """Parity: the proven one-hidden-layer minimum, the constructions, and what training found at depths 1-3."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trained: dict[int, dict[int, int]] = {1: {}, 2: {}, 3: {}}
    for r in read_jsonl(BENCH / "depth_width" / "records.jsonl"):
        if r["function"] == "parity" and r["successes"]:
            depth, n, width = len(r["shape"]), r["n"], r["shape"][0]
            trained[depth][n] = min(trained[depth].get(n, width), width)
    proven = {s["n"]: s for s in json.loads((RECORDS / "parity.json").read_text())["summaries"]}
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ns = sorted(set().union(*trained.values()))
    ax.plot(ns, [2 ** (n - 1) for n in ns], "k:", label="minterms, $2^{n-1}$")
    ax.plot(ns, [n - 1 if n >= 4 else n for n in ns], "k--", label="zigzag / units on $\\sum x$")
    for depth, marker in zip((1, 2, 3), "o^s"):
        points = sorted(trained[depth].items())
        ax.plot([n for n, _ in points], [w for _, w in points], marker=marker, linestyle="-",
                label=f"trained, depth {depth} (upper bound)")
    exact = [(n, s["lower_bound"]) for n, s in sorted(proven.items()) if s["status"] == "exact"]
    ax.plot([n for n, _ in exact], [w for _, w in exact], "r*", markersize=12, label="proven minimum, depth 1")
    gaps = [(n, s["lower_bound"], s["upper_bound"]) for n, s in sorted(proven.items()) if s["status"] != "exact"]
    for n, low, high in gaps:
        ax.plot([n, n], [low, high], "r-", linewidth=3, label="proven range, depth 1")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("$n$ (bits)")
    ax.set_ylabel("width per hidden layer")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, metadata={"CreationDate": None})
    plt.close(fig)


FIGURES: dict[str, Callable[[Path], None]] = {
    "census_histogram.pdf": census_histogram,
    "parity_by_depth.pdf": parity_by_depth,
}
