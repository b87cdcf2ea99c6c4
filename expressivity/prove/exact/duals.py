"""One linear program per activation-pattern combination, answered with a certificate checked in exact arithmetic.

This is the LP half of the second, independent lower-bound method
(:mod:`expressivity.prove.exact.patterns` lists the combinations).  It shares no
code with the mixed-integer programs.

The program of one combination
------------------------------
Fix the patterns ``P_i`` and the output signs ``s_i`` of ``w`` units (the
normal form of :mod:`expressivity.prove.exact.patterns`).  The unknowns are
``v = (w_1, b_1, ..., w_w, b_w, c)``; with ``z_i(x) = w_i.x + b_i`` the
network's output is ``out(x) = c + sum_{i : x in P_i} s_i z_i(x)``, linear in
``v``.  A network with these patterns and signs computes ``f`` iff

* ``z_i(x) > 0`` for ``x`` in ``P_i`` and ``z_i(x) <= 0`` elsewhere (the pattern), and
* ``out(x) > 0`` where ``f(x) = 1`` and ``out(x) <= 0`` where ``f(x) = 0`` (the sign variant).

Every row is homogeneous in ``v``, so scaling a solution by a positive number
gives another: the strict rows may be written ``>= 1`` and the system is
``G v >= h`` with ``h = 1`` on the strict rows and ``0`` on the others, loosing
nothing.

Certificates
------------
*Infeasible.*  By Farkas' lemma, ``G v >= h`` has no solution iff some
``y >= 0`` has ``y^T G = 0`` and ``y^T h > 0``: summing the rows with weights
``y`` would give ``0 >= y^T h > 0``.  HiGHS (``scipy.optimize.linprog``, dual
simplex, floating point) finds a vertex of ``{y >= 0, y^T G = 0, y^T h = 1}``;
its values are rounded to small rationals, or its support is solved again in
:class:`~fractions.Fraction` arithmetic (:func:`~expressivity.prove.exact.rational.solve_exact`),
scaled to integers, and checked exactly: ``y^T G = 0`` and ``y^T h > 0`` in
integer arithmetic (int64 where no sum can overflow, Python ints otherwise).
:func:`check_infeasibility` checks a certificate again from the combination's
definition, row by row in Fractions, without the matrix given to the solver.
A certificate that does not check is never counted: the combination is
``"undecided"``.

*Feasible.*  A solution ``v`` is rounded to rationals and the network
``c + sum_i s_i relu(w_i.x + b_i)`` (the real ReLU, not the patterns) is
evaluated on every input in Fractions (:func:`check_network`); only a network
that computes ``f`` counts, and then it is a certified network of width ``w``.

Examples
--------
>>> from expressivity.prove.exact.patterns import Combination
>>> xor = [False, True, True, False]
>>> answer = solve_combination(xor, Combination((0b0010, 0b0100), (1, 1)))   # relu(x0 - x1) + relu(x1 - x0)
>>> answer.status, check_network(xor, answer.network)
('feasible', True)
>>> solve_combination(xor, Combination((0b0010,), (1,))).status
'infeasible'
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from expressivity.prove.highs import new_highs
from expressivity.prove.exact.patterns import Combination
from expressivity.prove.exact.rational import rational_guesses, solve_exact

#: LP values below this are outside the support of a certificate.
SUPPORT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ExactNetwork:
    """``c + sum_i signs[i] relu(weights[i] . x + biases[i])`` with rational weights."""

    weights: tuple[tuple[Fraction, ...], ...]
    biases: tuple[Fraction, ...]
    signs: tuple[int, ...]
    c: Fraction

    def to_dict(self) -> dict:
        """Rationals as strings (``"3/2"``), which ``Fraction`` reads back exactly."""
        return {"weights": [[str(v) for v in row] for row in self.weights], "biases": [str(b) for b in self.biases],
                "signs": list(self.signs), "c": str(self.c)}


@dataclass(frozen=True)
class CombinationAnswer:
    """``status``: ``"infeasible"`` (``multipliers`` checked), ``"feasible"`` (``network`` checked) or ``"undecided"``.

    ``multipliers`` maps a row key (``("unit", i, k)`` or ``("output", k)``, ``k``
    an input row) to its Farkas multiplier.
    """

    combination: Combination
    status: str
    multipliers: Mapping[tuple, Fraction] | None = None
    network: ExactNetwork | None = None


def _bits(n: int, k: int) -> list[int]:
    return [(k >> i) & 1 for i in range(n)]


def _row_keys(n: int, width: int) -> list[tuple]:
    keys = [("unit", i, k) for i in range(width) for k in range(1 << n)]
    return keys + [("output", k) for k in range(1 << n)]


def _row(table: Sequence[bool], combination: Combination, key: tuple) -> tuple[list[Fraction], int]:
    """The row ``key`` of ``G v >= h`` as exact coefficients over ``v`` and its ``h``, straight from the definition."""
    n = len(table).bit_length() - 1
    width = len(combination.patterns)
    coefficients = [Fraction(0)] * (width * (n + 1) + 1)

    def add(unit: int, k: int, factor: int) -> None:    # factor * z_unit(x_k)
        for j, bit in enumerate(_bits(n, k) + [1]):
            coefficients[unit * (n + 1) + j] += factor * bit

    if key[0] == "unit":
        _, i, k = key
        active = (combination.patterns[i] >> k) & 1
        add(i, k, 1 if active else -1)                  # z_i(x) >= 1 on P_i, -z_i(x) >= 0 elsewhere
        return coefficients, 1 if active else 0
    _, k = key
    sign = 1 if table[k] else -1                        # out(x) >= 1 where f = 1, -out(x) >= 0 where f = 0
    coefficients[-1] += sign
    for i, (pattern, s) in enumerate(zip(combination.patterns, combination.signs)):
        if (pattern >> k) & 1:
            add(i, k, sign * s)
    return coefficients, 1 if table[k] else 0


def check_infeasibility(table, combination: Combination, multipliers: Mapping[tuple, Fraction]) -> bool:
    """Whether ``multipliers`` is a Farkas certificate that the combination has no network; exact arithmetic only.

    Every multiplier must be an int or a Fraction, ``>= 0``, on a row of the
    combination's system; the weighted sum of the rows must be ``0`` in every
    unknown and ``> 0`` on the right-hand side.

    Examples
    --------
    >>> xor = [False, True, True, False]
    >>> answer = solve_combination(xor, Combination((0b0010,), (1,)))
    >>> check_infeasibility(xor, answer.combination, answer.multipliers)
    True
    >>> wrong = dict(answer.multipliers); key = next(iter(wrong)); wrong[key] += Fraction(1, 7)
    >>> check_infeasibility(xor, answer.combination, wrong)
    False
    """
    table = [bool(v) for v in np.asarray(table, dtype=bool).ravel()]
    n = len(table).bit_length() - 1
    keys = set(_row_keys(n, len(combination.patterns)))
    total: list[Fraction] | None = None
    right = Fraction(0)
    for key, y in multipliers.items():
        if key not in keys or isinstance(y, bool) or not isinstance(y, (int, Fraction)) or y < 0:
            return False
        coefficients, h = _row(table, combination, key)
        total = [y * a for a in coefficients] if total is None else [t + y * a for t, a in zip(total, coefficients)]
        right += y * h
    return total is not None and all(t == 0 for t in total) and right > 0


def check_network(table, network: ExactNetwork | None) -> bool:
    """Whether ``network`` (real ReLUs, rational weights) is ``> 0`` exactly where ``f = 1``, on every input."""
    if network is None:
        return False
    table = np.asarray(table, dtype=bool).ravel()
    n = len(table).bit_length() - 1
    for k, value in enumerate(table):
        x = _bits(n, k)
        out = network.c
        for w, b, s in zip(network.weights, network.biases, network.signs):
            z = sum((wi for wi, bit in zip(w, x) if bit), Fraction(0)) + b
            out += s * max(z, Fraction(0))
        if (out > 0) != bool(value):
            return False
    return True


def system(table, combination: Combination) -> tuple[list[tuple], np.ndarray, np.ndarray]:
    """The rows of ``G v >= h`` for one combination: their keys, ``G`` and ``h`` as int64 arrays (vectorised).

    The same rows as :func:`check_infeasibility` builds one by one from the
    definition (the tests compare the two on random combinations).
    """
    table = np.asarray(table, dtype=bool).ravel()
    n = len(table).bit_length() - 1
    width = len(combination.patterns)
    rows = np.arange(1 << n)
    x1 = np.concatenate([(rows[:, None] >> np.arange(n)) & 1, np.ones((1 << n, 1), dtype=np.int64)], axis=1)
    active = np.array([(p >> rows) & 1 for p in combination.patterns], dtype=np.int64)     # (width, 2^n)
    G = np.zeros(((width + 1) << n, width * (n + 1) + 1), dtype=np.int64)
    h = np.zeros((width + 1) << n, dtype=np.int64)
    sign = np.where(table, 1, -1)
    for i in range(width):
        unit = slice(i << n, (i + 1) << n)
        block = slice(i * (n + 1), (i + 1) * (n + 1))
        G[unit, block] = (2 * active[i] - 1)[:, None] * x1        # z_i >= 1 on P_i, -z_i >= 0 elsewhere
        h[unit] = active[i]
        output = slice(width << n, (width + 1) << n)
        G[output, block] = (sign * combination.signs[i] * active[i])[:, None] * x1
    G[width << n:, -1] = sign                                     # out >= 1 where f = 1, -out >= 0 where f = 0
    h[width << n:] = table
    return _row_keys(n, width), G, h


def _integer_certificate(G: np.ndarray, h: np.ndarray, y: np.ndarray) -> bool:
    """Whether nonnegative integers ``y`` give ``y^T G = 0`` and ``y^T h > 0``, in exact integer arithmetic."""
    if (y < 0).any():
        return False
    # int64 cannot overflow: every partial sum is at most sum|y| * max|G| < 2^62
    if int(np.abs(y).sum()) * max(int(np.abs(G).max()), int(np.abs(h).max()), 1) >= 1 << 62:
        G, h, y = G.astype(object), h.astype(object), y.astype(object)
    return bool(((y @ G) == 0).all() and (y @ h) > 0)


def _scaled_integers(values: Sequence[Fraction]) -> np.ndarray:
    scale = math.lcm(*(v.denominator for v in values)) if values else 1
    return np.array([int(v * scale) for v in values], dtype=object)


def _certificate(keys, G: np.ndarray, h: np.ndarray, y: np.ndarray) -> dict | None:
    """Exact multipliers from HiGHS's vertex ``y``: rounded, or its support solved again in Fractions; ``None``."""
    support = np.flatnonzero(y > SUPPORT_TOLERANCE)
    if len(support) == 0:
        return None
    matrix = [[int(G[r, j]) for r in support] for j in range(G.shape[1])] + [[int(h[r]) for r in support]]
    rounded = rational_guesses(y[support] / y[support].min(), (1, 12, 420, 5040))

    def candidates():
        yield from rounded
        yield solve_exact(matrix, [0] * G.shape[1] + [1], rounded[-1])     # the support, exactly

    for values in candidates():
        if values is None or any(v < 0 for v in values):
            continue
        integers = _scaled_integers(values)
        full = np.zeros(len(keys), dtype=object)
        full[support] = integers
        fits = int(max(integers)) < 1 << 40
        if _integer_certificate(G, h, full.astype(np.int64) if fits else full):
            return {keys[r]: Fraction(int(v)) for r, v in zip(support, integers) if v != 0}
    return None


