"""The reference evaluator: a circuit computed on 64 inputs per machine word.

It shares no code with the networks: it reads the gates of the graph and
applies numpy's bitwise operations to uint64 words, bit ``j`` of word ``w``
holding the value on input number ``64*w + j``.  Input number ``k`` sets bit
``i`` to ``(k >> i) & 1`` (little-endian: ``x_0`` is the lowest bit).
"""
from __future__ import annotations

from functools import reduce

import networkx as nx
import numpy as np

from expressivity.circuits.schema import CircuitError, check_circuit
from expressivity.errors import check_int

#: The most inputs a truth table is made for: 2^26 rows (as ``expressivity.functions.MAX_BITS``).
MAX_TABLE_BITS = 26

WORD_BITS = 64
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
# Input bit i < 6 repeats with period 2^(i+1) inside a 64-bit word.
_LOW_PATTERNS = [
    np.uint64(sum(1 << j for j in range(64) if (j >> i) & 1)) for i in range(6)
]


def exhaustive_words(n: int, first_word: int, n_words: int) -> np.ndarray:
    """Input words of shape ``(n, n_words)`` for inputs ``64*first_word ..``.

    Examples
    --------
    >>> hex(int(exhaustive_words(2, 0, 1)[1, 0]))
    '0xcccccccccccccccc'
    """
    words = np.empty((n, n_words), dtype=np.uint64)
    index = np.arange(first_word, first_word + n_words, dtype=np.uint64)
    for i in range(n):
        if i < 6:
            words[i] = _LOW_PATTERNS[i]
        else:
            words[i] = np.where((index >> np.uint64(i - 6)) & np.uint64(1), _ALL, np.uint64(0))
    return words


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Rows of 0/1 values, shape ``(m, n)``, as words of shape ``(n, ceil(m/64))``."""
    bits = np.asarray(bits, dtype=np.uint8)
    m, n = bits.shape
    padded = np.zeros((n, -(-m // WORD_BITS) * WORD_BITS), dtype=np.uint8)
    padded[:, :m] = bits.T
    return np.packbits(padded, axis=1, bitorder="little").view(np.uint64).reshape(n, -1)


def unpack_bits(words: np.ndarray, m: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: words ``(k, W)`` to 0/1 rows ``(m, k)``."""
    words = np.ascontiguousarray(words, dtype=np.uint64)
    bits = np.unpackbits(words.view(np.uint8).reshape(words.shape[0], -1), axis=1, bitorder="little")
    return bits[:, :m].T.copy()


def evaluate_words(circuit: nx.DiGraph, input_words: np.ndarray) -> np.ndarray:
    """Evaluate on packed inputs ``(n, W)``; return packed outputs ``(n_outputs, W)``.

    Values are dropped as soon as their last reader is done, so memory follows
    the circuit's width, not its size.
    """
    n_words = input_words.shape[1]
    outputs = circuit.graph["outputs"]
    readers_left = {node: circuit.out_degree(node) for node in circuit}
    keep = set(outputs)
    values: dict = {}
    for node in nx.topological_sort(circuit):
        data = circuit.nodes[node]
        gate = data["gate"]
        if gate == "input":
            value = input_words[data["index"]]
        elif gate == "const":
            value = np.full(n_words, _ALL if data["value"] else 0, dtype=np.uint64)
        else:
            operands = [values[operand] for operand in data["operands"]]
            if gate == "not":
                value = ~operands[0]
            elif gate == "and":
                value = reduce(np.bitwise_and, operands)
            elif gate == "or":
                value = reduce(np.bitwise_or, operands)
            else:
                value = reduce(np.bitwise_xor, operands)
            for operand in set(data["operands"]):
                readers_left[operand] -= 1
                if readers_left[operand] == 0 and operand not in keep:
                    del values[operand]
        values[node] = value
    return np.stack([values[output] for output in outputs])


def evaluate(circuit: nx.DiGraph, bits: np.ndarray) -> np.ndarray:
    """The circuit's outputs, shape ``(m, n_outputs)`` of 0/1, on the rows of ``bits``.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> evaluate(xor_tree(3), [[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]]).ravel().tolist()
    [0, 1, 0, 1]
    """
    check_circuit(circuit)
    try:
        bits = np.asarray(bits, dtype=np.uint8)
    except (TypeError, ValueError, OverflowError):
        raise CircuitError(f"bits must be rows of 0/1 values, got {type(bits).__name__}") from None
    if bits.ndim != 2 or bits.shape[1] != circuit.graph["n_inputs"]:
        raise CircuitError(f"expected bits of shape (m, {circuit.graph['n_inputs']}), got {bits.shape}")
    words = evaluate_words(circuit, pack_bits(bits))
    return unpack_bits(words, bits.shape[0])


def truth_table(circuit: nx.DiGraph) -> np.ndarray:
    """Outputs on all ``2^n`` inputs in index order, shape ``(2^n, n_outputs)``.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> truth_table(xor_tree(2)).ravel().tolist()
    [0, 1, 1, 0]
    """
    check_circuit(circuit)
    n = circuit.graph["n_inputs"]
    check_int(n, "the circuit's inputs", maximum=MAX_TABLE_BITS, why="(a truth table of 2^n rows)")
    m = 1 << n
    words = evaluate_words(circuit, exhaustive_words(n, 0, -(-m // WORD_BITS)))
    return unpack_bits(words, m)
