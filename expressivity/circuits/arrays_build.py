"""The parity circuits of :mod:`expressivity.circuits.build`, built directly as arrays.

Each builder numbers its nodes in the order the networkx builder adds them
and names them as it does (``("xor", level, position)``, ``("xor", i)``,
``("not", i)``, ``("and", pattern)``, ``("or",)``), so that
``to_networkx()`` of the result is the networkx builder's graph; the tests
compare the two.  Building takes a few numpy calls per level: the XOR tree on
2^20 bits in well under a second, where the networkx graph takes tens.

Examples
--------
>>> from expressivity.circuits.build import xor_tree
>>> tree = xor_tree_arrays(5)
>>> tree.operands.tolist(), tree.depths.tolist(), tree.label(7)
([0, 1, 2, 3, 5, 6, 7, 4], [0, 0, 0, 0, 0, 1, 1, 2, 3], ('xor', 2, 0))
>>> sorted(tree.to_networkx().edges) == sorted(xor_tree(5).edges)
True
"""
from __future__ import annotations

import numpy as np

from expressivity.circuits.arrays import AND, INPUT, NOT, OR, XOR, ArrayCircuit
from expressivity.circuits.build import check_dnf_size
from expressivity.circuits.schema import CircuitError


def xor_tree_arrays(n: int, arity: int = 2) -> ArrayCircuit:
    """:func:`expressivity.circuits.build.xor_tree` as arrays: each level groups ``arity`` consecutive values.

    Examples
    --------
    >>> xor_tree_arrays(9, 3).depth, int((xor_tree_arrays(9, 3).kinds == XOR).sum())
    (2, 4)
    """
    _check_bits(n)
    if arity < 2:
        raise CircuitError(f"arity must be at least 2, got {arity}")
    level = np.arange(n, dtype=np.int64)
    next_node, height = n, 0
    starts, arities, operands, depths = [n], [np.zeros(n, dtype=np.int64)], [], [np.zeros(n, dtype=np.int64)]
    while level.size > 1:
        height += 1
        full, rest = divmod(level.size, arity)
        groups = full + (rest >= 2)
        operands.append(level[: full * arity + (rest if rest >= 2 else 0)])
        sizes = np.full(groups, arity, dtype=np.int64)
        if rest >= 2:
            sizes[-1] = rest
        arities.append(sizes)
        depths.append(np.full(groups, height, dtype=np.int64))
        made = np.arange(next_node, next_node + groups, dtype=np.int64)
        next_node += groups
        starts.append(next_node)
        level = np.concatenate([made, level[-1:]]) if rest == 1 else made
    arity_all = np.concatenate(arities)
    indptr = np.zeros(next_node + 1, dtype=np.int64)
    np.cumsum(arity_all, out=indptr[1:])
    kinds = np.full(next_node, XOR, dtype=np.int8)
    kinds[:n] = INPUT
    bounds = np.array(starts[:-1], dtype=np.int64)

    def label(node: int):
        if node < n:
            return ("x", node)
        index = int(np.searchsorted(bounds, node, side="right"))  # level `index` starts at bounds[index - 1]
        return ("xor", index, node - int(bounds[index - 1]))

    return ArrayCircuit(n, kinds, indptr, _concatenate(operands), level[:1].copy(), np.zeros(next_node, dtype=np.int8),
                        np.concatenate(depths), f"xor_tree(n={n}, arity={arity})", label)


def xor_chain_arrays(n: int) -> ArrayCircuit:
    """:func:`expressivity.circuits.build.xor_chain` as arrays: gate ``i`` reads gate ``i-1`` (or ``x_0``) and ``x_i``.

    Examples
    --------
    >>> xor_chain_arrays(4).operands.tolist()
    [0, 1, 4, 2, 5, 3]
    """
    _check_bits(n)
    gates = np.arange(1, n, dtype=np.int64)
    previous = np.where(gates == 1, 0, n + gates - 2)
    operands = np.stack([previous, gates], axis=1).ravel()
    size = 2 * n - 1
    kinds = np.full(size, XOR, dtype=np.int8)
    kinds[:n] = INPUT
    indptr = np.zeros(size + 1, dtype=np.int64)
    indptr[n + 1:] = 2 * gates
    depths = np.concatenate([np.zeros(n, dtype=np.int64), gates])
    return ArrayCircuit(n, kinds, indptr, operands, np.array([size - 1], dtype=np.int64), np.zeros(size, dtype=np.int8),
                        depths, f"xor_chain(n={n})", lambda node: ("x", node) if node < n else ("xor", node - n + 1))


def parity_dnf_arrays(n: int) -> ArrayCircuit:
    """:func:`expressivity.circuits.build.parity_dnf` as arrays: NOT of every input, one AND per odd pattern, an OR.

    Refuses more than ``MAX_DNF_TERMS`` terms with a ``MemoryError``, as the networkx builder does.

    Examples
    --------
    >>> dnf = parity_dnf_arrays(2)
    >>> dnf.operands.tolist(), dnf.label(4), dnf.label(6)
    ([0, 1, 0, 3, 2, 1, 4, 5], ('and', 1), ('or',))
    """
    terms = check_dnf_size(n)
    patterns = np.arange(1 << n, dtype=np.int64)
    bits = (patterns[:, None] >> np.arange(n)) & 1
    odd = patterns[bits.sum(axis=1) % 2 == 1]
    literals = np.where(bits[odd] == 1, np.arange(n), n + np.arange(n)).ravel()
    size = 2 * n + terms + 1
    kinds = np.concatenate([np.full(n, INPUT), np.full(n, NOT), np.full(terms, AND), [OR]]).astype(np.int8)
    arity = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64), np.full(terms, n), [terms]])
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(arity, out=indptr[1:])
    operands = np.concatenate([np.arange(n), literals, 2 * n + np.arange(terms)]).astype(np.int64)
    depths = np.concatenate([np.zeros(2 * n, dtype=np.int64), np.ones(terms, dtype=np.int64), [2]]).astype(np.int64)
    pattern_of = odd.tolist()

    def label(node: int):
        if node < n:
            return ("x", node)
        if node < 2 * n:
            return ("not", node - n)
        return ("and", pattern_of[node - 2 * n]) if node < size - 1 else ("or",)

    return ArrayCircuit(n, kinds, indptr, operands, np.array([size - 1], dtype=np.int64), np.zeros(size, dtype=np.int8),
                        depths, f"parity_dnf(n={n})", label)


def _concatenate(parts: list) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _check_bits(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise CircuitError(f"the number of bits must be a positive integer, got {n!r}")


__all__ = ["parity_dnf_arrays", "xor_chain_arrays", "xor_tree_arrays"]
