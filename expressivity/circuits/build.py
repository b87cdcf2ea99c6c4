"""Circuit builders: XOR trees and chains, the parity DNF, sympy round trips, random circuits."""
from __future__ import annotations

import itertools
import random as _random

import networkx as nx

from expressivity.errors import SizeLimitError, check_int, echo, number_text, shown
from expressivity.circuits.schema import (
    MAX_GRAPH_INPUTS,
    CircuitError,
    add_gate,
    check_circuit,
    input_node,
    new_circuit,
    set_outputs,
)

#: parity_dnf refuses to build more AND terms than this (2^(n-1) terms of n literals):
#: at n = 18 (2^17 terms, 2.4 million literal edges) the networkx graph already takes
#: about 1 GiB and 7 s to build, and its compilation 12 s more on a 2-core machine.
MAX_DNF_TERMS = 1 << 17
#: The most inputs a networkx circuit is built for (XOR tree, chain, random circuit): the graph takes
#: about 1 KB per node, so the 2^22-bit tree's 2^23 nodes take about 8 GB.  Larger parity circuits are
#: built as arrays (``expressivity.compiling.parity_arrays``), at the same limit set by their network.
MAX_GRAPH_BITS = MAX_GRAPH_INPUTS
#: The most gates :func:`random_circuit` adds (about 1 KB each).
MAX_RANDOM_GATES = 1 << 22
#: The widest gate of a random circuit: its operands are drawn one by one.
MAX_RANDOM_FAN_IN = 1 << 10


