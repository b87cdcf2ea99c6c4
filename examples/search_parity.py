"""A small width search on CPU: n = 2..6, one hidden ReLU layer, every fit re-checked exactly.

    python examples/search_parity.py [out_folder] [--smoke]

Prints the table (smallest width found per n, beside 2^(n-1) and n, and the
verified fits at each width) and writes ``search_parity.png``,
``search_parity.jsonl`` (records) and ``search_parity.weights/`` (the winning
networks) into ``out_folder`` (default: the current folder).  Run it again and
it resumes: finished (n, width) batches are read back, not trained again.
About two minutes on two shared cores.  ``--smoke``: n = 2..3, widths 2..3, 4 seeds of
100 steps, written into a temporary folder (seconds).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from expressivity.results.plots import plot_width_search
from expressivity.search.engine import TrainConfig
from expressivity.search.summary import summary_text
from expressivity.search.width import search_width


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_folder", nargs="?", type=Path, default=Path("."), help="where the files go")
    parser.add_argument("--smoke", action="store_true", help="n = 2..3, widths 2..3, 4 seeds, a temporary folder")
    args = parser.parse_args()
    torch.set_num_threads(2)
    bits, widths, seeds, steps = (range(2, 4), range(2, 4), 4, 100) if args.smoke else (range(2, 7), range(1, 9), 48, 1500)
    scratch = tempfile.TemporaryDirectory() if args.smoke else None
    folder = Path(scratch.name) if scratch else args.out_folder
    folder.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(loss="logistic", init="uniform", encoding="pm1", steps=steps, lr=0.05)
    result = search_width(
        "parity", bits, widths, seeds, config, seed=0, device="cpu",
        records_path=folder / "search_parity.jsonl", resume=True, progress=not args.smoke,
    )
    rows = result.rows()
    print(summary_text(rows))
    plot = plot_width_search(rows, folder / "search_parity.png", title=f"{seeds} seeds per width; {config.key()}")
    print(f"plot: {plot}")


if __name__ == "__main__":
    main()
