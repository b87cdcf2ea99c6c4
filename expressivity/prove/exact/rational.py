"""Exact linear algebra in :class:`fractions.Fraction`: what turns a floating-point LP answer into a checkable one.

Both exact lower-bound methods (:mod:`expressivity.prove.exact.separable` and
:mod:`expressivity.prove.exact.duals`) take the support of a vertex that HiGHS found
and solve the equalities on it again here, in rationals, so that the
certificate they check never contains a rounding error.

Examples
--------
>>> solve_exact([[1, 1], [1, -1]], [1, 0], [Fraction(0), Fraction(0)])
[Fraction(1, 2), Fraction(1, 2)]
>>> solve_exact([[1, 1], [1, 1]], [1, 0], [Fraction(0), Fraction(0)]) is None    # inconsistent
True
>>> rational_guesses([0.3333333333], (3, 10**6))
[[Fraction(1, 3)], [Fraction(1, 3)]]
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Sequence

#: Denominator limits tried when rounding LP values to rationals (the MILP's certificates keep their own list,
#: expressivity.prove.milp.certificate.DENOMINATOR_LIMITS: the exact method shares no code with them).
DENOMINATOR_LIMITS = (1, 2, 6, 12, 60, 420, 5040, 10**6)


def solve_exact(matrix: Sequence[Sequence], rhs: Sequence, guess: Sequence[Fraction]) -> list[Fraction] | None:
    """A solution of ``matrix v = rhs`` in Fractions (free variables take ``guess``); ``None`` if inconsistent.

    Gauss-Jordan elimination with exact pivots; entries may be ints or Fractions.
    """
    rows = [[Fraction(v) for v in row] + [Fraction(b)] for row, b in zip(matrix, rhs)]
    columns = len(guess)
    pivots: list[int] = []
    r = 0
    for c in range(columns):
        if r == len(rows):
            break
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        head = rows[r][c]
        rows[r] = [v / head for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                factor = rows[i][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    if any(row[-1] != 0 for row in rows[r:]):
        return None
    solution = list(guess)
    for c in pivots:
        solution[c] = Fraction(0)
    for i, c in enumerate(pivots):
        solution[c] = rows[i][-1] - sum(rows[i][j] * solution[j] for j in range(columns) if j != c)
    return solution


def rational_guesses(values: Iterable[float], limits: Sequence[int] = DENOMINATOR_LIMITS) -> list[list[Fraction]]:
    """``values`` rounded to the nearest rational of denominator at most each limit, one list per limit."""
    values = [Fraction(float(v)) for v in values]
    return [[v.limit_denominator(limit) for v in values] for limit in limits]


__all__ = ["DENOMINATOR_LIMITS", "solve_exact", "rational_guesses"]
