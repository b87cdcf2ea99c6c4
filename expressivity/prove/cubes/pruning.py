"""Pruning a cube's program before it is solved: rows that lose no network of the cube.

A cube of :mod:`expressivity.prove.cubes.cube` fixes one unit's pattern ``R``; the
program of :func:`~expressivity.prove.cubes.cube.cube_model` knows nothing else.  Two
further facts hold for every network in the cube and are written as rows
(:func:`pruned_cube_model`).  Each loses no network, so a cube whose pruned
program has no margin above ``ZERO_MARGIN`` has no network (the same word as the
unpruned program: HiGHS in floating point), and a network found is certified on
every input as always.

1. Counts on every facet (every free unit)
------------------------------------------
By the rule of :mod:`expressivity.prove.cubes.unit_facets`, unit ``j`` of output sign
``s`` restricted to the facet ``x_i = v`` has a threshold pattern ``Q`` that is
not forbidden for ``s`` there.  Write ``A(Q)``, ``B(Q)`` for the numbers of
active rows of the facet where ``f`` is 1 and where it is 0; ``A`` and ``B`` are
sums of the unit's binaries ``d_j``.  The pair ``(A, B)`` of an allowed pattern
lies in the convex hull of the pairs of all allowed patterns, so every edge
``a A + b B <= c`` of that hull (integer coefficients, computed exactly,
:func:`hull_rows`) is a valid row for every free unit of sign ``s`` on that
facet; rows that the bounds ``0 <= d <= 1`` already imply are left out.  (The
full rule, "``Q`` not forbidden", is a set of tens of thousands of patterns per
facet; no-good rows for it would be many and weak, and as lazy rows they would
never fire: a solution with a positive margin is a network and obeys the rule.)

2. The fixed unit's stabiliser (one free unit's weights sorted)
---------------------------------------------------------------
Call bits ``i`` and ``k`` *symmetric* when swapping them preserves both ``f`` and
the fixed unit's pattern ``R``; this is an equivalence (swaps ``(i k)`` and
``(k l)`` generate ``(i l)``), and every permutation of the bits inside its
classes (*blocks*) preserves ``f`` and ``R``.  Applying such a permutation
``sigma`` to a network of the cube (``x -> sigma x``) keeps it in the cube: it
computes ``f``, the fixed unit keeps ``R``, output weights, biases (so the S3
order of the other units by bias), normalisation and margin are unchanged, and
each unit's weights are permuted inside the blocks.  So one chosen free unit
``j*`` (the first unit other than the fixed one) may be assumed to have weights
sorted decreasingly inside every block: rows ``w[j*, i] >= w[j*, k]`` for
consecutive ``i < k`` of a block.  The cube program has no S2 (the preserving
transforms were spent on ``R``), and the stabiliser of ``R`` is what is left of
them; only its permutations inside blocks are used here.

Examples
--------
>>> from expressivity.functions import parity
>>> hull_rows({(1, 0), (1, 3), (3, 1)}, 4, 4)  # the triangle's edges: A - 2B <= 1, A + B <= 4, A >= 1
((1, -2, 1), (1, 1, 4), (-1, 0, -1))
>>> symmetric_blocks(parity(3), 0b1000_0000)  # x0 AND x1 AND x2: every swap keeps it
((0, 1, 2),)
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from expressivity.prove.cubes.cube import Cube, CubeResult, cube_model, solve_cube
from expressivity.prove.milp.program import MilpModel
from expressivity.prove.cubes.unit_facets import UnitRule


def _reduced(a: int, b: int, c: int) -> tuple[int, int, int]:
    g = math.gcd(math.gcd(abs(a), abs(b)), abs(c)) or 1
    return a // g, b // g, c // g


def hull_rows(points, most_a: int, most_b: int) -> tuple[tuple[int, int, int], ...]:
    """Rows ``a A + b B <= c`` (integers) whose intersection is the convex hull of ``points``.

    Rows implied by ``0 <= A <= most_a``, ``0 <= B <= most_b`` are left out.  No point:
    the one row ``A + B <= -1`` (nothing is allowed).

    Examples
    --------
    >>> hull_rows({(2, 2)}, 4, 4)
    ((1, 0, 2), (-1, 0, -2), (0, 1, 2), (0, -1, -2))
    >>> hull_rows({(0, 0), (0, 4), (4, 0), (4, 4)}, 4, 4)
    ()
    """
    pts = sorted(set((int(a), int(b)) for a, b in points))
    if not pts:
        return ((1, 1, -1),)

    def cross(o, p, q):
        return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])

    chain = []
    for sweep in (pts, pts[::-1]):  # Andrew's monotone chain: lower hull, then upper hull
        part = []
        for p in sweep:
            while len(part) >= 2 and cross(part[-2], part[-1], p) <= 0:
                part.pop()
            part.append(p)
        chain += part[:-1]
    rows = []
    if len(chain) <= 1:
        (x, y), = pts[:1]
        rows = [(1, 0, x), (-1, 0, -x), (0, 1, y), (0, -1, -y)]
    else:
        for p, q in zip(chain, chain[1:] + chain[:1]):  # counterclockwise: the hull is on the left of p -> q
            rows.append(_reduced(q[1] - p[1], p[0] - q[0], (q[1] - p[1]) * p[0] - (q[0] - p[0]) * p[1]))
        if len(chain) == 2:  # a segment: its two ends too
            (p, q) = chain
            da, db = q[0] - p[0], q[1] - p[1]
            rows += [_reduced(da, db, da * q[0] + db * q[1]), _reduced(-da, -db, -da * p[0] - db * p[1])]
    corners = [(0, 0), (most_a, 0), (0, most_b), (most_a, most_b)]
    kept = []
    for row in rows:
        if row not in kept and max(row[0] * x + row[1] * y for x, y in corners) > row[2]:
            kept.append(row)
    assert all(a * x + b * y <= c for a, b, c in kept for x, y in pts)  # the hull holds every point
    return tuple(kept)


@dataclass(frozen=True)
class CountRows:
    """Per facet ``(bit, value)`` and sign: the hull rows on ``(A, B)`` (item 1 of the module docstring)."""

    n: int
    width: int
    positive: int
    rows: tuple[tuple[tuple[int, int, int], tuple[tuple[int, int, int], ...]], ...]
    facet_tables: tuple[tuple[tuple[int, int], int], ...]

    @property
    def count(self) -> int:
        """How many rows one unit of each sign gets over all facets, summed over the signs."""
        return sum(len(r) for _, r in self.rows)


def count_rows(rule: UnitRule) -> CountRows:
    """The hull rows of :func:`hull_rows` for every facet and sign of ``rule`` (small: sent to every worker)."""
    half = 1 << (rule.n - 1)
    rows = []
    for bit in range(rule.n):
        for value in (0, 1):
            ones = bin(rule.facet_tables[(bit, value)]).count("1")
            for sign in (1, -1):
                rows.append(((bit, value, sign), hull_rows(rule.allowed_counts(bit, value, sign), ones, half - ones)))
    return CountRows(rule.n, rule.width, rule.positive, tuple(rows), tuple(sorted(rule.facet_tables.items())))


def symmetric_blocks(f, pattern: int) -> tuple[tuple[int, ...], ...]:
    """Classes (of two bits or more) of bits whose swap preserves both ``f`` and ``pattern`` (item 2).

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> symmetric_blocks(parity(4), 0b1000_1000_1000_1000)  # x0 AND x1: bits 0, 1 and bits 2, 3
    ((0, 1), (2, 3))
    """
    rows = np.arange(1 << f.n)
    table = np.asarray(f.table, dtype=bool)
    mine = np.array([(pattern >> k) & 1 for k in rows], dtype=bool)
    blocks: list[list[int]] = []
    for bit in range(f.n):
        for block in blocks:
            other = block[0]
            swapped = rows ^ ((((rows >> bit) ^ (rows >> other)) & 1) * ((1 << bit) | (1 << other)))
            if (table[swapped] == table).all() and (mine[swapped] == mine).all():
                block.append(bit)
                break
        else:
            blocks.append([bit])
    return tuple(tuple(b) for b in blocks if len(b) > 1)


def pruned_cube_model(f, width: int, cube: Cube, counts: CountRows | None = None, *,
                      sort_weights: bool = True) -> MilpModel:
    """:func:`~expressivity.prove.cubes.cube.cube_model` plus the rows of items 1 (with ``counts``) and 2.

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> from expressivity.prove.cubes.cube import cubes
    >>> cube = cubes(parity(4), 3)[5]  # the fixed unit active on rows 0, 1, 3: bits 2 and 3 are symmetric
    >>> symmetric_blocks(parity(4), cube.pattern), pruned_cube_model(parity(4), 3, cube).n_rows - cube_model(
    ...     parity(4), 3, cube).n_rows
    (((2, 3),), 1)
    """
    model = cube_model(f, width, cube)
    if counts is not None and (counts.n, counts.width, counts.positive) != (f.n, width, cube.positive):
        raise ValueError(f"count rows are for n = {counts.n}, width {counts.width}, P = {counts.positive}; "
                         f"the cube is n = {f.n}, width {width}, P = {cube.positive}")
    free = [j for j in range(width) if j != cube.unit]
    entries, lower, upper = [], [], []  # (row, column, value)

    def add(terms, low, high):
        row = len(lower)
        entries.extend((row, col, val) for col, val in terms)
        lower.append(low)
        upper.append(high)

    if counts is not None:
        rows = np.arange(1 << f.n)
        table = np.asarray(f.table, dtype=bool)
        for (bit, value, sign), edges in counts.rows:
            on = rows[((rows >> bit) & 1) == value]
            for j in (j for j in free if int(model.output_signs[j]) == sign):
                for a, b, c in edges:
                    terms = [(int(model.d_index[j][k]), float(a if table[k] else b)) for k in on]
                    add([t for t in terms if t[1] != 0.0], -math.inf, float(c))
    if sort_weights and free:
        first = free[0]
        for block in symmetric_blocks(f, cube.pattern):
            for i, k in zip(block, block[1:]):
                add([(int(model.w_index[first][i]), 1.0), (int(model.w_index[first][k]), -1.0)], 0.0, math.inf)
    if not lower:
        return model
    r, c, v = (np.array(x) for x in zip(*entries))
    extra = sp.csr_array((v.astype(float), (r.astype(np.int64), c.astype(np.int64))),
                         shape=(len(lower), model.n_columns))
    return dataclasses.replace(
        model, matrix=sp.csr_array(sp.vstack([model.matrix, extra])),
        row_lower=np.concatenate([model.row_lower, lower]), row_upper=np.concatenate([model.row_upper, upper]))


def solve_pruned_cube(f, width: int, cube: Cube, counts: CountRows | None = None, time_limit: float | None = 60.0,
                      *, threads: int = 1, seed: int = 0, sort_weights: bool = True) -> CubeResult:
    """:func:`~expressivity.prove.cubes.cube.solve_cube` on the pruned program; the reason says which rows it had.

    An infeasible pruned program (HiGHS "Infeasible": the unpruned sign program always has points)
    is read as proven infeasible.  Parity of 4 bits with 2 units: every unit of every 3-bit cube is
    forbidden, so the count rows admit nothing:

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> from expressivity.prove.cubes.cube import cubes
    >>> from expressivity.prove.cubes.cube_split import prove_width_by_cubes
    >>> from expressivity.prove.cubes.facets import LowerCubes
    >>> from expressivity.prove.cubes.unit_facets import unit_rule
    >>> lower = prove_width_by_cubes(parity(3), 2, stop_on_feasible=False)
    >>> below = LowerCubes.from_records([r.to_dict() for r in lower.results], 3, 2)
    >>> rows = count_rows(unit_rule(parity(4), 2, 1, below))
    >>> rows.count, rows.rows[0]
    (16, ((0, 0, 1), ((1, 1, -1),)))
    >>> solve_pruned_cube(parity(4), 2, cubes(parity(4), 2)[5], rows, None).status
    'proven-infeasible'
    """
    started = time.perf_counter()
    model = pruned_cube_model(f, width, cube, counts, sort_weights=sort_weights)
    result = solve_cube(f, width, cube, time_limit, threads=threads, seed=seed, model=model)
    extra = model.n_rows - cube_model(f, width, cube).n_rows
    note = f" (pruned: {extra} rows, facet counts {'on' if counts else 'off'}, sorted weights " \
           f"{'on' if sort_weights else 'off'})"
    status, reason = result.status, result.reason
    if status == "unknown" and result.solver_status == "Infeasible":
        # The unpruned sign program always has points (the margin is free); the rows removed them all.
        status, reason = "proven-infeasible", "HiGHS: Infeasible, no point satisfies the pruned rows"
    return dataclasses.replace(result, status=status, reason=reason + note, seconds=time.perf_counter() - started)


def _solve_pruned_task(spec: tuple[str, int], width: int, time_limit: float | None, threads: int,
                       counts: CountRows | None, sort_weights: bool, cube: Cube) -> CubeResult:
    from expressivity.functions import function_from_hex

    hex_digits, n = spec
    return solve_pruned_cube(function_from_hex(hex_digits, n), width, cube, counts, time_limit, threads=threads,
                             sort_weights=sort_weights)


__all__ = ["hull_rows", "CountRows", "count_rows", "symmetric_blocks", "pruned_cube_model", "solve_pruned_cube"]
