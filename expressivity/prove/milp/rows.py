"""The rows every program is made of: a sparse row builder and the big-M rows of one ReLU unit.

Used by :mod:`expressivity.prove.milp.program` for the program itself and by
:mod:`expressivity.prove.milp.cuts` for the cuts and the small program behind
:func:`~expressivity.prove.milp.cuts.unit_correlation_bound`.
"""
from __future__ import annotations

import math

import numpy as np


def _relu_rows(rows, inputs, w_cols, b_col, h_cols, d_cols, big_m) -> None:
    """``h = relu(z)`` for one unit on every input, with ``d = 1`` where the unit is active.

    ``z(x) = w . x + b``; ``|z(x)| <= big_m[x]`` is part of the class (the rows
    imply it: ``z <= h <= M d <= M`` and ``z >= h - M (1 - d) >= -M``).  A row of
    ``inputs`` may hold group counts rather than bits.
    """
    inf = math.inf
    for i, bits in enumerate(inputs):
        z_terms = [(w_cols[k], float(bits[k])) for k in np.flatnonzero(bits)] + [(b_col, 1.0)]
        big = float(big_m[i])
        h, d = h_cols[i], d_cols[i]
        rows.add([(h, 1.0)] + [(c, -v) for c, v in z_terms], 0.0, inf)  # h >= z
        rows.add([(h, 1.0), (d, big)] + [(c, -v) for c, v in z_terms], -inf, big)  # h <= z + M (1 - d)
        rows.add([(h, 1.0), (d, -big)], -inf, 0.0)  # h <= M d


class _Rows:
    """Rows collected as coordinate lists."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, terms, lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(int(col))
            self.vals.append(float(val))
        self.lower.append(lower)
        self.upper.append(upper)
