"""Receptive fields of the units of a layered network, and their closed form for the compiled XOR tree.

:func:`unit_supports` reads every unit's input bits off the weights'
sparsity pattern.  For the compiled XOR tree of arity ``k`` on ``n`` bits
(:func:`~expressivity.circuits.build.xor_tree` compiled by
:func:`~expressivity.networks.compiler.compile_network`) there is no need to
build the network: level ``l`` of the tree has ``m_l = ceil(n / k^l)``
values, value ``i`` being the parity of bits ``i k^l .. min((i+1) k^l, n) - 1``;
hidden layer ``l`` holds, for every value of level ``l``, one unit per
operand of its gate (a value left over at the end of a level has a single
operand and is carried by one copy unit).  Hence layer ``l`` has
``m_(l-1)`` units, every unit of a value of level ``l`` sees that value's
bits, and::

    max bits = min(n, k^l),    min bits = n - (m_l - 1) k^l   (the last value's remainder)

and the output unit sees all ``n`` bits.  :func:`xor_tree_unit_fields`
evaluates this for any ``n`` in microseconds; the tests compare it with
:func:`unit_supports` on compiled networks.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp


def unit_supports(net) -> list[sp.csr_array]:
    """For each hidden layer and the output, which input bits each unit depends on.

    Returns boolean ``(width, n_inputs)`` matrices: row ``u`` of entry ``l`` is
    the receptive field of unit ``u`` of hidden layer ``l + 1`` (the last entry
    is the output), read off the weights' sparsity pattern (a direct link
    adds its inputs to the output's field).

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> [sorted(set(m.sum(axis=1).tolist())) for m in unit_supports(compile_network(xor_tree(16)))]
    [[2], [4], [8], [16], [16]]
    """
    support = sp.identity(net.n_inputs, dtype=np.int64, format="csr")
    layers = []
    for weight in net.weights:
        pattern = sp.csr_array(weight != 0).astype(np.int64)
        support = sp.csr_array(pattern @ support)
        support.data[:] = 1
        layers.append(support.astype(bool))
    if net.skip is not None:
        direct = sp.csr_array(net.skip != 0)
        layers[-1] = sp.csr_array((layers[-1].astype(np.int64) + direct.astype(np.int64)) > 0)
    return layers


def unit_field_summary(net) -> list[dict[str, Any]]:
    """Per layer: units, and the smallest and largest number of input bits a unit depends on.

    Examples
    --------
    >>> from expressivity.networks.shallow import minterm
    >>> unit_field_summary(minterm(3))
    [{'layer': 1, 'units': 4, 'min_bits': 3, 'max_bits': 3}, {'layer': 'output', 'units': 1, 'min_bits': 3, 'max_bits': 3}]
    """
    summary = []
    supports = unit_supports(net)
    for index, support in enumerate(supports):
        sizes = np.asarray(support.sum(axis=1)).ravel()
        summary.append({
            "layer": "output" if index == len(supports) - 1 else index + 1,
            "units": int(support.shape[0]),
            "min_bits": int(sizes.min()) if sizes.size else 0,
            "max_bits": int(sizes.max()) if sizes.size else 0,
        })
    return summary


def xor_tree_unit_fields(n: int, arity: int = 2) -> list[dict[str, Any]]:
    """:func:`unit_field_summary` of the compiled ``xor_tree(n, arity)``, from the closed form (no network).

    Exact integer arithmetic: any ``n >= 1`` works, and the table has
    ``ceil(log_arity n) + 1`` rows.

    Examples
    --------
    >>> for row in xor_tree_unit_fields(10, 3):
    ...     print(row)
    {'layer': 1, 'units': 10, 'min_bits': 1, 'max_bits': 3}
    {'layer': 2, 'units': 4, 'min_bits': 1, 'max_bits': 9}
    {'layer': 3, 'units': 2, 'min_bits': 10, 'max_bits': 10}
    {'layer': 'output', 'units': 1, 'min_bits': 10, 'max_bits': 10}
    >>> xor_tree_unit_fields(2**64)[-2]
    {'layer': 64, 'units': 2, 'min_bits': 18446744073709551616, 'max_bits': 18446744073709551616}
    """
    if n < 1 or arity < 2:
        raise ValueError(f"need n >= 1 and arity >= 2, got n={n}, arity={arity}")
    rows, values, reach, layer = [], n, 1, 0
    while values > 1:
        layer += 1
        units, reach = values, reach * arity  # units: one per operand, i.e. the previous level's values
        values = -(-n // reach)
        rows.append({"layer": layer, "units": units, "min_bits": n - (values - 1) * reach, "max_bits": min(n, reach)})
    rows.append({"layer": "output", "units": 1, "min_bits": n, "max_bits": n})
    return rows


def xor_tree_unit_inputs(n: int, arity: int = 2) -> int:
    """How many (unit, input bit) pairs the compiled ``xor_tree(n, arity)`` has: the length of a full listing.

    At level ``l``, each of the ``m_l - 1`` full values has ``arity`` units
    seeing ``arity^l`` bits; the last value has one unit per operand
    (``m_(l-1) - (m_l - 1) arity`` of them) seeing the remainder.

    Examples
    --------
    >>> xor_tree_unit_inputs(16)   # 16 x 2 + 8 x 4 + 4 x 8 + 2 x 16, and the output's 16
    144
    """
    if n < 1 or arity < 2:
        raise ValueError(f"need n >= 1 and arity >= 2, got n={n}, arity={arity}")
    total, values, reach = n, n, 1
    while values > 1:
        operands, reach = values, reach * arity
        values = -(-n // reach)
        total += (values - 1) * arity * reach + (operands - (values - 1) * arity) * (n - (values - 1) * reach)
    return total


__all__ = ["unit_field_summary", "unit_supports", "xor_tree_unit_fields", "xor_tree_unit_inputs"]