def xor_tree(n: int, arity: int = 2) -> nx.DiGraph:
    """Parity of ``n`` bits as a balanced tree of XOR gates of fan-in ``arity``.

    The depth is ``ceil(log_arity n)``; with ``arity=2`` there are ``n - 1`` gates.
    Each level groups consecutive values ``arity`` at a time; a value left over
    at the end of a level is passed up unchanged.  ``n`` is at most
    :data:`MAX_GRAPH_BITS` (2^22: about 8 GB of graph); beyond, a ``SizeLimitError``.

    Examples
    --------
    >>> from expressivity.circuits.metrics import depth, size
    >>> c = xor_tree(16)
    >>> depth(c), size(c)
    (4, 15)
    >>> depth(xor_tree(9, arity=3)), size(xor_tree(9, arity=3))
    (2, 4)
    """
    _check_bits(n)
    check_int(arity, "arity", minimum=2, error=CircuitError)
    circuit = new_circuit(n, name=f"xor_tree(n={n}, arity={arity})")
    # Gates and edges are added in bulk: a million add_gate calls would take seconds.
    gates, edges = [], []
    level = [input_node(i) for i in range(n)]
    height = 0
    while len(level) > 1:
        height += 1
        next_level = []
        for position in range(0, len(level), arity):
            group = tuple(level[position : position + arity])
            if len(group) == 1:
                next_level.append(group[0])
            else:
                node = ("xor", height, position // arity)
                gates.append((node, {"gate": "xor", "operands": group}))
                edges.extend((operand, node) for operand in group)
                next_level.append(node)
        level = next_level
    circuit.add_nodes_from(gates)
    circuit.add_edges_from(edges)
    return set_outputs(circuit, level[0])


def xor_chain(n: int) -> nx.DiGraph:
    """Parity of ``n`` bits as a chain ``((x0 ^ x1) ^ x2) ^ ...``: depth ``n - 1``; ``n <= MAX_GRAPH_BITS``.

    Examples
    --------
    >>> from expressivity.circuits.metrics import depth
    >>> depth(xor_chain(5))
    4
    """
    _check_bits(n)
    circuit = new_circuit(n, name=f"xor_chain(n={n})")
    value = input_node(0)
    for i in range(1, n):
        value = add_gate(circuit, ("xor", i), "xor", (value, input_node(i)))
    return set_outputs(circuit, value)


def check_dnf_size(n: int) -> int:
    """The number of terms of :func:`parity_dnf` ``(n)``; ``SizeLimitError`` (a ``MemoryError``) beyond ``MAX_DNF_TERMS``."""
    _check_bits(n)
    if n - 1 > MAX_DNF_TERMS.bit_length() - 1:  # before 2^(n-1) is computed: n may be huge
        raise SizeLimitError(f"parity_dnf({n}) has 2^{n - 1} terms of {n} literals; the limit is "
                             f"{MAX_DNF_TERMS:,} terms (n <= {MAX_DNF_TERMS.bit_length()}), set by memory and time")
    terms = 1 << (n - 1)
    if terms > MAX_DNF_TERMS:
        raise SizeLimitError(
            f"parity_dnf({n}) has 2^{n - 1} = {terms:,} terms of {n} literals; "
            f"the limit is {MAX_DNF_TERMS:,} terms (n <= {MAX_DNF_TERMS.bit_length()}), set by memory and time"
        )
    return terms


def parity_dnf(n: int) -> nx.DiGraph:
    """Parity of ``n`` bits as an OR of ``2^(n-1)`` ANDs of ``n`` literals (depth 2).

    One AND term per odd-weight input pattern; literals are NOT gates (free in
    depth).  Refuses more than ``MAX_DNF_TERMS`` terms (n > 18) with a ``SizeLimitError``.

    Examples
    --------
    >>> from expressivity.circuits.metrics import depth, gate_counts
    >>> c = parity_dnf(3)
    >>> depth(c), gate_counts(c)["and"], gate_counts(c)["or"], gate_counts(c)["not"]
    (2, 4, 1, 3)
    """
    check_dnf_size(n)
    circuit = new_circuit(n, name=f"parity_dnf(n={n})")
    negated = [add_gate(circuit, ("not", i), "not", (input_node(i),)) for i in range(n)]
    and_terms = []
    for pattern in range(1 << n):
        if bin(pattern).count("1") % 2 == 0:
            continue
        literals = [input_node(i) if (pattern >> i) & 1 else negated[i] for i in range(n)]
        and_terms.append(add_gate(circuit, ("and", pattern), "and", literals))
    return set_outputs(circuit, add_gate(circuit, ("or",), "or", and_terms))


def random_circuit(n: int, gates: int, seed: int = 0, max_fan_in: int = 3, with_const: bool = True) -> nx.DiGraph:
    """A random circuit over ``n`` inputs with ``gates`` gates of every kind; the last gate is the output.

    Used by tests: every gate reads earlier nodes only, so the graph is acyclic.
    ``gates`` is at most :data:`MAX_RANDOM_GATES`, ``n`` at most :data:`MAX_GRAPH_BITS`.
    """
    _check_bits(n)
    check_int(gates, "gates", minimum=0, maximum=MAX_RANDOM_GATES, why="(about 1 KB of graph each)",
              error=CircuitError)
    check_int(max_fan_in, "max_fan_in", minimum=1, maximum=MAX_RANDOM_FAN_IN, why="(operands drawn per gate)",
              error=CircuitError)
    check_int(seed, "seed", error=CircuitError)
    rng = _random.Random(seed)
    circuit = new_circuit(n, name=f"random_circuit(n={n}, gates={gates}, seed={seed})")
    nodes = [input_node(i) for i in range(n)]
    if with_const:
        nodes.append(add_gate(circuit, ("const", 0), "const", value=0))
        nodes.append(add_gate(circuit, ("const", 1), "const", value=1))
    last = nodes[0]
    for g in range(gates):
        gate = rng.choice(("not", "and", "or", "xor", "and", "or", "xor"))
        k = 1 if gate == "not" else rng.randint(1, max_fan_in)
        operands = [rng.choice(nodes) for _ in range(k)]
        last = add_gate(circuit, ("g", g), gate, operands)
        nodes.append(last)
    return set_outputs(circuit, last)


# -- sympy round trips -------------------------------------------------------------

def to_sympy(circuit: nx.DiGraph, symbols=None):
    """The circuit's (first) output as a sympy boolean expression in ``x0 .. x{n-1}``.

    Examples
    --------
    >>> to_sympy(xor_tree(3))
    x0 ^ x1 ^ x2
    """
    import sympy  # imported here: sympy takes half a second to import

    check_circuit(circuit)
    n = circuit.graph["n_inputs"]
    if symbols is None:
        symbols = sympy.symbols(f"x0:{n}") if n else ()
    expressions = {}
    for node in nx.topological_sort(circuit):
        data = circuit.nodes[node]
        gate = data["gate"]
        if gate == "input":
            expressions[node] = symbols[data["index"]]
        elif gate == "const":
            expressions[node] = sympy.true if data["value"] else sympy.false
        else:
            args = [expressions[operand] for operand in data["operands"]]
            make = {"not": sympy.Not, "and": sympy.And, "or": sympy.Or, "xor": sympy.Xor}[gate]
            expressions[node] = make(*args, evaluate=False) if gate != "not" else sympy.Not(args[0])
    return expressions[circuit.graph["outputs"][0]]


def from_sympy(expression, symbols=None) -> nx.DiGraph:
    """A circuit computing a sympy boolean ``expression``.

    Inputs are ``symbols`` in order, or the expression's free symbols sorted by
    name.  Shared subexpressions become one gate.  ``Implies`` and ``Equivalent``
    are rewritten into AND/OR/NOT/XOR first.

    Examples
    --------
    >>> from sympy.abc import a, b
    >>> from expressivity.circuits.evaluate import truth_table
    >>> truth_table(from_sympy(a & ~b)).ravel().tolist()
    [0, 1, 0, 0]
    """
    import sympy
    from sympy.logic.boolalg import ITE, Equivalent, Implies, Nand, Nor, Xnor

    expression = sympy.sympify(expression)
    if not isinstance(expression, sympy.Basic):
        raise CircuitError(f"expression must be a sympy boolean expression, got {shown(expression)}")
    if symbols is None:
        symbols = sorted(expression.free_symbols, key=lambda s: s.name)
    symbols = list(symbols)
    circuit = new_circuit(len(symbols), name=f"from_sympy({expression})")
    index = {symbol: i for i, symbol in enumerate(symbols)}
    made: dict = {}
    counter = itertools.count()

    def build(expr):
        if expr in made:
            return made[expr]
        if expr in index:
            node = input_node(index[expr])
        elif expr is sympy.true or expr is sympy.false:
            node = add_gate(circuit, ("const", int(bool(expr))), "const", value=int(bool(expr)))
        elif isinstance(expr, sympy.Symbol):
            raise CircuitError(f"symbol {expr} is not among the inputs {symbols}")
        elif isinstance(expr, (Implies, Equivalent, ITE, Nand, Nor, Xnor)):
            node = build(expr.to_nnf(simplify=False))
        else:
            gate = {sympy.Not: "not", sympy.And: "and", sympy.Or: "or", sympy.Xor: "xor"}.get(type(expr))
            if gate is None:
                raise CircuitError(f"cannot turn {type(expr).__name__} into a gate")
            operands = [build(arg) for arg in expr.args]
            node = add_gate(circuit, (gate, next(counter)), gate, operands)
        made[expr] = node
        return node

    return set_outputs(circuit, build(expression))


def _check_bits(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        shown = number_text(n) if isinstance(n, int) and not isinstance(n, bool) else echo(n) \
            if isinstance(n, str) else repr(n)
        raise CircuitError(f"the number of bits must be a positive integer, got {shown}")
    check_int(n, "the number of bits", maximum=MAX_GRAPH_BITS,
              why="(a networkx graph of about 1 KB per node; expressivity.compiling.parity_arrays builds arrays)")
