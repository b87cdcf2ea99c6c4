"""Linear separability, decided with exact certificates: the second, independent proof that width 1 is not enough.

Why separability is the question for width 1
--------------------------------------------
In the sign variant a network computes ``f`` when its output is ``> 0``
exactly where ``f = 1`` (an output of 0 is wrong).  One hidden unit gives
``out(x) = a relu(z) + c`` with ``z = w.x + b``.

* ``a = 0``: ``out = c``, a constant function.
* ``a > 0``: ``out > 0`` iff ``relu(z) > t`` with ``t = -c/a``.  If ``t < 0``
  this always holds (``f = 1``).  Otherwise ``t >= 0`` and, since
  ``relu(z) = max(z, 0)`` and ``0 > t`` is false, ``relu(z) > t`` iff
  ``z > t``: ``f = [w.x + b - t > 0]``, a (strict) threshold function.
* ``a < 0``: ``out > 0`` iff ``relu(z) < t`` with ``t = c/|a|``.  If ``t <= 0``
  this never holds (``f = 0``).  Otherwise ``t > 0``, ``0 < t`` holds, and
  ``relu(z) < t`` iff ``z < t``: ``f = [-w.x - b + t > 0]``, again a threshold
  function.

Conversely a threshold function ``[w.x + b > 0]`` on the finite cube is
computed by one unit: scale ``w, b`` so that every positive value of
``w.x + b`` on ``{0,1}^n`` is ``>= 1``; then ``relu(w.x + b) - 1/2`` is
``>= 1/2`` where ``f = 1`` and ``-1/2`` where ``f = 0``.  So one unit computes
exactly the constants and the threshold (linearly separable) functions, and a
non-constant ``f`` needs at least 2 units iff it is not linearly separable.

The certificates
----------------
*Not separable.*  ``f`` is linearly separable iff the convex hulls of its
ones and of its zeros are disjoint (two disjoint polytopes are strictly
separated by a hyperplane; a separating hyperplane keeps the hulls apart).
So a point in both hulls proves non-separability: rationals ``lambda_x >= 0``
over the ones and ``mu_y >= 0`` over the zeros with ``sum lambda = sum mu = 1``
and ``sum lambda_x x = sum mu_y y``.  Indeed, if ``[w.x + b > 0]`` were ``f``,
the left side would give ``w.p + b > 0`` and the right side ``w.p + b <= 0``
at the same point ``p``.  This is the Farkas dual of the separation LP.

*Separable.*  Integer weights and bias with ``[w.x + b > 0] = f`` on every input.

How they are found and checked
------------------------------
HiGHS (``scipy.optimize.linprog``, floating point) finds a point in both hulls
(variables ``lambda, mu``) or a separating hyperplane; neither answer is
trusted.  A hull point is made exact by taking the LP's support and solving
the equalities on it again in :class:`fractions.Fraction` arithmetic (Gaussian
elimination); weights are rounded to rationals with a few denominator limits
and scaled to integers.  Every certificate is then checked exactly, in
Fractions and ints only (:func:`check_hull_certificate`,
:func:`check_threshold_certificate`); where none checks the answer is
``separable=None`` ("undecided"), which is never counted.

This module shares no code with the mixed-integer programs of
:mod:`expressivity.prove` (program, cuts, symmetry, solve, width, summary): it
is an independent check of their width-1 answers.

Examples
--------
>>> from expressivity.functions import parse_function
>>> s = separability(parse_function("parity", 2))
>>> s.separable, s.certificate
(False, HullCertificate(lambdas={1: Fraction(1, 2), 2: Fraction(1, 2)}, mus={0: Fraction(1, 2), 3: Fraction(1, 2)}))
>>> separability(parse_function("majority", 3)).separable
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational
from typing import Mapping

import numpy as np

from expressivity.prove.exact.rational import DENOMINATOR_LIMITS, rational_guesses, solve_exact

#: The method name of a non-separability proof (a point in both convex hulls, checked in Fractions).
HULL_METHOD = "exact hull certificate (LP support re-solved in Fractions)"
#: The method name of a separability proof (integer weights and bias checked on every input).
THRESHOLD_METHOD = "exact integer threshold weights (checked on every input)"
#: No certificate checked: nothing is claimed.
UNDECIDED_METHOD = "undecided"
#: LP values below this are outside the support.
SUPPORT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class HullCertificate:
    """A point in both convex hulls: ``lambdas`` over the ones and ``mus`` over the zeros (input index: weight)."""

    lambdas: Mapping[int, Fraction]
    mus: Mapping[int, Fraction]


@dataclass(frozen=True)
class ThresholdCertificate:
    """Integer ``weights`` and ``bias`` with ``[weights . x + bias > 0] = f`` on every input."""

    weights: tuple[int, ...]
    bias: int


@dataclass(frozen=True)
class Separability:
    """Whether ``f`` is linearly separable (``None``: undecided), with the certificate that was checked exactly."""

    separable: bool | None
    certificate: HullCertificate | ThresholdCertificate | None
    method: str


def _table(f) -> np.ndarray:
    table = np.asarray(getattr(f, "table", f)).astype(bool).ravel()
    size = len(table)
    if size == 0 or size & (size - 1):
        raise ValueError(f"a truth table has 2^n rows, got {size}")
    return table


def _bits(n: int, k: int) -> list[int]:
    """Input row ``k``: ``x_i`` is bit ``i`` of ``k``."""
    return [(k >> i) & 1 for i in range(n)]


def _is_exact(value) -> bool:
    return isinstance(value, Rational) and not isinstance(value, bool)


def check_hull_certificate(f, certificate) -> bool:
    """Whether ``certificate`` puts one point in both convex hulls of ``f`` (ones, zeros); exact arithmetic only.

    Weights must be ints or Fractions (a float is rejected), keyed by input rows
    of the right value, nonnegative, summing to 1 on each side, with equal
    weighted sums of the inputs in every coordinate.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> xor = parse_function("parity", 2)
    >>> half = Fraction(1, 2)
    >>> check_hull_certificate(xor, HullCertificate({1: half, 2: half}, {0: half, 3: half}))
    True
    >>> check_hull_certificate(xor, HullCertificate({1: 0.5, 2: 0.5}, {0: half, 3: half}))  # floats: no
    False
    """
    if not isinstance(certificate, HullCertificate):
        return False
    table = _table(f)
    n = len(table).bit_length() - 1
    sums = []
    for weights, value in ((certificate.lambdas, True), (certificate.mus, False)):
        if not isinstance(weights, Mapping):
            return False
        total = Fraction(0)
        point = [Fraction(0)] * n
        for k, weight in weights.items():
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(table):
                return False
            if bool(table[k]) != value or not _is_exact(weight) or weight < 0:
                return False
            total += weight
            for i, bit in enumerate(_bits(n, k)):
                if bit:
                    point[i] += weight
        if total != 1:
            return False
        sums.append(point)
    return sums[0] == sums[1]


def check_threshold_certificate(f, certificate) -> bool:
    """Whether the integer ``weights, bias`` give ``[w.x + b > 0] = f`` on every input (ints only).

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> check_threshold_certificate(parse_function("majority", 3), ThresholdCertificate((1, 1, 1), -1))
    True
    >>> check_threshold_certificate(parse_function("majority", 3), ThresholdCertificate((1, 1, 1), -2))
    False
    """
    if not isinstance(certificate, ThresholdCertificate):
        return False
    table = _table(f)
    n = len(table).bit_length() - 1
    values = list(certificate.weights) + [certificate.bias]
    if len(values) != n + 1 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return False
    for k, value in enumerate(table):
        z = sum(w for w, bit in zip(certificate.weights, _bits(n, k)) if bit) + certificate.bias
        if (z > 0) != bool(value):
            return False
    return True


def _hull_certificate(table: np.ndarray) -> HullCertificate | None:
    from scipy.optimize import linprog

    n = len(table).bit_length() - 1
    ones = [k for k in range(len(table)) if table[k]]
    zeros = [k for k in range(len(table)) if not table[k]]
    columns = ones + zeros
    # one row per coordinate (sum lambda x - sum mu y = 0), then sum lambda = 1 and sum mu = 1
    matrix = [[(1 if table[k] else -1) * _bits(n, k)[i] for k in columns] for i in range(n)]
    matrix.append([1 if table[k] else 0 for k in columns])
    matrix.append([0 if table[k] else 1 for k in columns])
    rhs = [0] * n + [1, 1]
    result = linprog(np.zeros(len(columns)), A_eq=np.array(matrix, dtype=float), b_eq=np.array(rhs, dtype=float),
                     bounds=(0, None), method="highs-ds")
    if result.status != 0 or result.x is None:
        return None
    support = [j for j, v in enumerate(result.x) if v > SUPPORT_TOLERANCE]
    guesses = rational_guesses(result.x[support])
    for guess in guesses[-1:] + guesses[:-1]:
        exact = solve_exact([[row[j] for j in support] for row in matrix], rhs, guess)
        if exact is None:
            return None
        if all(v >= 0 for v in exact):
            lambdas = {columns[j]: v for j, v in zip(support, exact) if v != 0 and table[columns[j]]}
            mus = {columns[j]: v for j, v in zip(support, exact) if v != 0 and not table[columns[j]]}
            certificate = HullCertificate(lambdas, mus)
            if check_hull_certificate(table, certificate):
                return certificate
    return None


def _threshold_certificate(table: np.ndarray) -> ThresholdCertificate | None:
    from scipy.optimize import linprog

    n = len(table).bit_length() - 1
    # variables (w, b): -(w.x + b) <= -1 on the ones, w.x + b <= -1 on the zeros
    signs = np.where(table, -1.0, 1.0)
    x = np.array([_bits(n, k) + [1] for k in range(len(table))], dtype=float)
    result = linprog(np.zeros(n + 1), A_ub=signs[:, None] * x, b_ub=-np.ones(len(table)),
                     bounds=(None, None), method="highs-ds")
    if result.status != 0 or result.x is None:
        return None
    for limit in DENOMINATOR_LIMITS:
        values = [Fraction(float(v)).limit_denominator(limit) for v in result.x]
        scale = math.lcm(*(v.denominator for v in values))
        integers = [int(v * scale) for v in values]
        divisor = math.gcd(*integers)
        if divisor > 1:
            integers = [v // divisor for v in integers]
        certificate = ThresholdCertificate(tuple(integers[:n]), integers[n])
        if check_threshold_certificate(table, certificate):
            return certificate
    return None


def separability(f) -> Separability:
    """Decide whether ``f`` (a ``BooleanFunction`` or a truth table) is linearly separable, with an exact certificate.

    ``separable``: ``True`` with a :class:`ThresholdCertificate` (constants
    included: zero weights), ``False`` with a :class:`HullCertificate`, or
    ``None`` ("undecided") where no certificate checked exactly.  The LP
    answers are never trusted: both searches run unless the first one's
    certificate checks.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> s = separability(parse_function("threshold:2", 2))  # AND: [2 x0 + 2 x1 - 3 > 0]
    >>> s.separable, s.certificate, s.method
    (True, ThresholdCertificate(weights=(2, 2), bias=-3), 'exact integer threshold weights (checked on every input)')
    >>> separability(parse_function("hex:0", 2)).certificate
    ThresholdCertificate(weights=(0, 0), bias=0)
    """
    table = _table(f)
    n = len(table).bit_length() - 1
    if table.all() or not table.any():
        constant = ThresholdCertificate((0,) * n, 1 if table.all() else 0)
        if check_threshold_certificate(table, constant):
            return Separability(True, constant, THRESHOLD_METHOD)
    hull = _hull_certificate(table)
    if hull is not None:
        return Separability(False, hull, HULL_METHOD)
    weights = _threshold_certificate(table)
    if weights is not None:
        return Separability(True, weights, THRESHOLD_METHOD)
    return Separability(None, None, UNDECIDED_METHOD)


__all__ = [
    "HULL_METHOD", "THRESHOLD_METHOD", "UNDECIDED_METHOD", "DENOMINATOR_LIMITS", "HullCertificate",
    "ThresholdCertificate", "Separability", "check_hull_certificate", "check_threshold_certificate",
    "separability",
]