def rational_network(table, combination, v) -> ExactNetwork | None:
    """The LP solution ``v`` rounded to rationals (a few denominator limits): the first network that computes ``f``."""
    n = len(table).bit_length() - 1
    width = len(combination.patterns)
    for guess in rational_guesses(v):
        network = ExactNetwork(
            tuple(tuple(guess[i * (n + 1): i * (n + 1) + n]) for i in range(width)),
            tuple(guess[i * (n + 1) + n] for i in range(width)), tuple(combination.signs), guess[-1])
        if check_network(table, network):
            return network
    return None


class _LinearPrograms:
    """One HiGHS instance (``highspy``) reused for many small LPs: ``solve(A, lower, upper, cost, bounds)``."""

    def __init__(self):
        import highspy

        self.highspy = highspy
        self.highs = new_highs()
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("solver", "simplex")

    def solve(self, A: np.ndarray, row_lower, row_upper, cost, col_lower, col_upper) -> np.ndarray | None:
        """A vertex optimum (column values) when HiGHS says ``Optimal``, else ``None``."""
        hs = self.highspy
        inf = hs.kHighsInf
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.asarray(cost, dtype=float)
        lp.col_lower_ = np.nan_to_num(np.asarray(col_lower, dtype=float), neginf=-inf, posinf=inf)
        lp.col_upper_ = np.nan_to_num(np.asarray(col_upper, dtype=float), neginf=-inf, posinf=inf)
        lp.row_lower_ = np.nan_to_num(np.asarray(row_lower, dtype=float), neginf=-inf, posinf=inf)
        lp.row_upper_ = np.nan_to_num(np.asarray(row_upper, dtype=float), neginf=-inf, posinf=inf)
        rows, cols = np.nonzero(A)
        lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = A.shape[1], A.shape[0]
        lp.a_matrix_.start_ = np.searchsorted(rows, np.arange(A.shape[0] + 1)).astype(np.int32)
        lp.a_matrix_.index_ = cols.astype(np.int32)
        lp.a_matrix_.value_ = A[rows, cols].astype(float)
        self.highs.clearModel()
        self.highs.passModel(lp)
        self.highs.run()
        if self.highs.modelStatusToString(self.highs.getModelStatus()) != "Optimal":
            return None
        return np.array(self.highs.getSolution().col_value)


