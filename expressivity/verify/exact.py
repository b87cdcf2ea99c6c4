"""Exact arithmetic for networks with any float64 weights: scaling by powers of two.

Every float64 is a dyadic rational ``m 2^e``.  ReLU is positively homogeneous,
``relu(2^a z) = 2^a relu(z)``, so scaling layer ``l``'s weights by ``2^(a_l)``
and its biases by ``2^(A_l)``, ``A_l = a_1 + ... + a_l``, scales every value of
hidden layer ``l`` by ``2^(A_l)`` and loses nothing: the scaled network computes
``2^A y(x)`` exactly, with ``A = A_{D+1}``.  Choosing each ``a_l`` just large
enough makes every scaled weight and bias an integer, so

* :func:`scaled_integer_net` gives an int64 network and ``A`` when the scaled
  values stay within int64 (then the fast verifiers run on it, exactly), and
* :func:`exact_outputs` computes outputs in Python integers (no size limit),
  for the inputs that float64 with its rounding bound could not decide.

A direct link ``S x`` is scaled by ``2^A``, which must then also make it integral.

Examples
--------
>>> from expressivity.networks.layered import LayeredNet
>>> net = LayeredNet.from_dense([[[0.5, 0.25]], [[3.0]]], [[-0.125], [0.0]])
>>> scaled, shift = scaled_integer_net(net)
>>> scaled.weights[0].toarray().tolist(), scaled.biases[0].tolist(), shift
([[4, 2]], [-1], 3)
>>> [str(v) for v in exact_outputs(net, np.array([[1, 1], [0, 1]]))[:, 0]]
['15/8', '3/8']
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError
from expressivity.networks.layered import LayeredNet

#: Most Python-integer multiply-adds :func:`exact_outputs` is asked to do (a few seconds).
MAX_EXACT_OPERATIONS = 20_000_000


def _exponent(values: np.ndarray) -> int:
    """The least ``k`` with ``v 2^k`` an integer for every finite float64 ``v`` in ``values`` (0 if all are)."""
    if np.asarray(values).dtype.kind in "iub":
        return 0
    values = np.asarray(values, dtype=np.float64)
    values = values[values != 0]
    if not values.size:
        return 0
    if not np.all(np.isfinite(values)):
        raise InputError("the network has infinite or NaN weights, which are no numbers to compute with")
    mantissa, exponent = np.frexp(values)  # v = m 2^e, 0.5 <= |m| < 1, m has 53 bits
    integers = (mantissa * 2.0**53).astype(np.int64)
    trailing = np.array([(int(i) & -int(i)).bit_length() - 1 for i in integers])
    return max(0, int(np.max(53 - exponent - trailing)))


def scale_exponents(net: LayeredNet) -> list[int]:
    """``A_1, ..., A_{D+1}``: layer ``l``'s values are scaled by ``2^(A_l)`` (see the module docstring)."""
    totals, total = [], 0
    last = len(net.weights) - 1
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases)):
        step = _exponent(weight.data)
        total = max(total + step, _exponent(bias))
        if layer == last and net.skip is not None:
            total = max(total, _exponent(net.skip.data))
        totals.append(total)
    return totals


def _times_power_of_two(value, power: int) -> int:
    """``value 2^power`` for a Python int or float that it makes an integer, exactly."""
    scaled = Fraction(value) * (1 << power)
    if scaled.denominator != 1:
        raise AssertionError(f"{value!r} times 2^{power} is not an integer")  # scale_exponents guarantees it
    return scaled.numerator


def _scaled_layers(net: LayeredNet):
    """Per layer: (CSR structure, Python-int weights, Python-int biases), and the skip's, and ``A``."""
    problem = net.nonfinite()
    if problem is not None:
        raise InputError(f"{problem}, which is no number to compute with")
    totals = scale_exponents(net)
    previous = 0
    layers = []
    for weight, bias, total in zip(net.weights, net.biases, totals):
        step = total - previous
        data = [_times_power_of_two(v, step) for v in weight.data.tolist()]
        biases = [_times_power_of_two(v, total) for v in np.asarray(bias).tolist()]
        layers.append((weight.indptr, weight.indices, data, biases))
        previous = total
    skip = None
    if net.skip is not None:
        skip = (net.skip.indptr, net.skip.indices, [_times_power_of_two(v, totals[-1]) for v in net.skip.data.tolist()])
    return layers, skip, totals[-1]


def scaled_integer_net(net: LayeredNet) -> tuple[LayeredNet, int] | None:
    """An int64 network computing ``2^A`` times ``net``'s outputs exactly, and ``A``; None if int64 is too small.

    "Too small" means a scaled value, or any value the scaled network can reach
    on inputs in [-1, 1] (its magnitude bound), reaches 2^62.
    """
    if net.is_integral:
        scaled, shift = net, 0
    else:
        integral = net.integer_form()
        if integral is not None:
            scaled, shift = integral, 0
        else:
            try:
                layers, skip, shift = _scaled_layers(net)
            except ValueError:
                return None
            limit = 1 << 62
            values = [v for _, _, data, biases in layers for v in data + biases] + (skip[2] if skip else [])
            if shift >= 62 or any(abs(v) >= limit for v in values):
                return None
            weights = tuple(
                sp.csr_array((np.array(data, dtype=np.int64), indices, indptr), shape=w.shape)
                for (indptr, indices, data, _), w in zip(layers, net.weights)
            )
            biases = tuple(np.array(b, dtype=np.int64) for _, _, _, b in layers)
            direct = None if skip is None else sp.csr_array(
                (np.array(skip[2], dtype=np.int64), skip[1], skip[0]), shape=net.skip.shape)
            scaled = LayeredNet(weights, biases, direct, net.plan, net.name)
    if scaled.magnitude_bound(1.0) >= 2**62:
        return None
    return scaled, shift


def exact_operations(net: LayeredNet, rows: int) -> int:
    """Multiply-adds :func:`exact_outputs` does for ``rows`` inputs."""
    per_row = sum(int(w.nnz) + int(w.shape[0]) for w in net.weights) + (int(net.skip.nnz) if net.skip is not None else 0)
    return rows * per_row


def exact_outputs(net: LayeredNet, bits: np.ndarray) -> np.ndarray:
    """The network's outputs on the integer input rows ``bits``, as exact Fractions, shape ``(m, n_outputs)``.

    Python integers throughout (no rounding, no overflow): the dyadic scaling of
    the module docstring, one sparse row at a time.  Cost :func:`exact_operations`.
    """
    layers, skip, shift = _scaled_layers(net)
    rows = [[int(v) for v in row] for row in np.asarray(bits)]
    depth = len(layers) - 1
    results = []
    for x in rows:
        h = x
        for layer, (indptr, indices, data, biases) in enumerate(layers):
            out = []
            for unit, bias in enumerate(biases):
                total = bias
                for k in range(indptr[unit], indptr[unit + 1]):
                    total += data[k] * h[indices[k]]
                out.append(max(total, 0) if layer < depth else total)
            h = out
        if skip is not None:
            indptr, indices, data = skip
            h = [value + sum(data[k] * x[indices[k]] for k in range(indptr[o], indptr[o + 1])) for o, value in enumerate(h)]
        results.append([Fraction(value, 1 << shift) for value in h])
    out = np.empty((len(results), net.n_outputs), dtype=object)
    for i, row in enumerate(results):
        out[i, :] = row
    return out
