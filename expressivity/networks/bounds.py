"""Rigorous upper bounds on a ReLU network's values and on its float64 rounding, at every magnitude.

Both bounds decide whether a network's outputs can be computed exactly (int64,
or float64 below 2^53) and how far float64 outputs may be from the truth, so
they must hold for every weight a file can hold: int64 values near 2^63 (whose
row sums wrap in int64, and ``abs(-2^63)`` wraps too), float64 values near
2^1024 (whose sums overflow) and subnormals down to 2^-1074 (whose products
underflow).  Hence:

* every value is converted to float64 before ``abs`` or a sum (nothing wraps),
  and an int64 beyond 2^53, which that conversion may round down, is stepped up;
* every float64 operation of a bound is followed by a step to the next float64
  upwards (:func:`up`): a result rounded to nearest is then at least the exact
  one, in the subnormal range as well (where an error is absolute, up to 2^-1075,
  not relative), and an overflow gives ``inf``, which is a true bound too;
* a sum that numpy computes in one call (a row sum of ``d`` non-negative terms,
  in any order) is enlarged by ``1 + d 2^-52`` before that step: additions of
  non-negative float64 never underflow, so their error is relative only.

The rounding bound uses the standard model with underflow: each float64
operation gives ``(a op b)(1 + delta) + eta``, ``|delta| <= 2^-53``,
``|eta| <= 2^-1075``.  A dot product of ``d`` terms plus a bias is then off by at
most ``gamma (|w|.|h| + |b|) + (d + 1) 2^-1074`` with ``gamma = (d + 2) 2^-52``,
which also covers rounding the weights to float64 first (int64 beyond 2^53).

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> xor = (sp.csr_array(np.array([[1, 1], [1, 1]])), sp.csr_array(np.array([[1, -2]])))
>>> 9 <= magnitude_bound(xor, (np.array([0, -1]), np.array([0])), None) < 9 + 1e-12  # 3 (2 + 1) + 0
True
>>> wraps = (sp.csr_array(np.array([[2**62, 2**62, 1]])),)  # the int64 row sum wraps to 1 - 2^63
>>> magnitude_bound(wraps, (np.array([-2**63]),), None) >= 2**63 + 2**63
True
>>> tiny = 2.0**-1074  # products of subnormals underflow: the bound is never 0
>>> rounding_error_bound((sp.csr_array(np.array([[3 * tiny]])), sp.csr_array(np.array([[0.5]]))),
...                      (np.array([0.0]), np.array([0.0])), None) > 0
True
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Integers up to this magnitude convert to float64 exactly.
FLOAT64_EXACT = 2**53
#: The unit roundoff of float64 (round to nearest).
UNIT_ROUNDOFF = 2.0**-53
#: The least positive float64 (a subnormal); an underflowing operation is off by at most half of it.
LEAST_FLOAT64 = 2.0**-1074


def up(values):
    """``values``, each the float64 result of one operation rounded to nearest, stepped up past that rounding.

    The next float64 above the rounded result is at least the exact result, at
    any magnitude; a NaN (``0 * inf``, from a bound that overflowed) becomes inf.

    Examples
    --------
    >>> float(up(1.0)) == 1.0 + 2.0**-52, float(up(0.0)) == 2.0**-1074, float(up(np.nan))
    (True, True, inf)
    """
    values = np.nextafter(values, np.inf)
    return np.where(np.isnan(values), np.inf, values)


def abs_upper(array) -> np.ndarray:
    """Upper bounds on ``|array|`` as float64, for any integer or float dtype, without wrapping.

    Examples
    --------
    >>> abs_upper(np.array([-2**63, 3], dtype=np.int64)).tolist() == [2.0**63 + 2**11, 3.0]  # one step up
    True
    >>> bool(abs_upper(np.array([2**53 + 1]))[0] >= 2**53 + 1)  # float64 rounds it down to 2^53, the bound not
    True
    """
    array = np.asarray(array)
    values = np.abs(array.astype(np.float64))  # abs after the conversion: abs(-2^63) does not wrap
    if array.dtype.kind in "iu":
        rounded = values > FLOAT64_EXACT
        if rounded.any():
            values[rounded] = up(values[rounded])
    return values


def row_sums_upper(matrix) -> np.ndarray:
    """Upper bounds on the row sums of ``|matrix|`` (a sparse matrix of any dtype), as float64."""
    csr = _csr(matrix)
    counts = np.diff(csr.indptr)
    sums = np.zeros(csr.shape[0])
    filled = counts > 0
    if filled.any():  # float64, no wrap; each row's segment runs to the next filled row's start
        sums[filled] = np.add.reduceat(abs_upper(csr.data[: csr.indptr[-1]]), csr.indptr[:-1][filled])
    return up(sums * (1.0 + int(np.max(counts, initial=0)) * 2.0**-52))


def most_terms(matrix) -> int:
    """The most nonzero entries in a row of a sparse matrix."""
    return int(np.max(np.diff(_csr(matrix).indptr), initial=0))


def _csr(matrix):
    return matrix if sp.issparse(matrix) and matrix.format == "csr" else sp.csr_array(matrix)


def _largest(values) -> float:
    return float(np.max(values, initial=0.0))


# A deep network's bound passes float64's range: inf (and 0 * inf, which up() makes inf) is a true bound, not a fault.
@np.errstate(over="ignore", invalid="ignore")
def magnitude_bound(weights, biases, skip, input_bound: float = 1.0) -> float:
    """An upper bound on ``|value|`` of every unit, output and partial sum, for inputs in [-input_bound, input_bound].

    ``weights``, ``biases`` and ``skip`` as in :class:`~expressivity.networks.layered.LayeredNet`.
    The result is a float64 at least the exact bound ``max_j (sum_i |w_ji| B + |b_j|)``
    carried through the layers (``inf`` past float64's range).
    """
    bound = float(input_bound)
    for weight, bias in zip(weights, biases):
        bound = _largest(up(up(row_sums_upper(weight) * bound) + abs_upper(bias)))
    if skip is not None:
        direct = _largest(row_sums_upper(skip))
        bound = float(up(bound + float(up(direct * input_bound))))
    return bound


# A deep network's bound passes float64's range: inf (and 0 * inf, which up() makes inf) is a true bound, not a fault.
@np.errstate(over="ignore", invalid="ignore")
def rounding_error_bound(weights, biases, skip, input_bound: float = 1.0) -> float:
    """An upper bound on ``|float64 output - exact output|``, for inputs exact in float64 within ``input_bound``.

    Carries each layer's error through the next (``|W| e``; ReLU does not enlarge
    it) and adds the layer's own rounding (see the module docstring), in any
    order of summation, with or without fused multiply-adds.  Never 0: a
    network computed in float64 has at least the underflow term.
    """
    bound, error = float(input_bound), 0.0
    for weight, bias in zip(weights, biases):
        rows = row_sums_upper(weight)
        terms = most_terms(weight) + 1
        gamma = (terms + 1) * 2.0**-52  # >= gamma_{terms + 1} = k u / (1 - k u) while k u <= 1/2
        if terms * UNIT_ROUNDOFF > 0.25:
            return np.inf
        magnitudes = up(up(rows * up(bound + error)) + abs_upper(bias))  # bounds |W||h_computed| + |b|
        own = up(up(gamma * magnitudes) + terms * LEAST_FLOAT64)
        error = _largest(up(up(rows * error) + own))
        bound = _largest(up(up(rows * bound) + abs_upper(bias)))
    if skip is not None:
        direct = _largest(row_sums_upper(skip))
        terms = most_terms(skip) + 1
        gamma = (terms + 1) * 2.0**-52
        # the direct product's own rounding, and the final addition of the two
        total = float(up(up(direct * input_bound) + up(bound + error)))
        error = float(up(error + float(up(up(gamma * total) + terms * LEAST_FLOAT64))))
    return error