def solve_combination(table, combination: Combination, programs: _LinearPrograms | None = None) -> CombinationAnswer:
    """Decide whether a network has these patterns and signs, with a certificate checked exactly (module docstring)."""
    programs = programs or _LinearPrograms()
    table = np.asarray(table, dtype=bool).ravel()
    keys, G, h = system(table, combination)
    inf = np.inf
    # the certificate LP: y >= 0, y^T G = 0, y^T h = 1, minimising sum y (a vertex has a small support)
    A = np.vstack([G.T, h[None, :]])
    rhs = np.concatenate([np.zeros(G.shape[1]), [1.0]])
    y = programs.solve(A, rhs, rhs, np.ones(len(keys)), np.zeros(len(keys)), np.full(len(keys), inf))
    if y is not None:
        multipliers = _certificate(keys, G, h, y)
        if multipliers is not None:
            return CombinationAnswer(combination, "infeasible", multipliers=multipliers)
    v = programs.solve(G, h, np.full(len(h), inf), np.zeros(G.shape[1]), np.full(G.shape[1], -inf),
                       np.full(G.shape[1], inf))
    if v is not None:
        network = rational_network(table, combination, v)
        if network is not None:
            return CombinationAnswer(combination, "feasible", network=network)
    return CombinationAnswer(combination, "undecided")


__all__ = ["SUPPORT_TOLERANCE", "ExactNetwork", "CombinationAnswer", "check_infeasibility", "check_network",
           "system", "rational_network", "solve_combination"]
