"""Depth rebalancing: chains of one associative gate become balanced trees.

A *chain* is a gate of an associative kind (AND, OR or XOR) together with the
gates of the same kind that feed it and are read nowhere else (exactly one
reference, not an output); for XOR a NOT between two such gates is absorbed too,
since ``x ^ ~y = ~(x ^ y)``.  :func:`balance` replaces each chain by a tree over
the same operands (its *leaves*) whose depth is as small as trees of the chain's
own fan-in allow, taking each leaf's depth into account, so the circuit's depth
never grows.  Mode ``"xor-aware"`` first recognises XOR and XNOR written with
AND, OR and NOT (any gate whose value depends on two signals as their XOR, found
by enumerating two-leaf cuts and checked on all four local inputs), so that
chains of them are balanced too.

:func:`~expressivity.circuits.equivalence.prove_same_function` is the proof
that the rewritten circuit computes the original.

Examples
--------
>>> from expressivity.circuits.build import xor_chain
>>> from expressivity.circuits.evaluate import truth_table
>>> chain = xor_chain(16)
>>> balanced = balance(chain)
>>> (balanced.depth_before, balanced.depth_after), balanced.chains
((15, 4), 1)
>>> bool((truth_table(balanced.circuit) == truth_table(chain)).all())
True
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from expressivity.circuits.metrics import depth, size
from expressivity.circuits.schema import check_circuit

MODES = ("plain", "xor-aware")
ASSOCIATIVE = ("and", "or", "xor")
#: Two-leaf cuts kept per node, and gates a recognised XOR's cone may hold.
MAX_CUTS, MAX_CONE = 12, 64


@dataclass(frozen=True)
class Balanced:
    """A rebalanced circuit, its depth and size before and after, and the XORs it recognised.

    ``claims`` maps each recognised node ``v`` of the original to ``(a, b, negated)``:
    ``v = a XOR b`` (its complement if ``negated``); :func:`~expressivity.circuits.equivalence.prove_same_function`
    re-checks them.
    """

    circuit: nx.DiGraph = field(repr=False)
    mode: str
    depth_before: int
    depth_after: int
    size_before: int
    size_after: int
    chains: int
    claims: dict = field(default_factory=dict, repr=False)

    def summary(self) -> dict:
        return {"mode": self.mode, "circuit_depth_before": self.depth_before, "circuit_depth_after": self.depth_after,
                "circuit_size_before": self.size_before, "circuit_size_after": self.size_after,
                "chains_rebalanced": self.chains, "xor_recognised": len(self.claims)}


def balance(circuit: nx.DiGraph, mode: str = "plain") -> Balanced:
    """Rebalance ``circuit`` (``mode`` "plain" or "xor-aware"); gates no output reads are dropped."""
    if mode not in MODES:
        raise ValueError(f"balance mode must be one of {MODES}, got {mode!r}")
    check_circuit(circuit)
    work, claims = _prune(circuit), {}
    if mode == "xor-aware":
        claims = recognise_xor(work)
        work = _prune(_substitute(work, claims))
    balanced, chains = _balance_chains(work)
    balanced.graph["name"] = f"{circuit.graph.get('name', '')} balanced ({mode})".strip()
    return Balanced(balanced, mode, depth(circuit), depth(balanced), size(circuit), size(balanced), chains, claims)


# -- recognising XOR -------------------------------------------------------------

def recognise_xor(circuit: nx.DiGraph) -> dict:
    """``{node: (a, b, negated)}`` for every AND/OR gate whose value is ``a XOR b`` (or XNOR) of two nodes.

    Examples
    --------
    >>> from expressivity.circuits.schema import add_gate, input_node, new_circuit, set_outputs
    >>> c = new_circuit(2)
    >>> a, b = input_node(0), input_node(1)
    >>> na, nb = add_gate(c, "na", "not", [a]), add_gate(c, "nb", "not", [b])
    >>> left, right = add_gate(c, "l", "and", [a, nb]), add_gate(c, "r", "and", [na, b])
    >>> recognise_xor(set_outputs(c, add_gate(c, "y", "or", [left, right])))
    {'y': (('x', 0), ('x', 1), False)}
    """
    attributes, cuts, claims = circuit._node, {}, {}
    for node in check_circuit(circuit):
        data = attributes[node]
        gate = data["gate"]
        if gate in ("input", "const"):
            cuts[node] = [frozenset((node,) if gate == "input" else ())]
            continue
        if gate == "not":
            cuts[node] = cuts[data["operands"][0]]
            continue
        merged = [frozenset()]
        for operand in data["operands"]:
            merged = {left | right for left in merged for right in cuts[operand] if len(left | right) <= 2}
        found = sorted(merged, key=lambda cut: (len(cut), sorted(map(str, cut))))[: MAX_CUTS - 1]
        cuts[node] = [frozenset((node,))] + found
        if gate in ("and", "or"):
            for cut in found:
                if len(cut) == 2:
                    a, b = sorted(cut, key=str)
                    table = _local_table(circuit, node, a, b)
                    if table in ((0, 1, 1, 0), (1, 0, 0, 1)):
                        claims[node] = (a, b, table[0] == 1)
                        break
    return claims


def _local_table(circuit: nx.DiGraph, node, a, b, limit: int | None = MAX_CONE) -> tuple | None:
    """``node``'s values for ``(a, b)`` = 00, 10, 01, 11; None if ``{a, b}`` does not cut its cone off the inputs.

    Also None when the cone holds more than ``limit`` gates (the search keeps to small ones).
    """
    attributes = circuit._node
    view = {a: {"gate": "cut"}, b: {"gate": "cut"}}
    stack = [node]
    while stack:
        current = stack.pop()
        if current in view:
            continue
        data = view[current] = attributes[current]
        if data["gate"] == "input" or (limit is not None and len(view) > limit + 2):
            return None
        stack.extend(data.get("operands", ()))
    order = _post_order(view, [node])
    rows = []
    for bits in ((0, 0), (1, 0), (0, 1), (1, 1)):
        values = {a: bits[0], b: bits[1]}
        for current in order:
            if view[current]["gate"] != "cut":
                values[current] = _gate_value(view[current], values)
        rows.append(values[node])
    return tuple(rows)


def _gate_value(data: dict, values: dict) -> int:
    gate = data["gate"]
    if gate == "const":
        return data["value"]
    operands = [values[operand] for operand in data["operands"]]
    if gate == "not":
        return 1 - operands[0]
    if gate == "and":
        return int(all(operands))
    if gate == "or":
        return int(any(operands))
    return sum(operands) % 2


def _substitute(circuit: nx.DiGraph, claims: dict) -> nx.DiGraph:
    """``circuit`` with each claimed node rewritten as the XOR (or XNOR) of its two leaves."""
    nodes = {node: dict(data) for node, data in circuit.nodes(data=True)}
    for node, (a, b, negated) in claims.items():
        if negated:
            inner = _fresh(lambda label: label in nodes, ("xnor", node))
            nodes[inner] = {"gate": "xor", "operands": (a, b)}
            nodes[node] = {"gate": "not", "operands": (inner,)}
        else:
            nodes[node] = {"gate": "xor", "operands": (a, b)}
    return _graph(circuit.graph, nodes)


# -- balancing chains ------------------------------------------------------------

def _references(circuit: nx.DiGraph) -> Counter:
    """How often each node is read: once per operand occurrence and once per output position."""
    references = Counter(circuit.graph["outputs"])
    for _, operands in circuit.nodes(data="operands"):
        references.update(operands or ())
    return references


def absorbed(attributes: dict, references: Counter, outputs: set, kind: str, operand):
    """``(node, flip)`` when a ``kind`` gate reading ``operand`` absorbs it into its chain, else None."""
    if references[operand] != 1 or operand in outputs:
        return None
    data = attributes[operand]
    if data["gate"] == kind:
        return operand, 0
    if kind == "xor" and data["gate"] == "not":
        inner = data["operands"][0]
        if attributes[inner]["gate"] == "xor" and references[inner] == 1 and inner not in outputs:
            return inner, 1
    return None


def chain_leaves(attributes: dict, references: Counter, outputs: set, root) -> tuple[list, int, int, int]:
    """``(leaves, parity, fan-in, gates)`` of the chain ending at ``root``."""
    kind = attributes[root]["gate"]
    leaves, parity, fan_in, gates = [], 0, len(attributes[root]["operands"]), 1
    stack = list(reversed(attributes[root]["operands"]))
    while stack:
        operand = stack.pop()
        inner = absorbed(attributes, references, outputs, kind, operand)
        if inner is None:
            leaves.append(operand)
            continue
        node, flip = inner
        parity ^= flip
        gates += 1
        fan_in = max(fan_in, len(attributes[node]["operands"]))
        stack.extend(reversed(attributes[node]["operands"]))
    return leaves, parity, fan_in, gates


def _balance_chains(circuit: nx.DiGraph) -> tuple[nx.DiGraph, int]:
    order = check_circuit(circuit)
    attributes, outputs = circuit._node, set(circuit.graph["outputs"])
    references = _references(circuit)
    inside = set()  # nodes absorbed into a chain: rebuilt as part of its tree
    for node in order:
        data = attributes[node]
        if data["gate"] in ASSOCIATIVE:
            for operand in data["operands"]:
                inner = absorbed(attributes, references, outputs, data["gate"], operand)
                if inner is not None:
                    inside.update({operand, inner[0]})
    made, depths, chains = {}, {}, 0
    for node in order:
        data = attributes[node]
        if node in inside:
            continue
        if data["gate"] in ASSOCIATIVE:
            leaves, parity, fan_in, gates = chain_leaves(attributes, references, outputs, node)
            if gates > 1:
                chains += 1
                _build_tree(made, depths, lambda label: label in circuit or label in made,
                            node, data["gate"], leaves, parity, max(2, fan_in))
                continue
        made[node] = dict(data)
        depths[node] = _depth_of(data, depths)
    graph = {key: value for key, value in circuit.graph.items() if key != "netlist_gates"}
    return _graph(graph, made), chains


def _build_tree(made: dict, depths: dict, taken, root, kind: str, leaves: list, parity: int, arity: int) -> None:
    """Gates over ``leaves`` of the least depth fan-in ``arity`` allows, the top one named ``root``; into ``made``."""
    levels: dict[int, list] = {}
    for leaf in leaves:
        levels.setdefault(depths[leaf], []).append(leaf)
    groups = []  # (placeholder, members), in the order they are made
    while True:
        level = min(levels)
        items = levels.pop(level)
        if not levels and len(items) <= arity:
            break
        lifted = []
        for start in range(0, len(items), arity):
            members = items[start:start + arity]
            if len(members) == 1:
                lifted.append(members[0])
                continue
            placeholder = object()  # equal to no label of any circuit
            groups.append((placeholder, members))
            lifted.append(placeholder)
        levels.setdefault(level + 1, []).extend(lifted)
    top = _fresh(taken, ("balanced", root, "top")) if parity else root
    names = {}
    for serial, (placeholder, _) in enumerate(groups):
        names[placeholder] = _fresh(taken, ("balanced", root, serial))
    for placeholder, members in groups + [(top, items)]:
        node = names.get(placeholder, placeholder)
        operands = tuple(names.get(member, member) for member in members)
        made[node] = {"gate": kind, "operands": operands}
        depths[node] = 1 + max(depths[operand] for operand in operands)
    if parity:
        made[root] = {"gate": "not", "operands": (top,)}
        depths[root] = depths[top]


def _depth_of(data: dict, depths: dict) -> int:
    if data["gate"] in ("input", "const"):
        return 0
    deepest = max(depths[operand] for operand in data["operands"])
    return deepest + (data["gate"] in ASSOCIATIVE)


def _prune(circuit: nx.DiGraph) -> nx.DiGraph:
    """The circuit without the gates no output reads (inputs stay)."""
    keep = set(circuit.graph["outputs"])
    stack = list(keep)
    while stack:
        for operand in circuit._pred[stack.pop()]:
            if operand not in keep:
                keep.add(operand)
                stack.append(operand)
    nodes = {node: dict(data) for node, data in circuit.nodes(data=True) if node in keep or data["gate"] == "input"}
    return _graph(circuit.graph, nodes)


def _graph(graph: dict, nodes: dict) -> nx.DiGraph:
    """A circuit of ``nodes`` (label -> attributes), its edges read off the operands, built in bulk."""
    result = nx.DiGraph(**graph)
    result.add_nodes_from(nodes.items())
    result.add_edges_from((operand, node) for node, data in nodes.items() for operand in data.get("operands", ()))
    return result


def _fresh(taken, label: tuple) -> tuple:
    while taken(label):
        label = label + ("'",)
    return label


def _post_order(view: dict, outputs) -> list:
    """The nodes the outputs read, each after its operands."""
    order, done = [], set()
    for output in outputs:
        if output in done:
            continue
        stack = [(output, iter(view[output].get("operands", ())))]
        done.add(output)
        while stack:
            node, operands = stack[-1]
            for operand in operands:
                if operand not in done:
                    done.add(operand)
                    stack.append((operand, iter(view[operand].get("operands", ()))))
                    break
            else:
                order.append(node)
                stack.pop()
    return order
