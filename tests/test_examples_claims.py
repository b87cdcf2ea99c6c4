"""The examples of the claims people quote print what the lecture says, and what torch counts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_lecture_counts_match_the_lecture_and_torch():
    done = subprocess.run([sys.executable, str(EXAMPLES / "lecture_counts.py"), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["mlp [3, 4, 4, 1]"]["weights per layer"][:2] == [3 * 4, 4 * 4]
    for name, expected in [("mlp [3, 4, 4, 1]", 3 * 4 + 4 + 4 * 4 + 4 + 4 + 1), ("mlp [3, 4, 2]", 3 * 4 + 4 + 4 * 2 + 2),
                           ("conv 5x5", 25), ("conv 3x3+3x3", 18)]:
        row = counts[name]
        assert row["parameters (spec)"] == row["parameters (module)"] == row["parameters (torch)"] == expected, name
    for name in ("conv 5x5", "conv 3x3+3x3"):
        assert counts[name]["receptive field (toolkit)"] == counts[name]["receptive field (gradient)"] == [5, 5]
