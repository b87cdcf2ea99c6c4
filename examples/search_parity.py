"""A small width search on CPU: n = 2..6, one hidden ReLU layer, every fit re-checked exactly.

    python examples/search_parity.py [out_folder]

Prints the table (smallest width found per n, beside 2^(n-1) and n, and the
verified fits at each width) and writes ``search_parity.png``,
``search_parity.jsonl`` (records) and ``search_parity.weights/`` (the winning
networks) into ``out_folder`` (default: the current folder).  Run it again and
it resumes: finished (n, width) batches are read back, not trained again.
About two minutes on two shared cores.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

from expressivity.results.plots import plot_width_search
from expressivity.search.engine import TrainConfig
from expressivity.search.summary import summary_text
from expressivity.search.width import search_width


def main() -> None:
    torch.set_num_threads(2)
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(loss="logistic", init="uniform", encoding="pm1", steps=1500, lr=0.05)
    result = search_width(
        "parity", range(2, 7), range(1, 9), 48, config, seed=0, device="cpu",
        records_path=folder / "search_parity.jsonl", resume=True, progress=True,
    )
    rows = result.rows()
    print(summary_text(rows))
    plot = plot_width_search(rows, folder / "search_parity.png", title=f"48 seeds per width; {config.key()}")
    print(f"plot: {plot}")


if __name__ == "__main__":
    main()
