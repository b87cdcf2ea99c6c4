"""What every netlist reader shares: the error, the parsed form, and the step that makes the circuit.

A reader turns its file into a :class:`Netlist`: the inputs in order, the
outputs in order, and one :class:`Definition` per signal, each with the line it
came from.  :func:`build_circuit` then checks the definitions as a whole
(undefined signals, cycles) and builds the circuit of
:mod:`expressivity.circuits.schema`, with the netlist's names as node labels.

A *literal* is ``(signal, negated)``.  Nodes the netlist does not name (the AND
inside a NAND, the cubes of a BLIF cover, the NOT of a negated literal) are
tuples that start with a tag (``("not", signal)``, ``("cube", signal, i)``, ...);
signal names are strings (or, for AIGER's unnamed AND gates, ``("and", var)``),
so the two never collide.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable

import networkx as nx

from expressivity.circuits.schema import CircuitError, check_circuit

#: The kinds of :class:`Definition`.
KINDS = ("gate", "literal", "cover", "const")
#: Constant signals that AIGER literals 0 and 1 stand for.
FALSE, TRUE = ("const", 0), ("const", 1)
#: Largest netlist file read, in bytes (``max_bytes``): a 250,000-gate BENCH file takes about 7 MB, and
#: parsing takes about a second per MB here, so a file past this is refused before a byte is parsed.
MAX_NETLIST_BYTES = 16 << 20
#: Most inputs plus gates a netlist may declare (``max_gates``; a BLIF cover counts one gate per row, an
#: AIGER header's I + A counts before any gate is read): each signal costs about 2 KB as a networkx node
#: with its network units, and a deep netlist costs about a millisecond per layer to compile and verify.
MAX_NETLIST_GATES = 250_000


class NetlistError(CircuitError):
    """A malformed or unsupported netlist; the message is one line: ``file: line N: problem``.

    Examples
    --------
    >>> str(NetlistError("c17.bench", 3, "unknown gate 'FOO'"))
    "c17.bench: line 3: unknown gate 'FOO'"
    >>> str(NetlistError("x.aig", None, "truncated", where="byte 40"))
    'x.aig: byte 40: truncated'
    """

    def __init__(self, path, line: int | None, problem: str, where: str | None = None) -> None:
        self.path, self.line = str(path), line
        self.problem = " ".join(str(problem).split())  # one line, whatever the names held
        location = where or (f"line {line}" if line is not None else "")
        super().__init__(f"{self.path}: {location}: {self.problem}" if location else f"{self.path}: {self.problem}")


class NetlistLimitError(NetlistError):
    """A netlist past a size limit; ``limit`` names the parameter that raises it (``max_bytes``, ``max_gates``).

    Examples
    --------
    >>> error = NetlistLimitError("x.aig", 1, "too many gates", "max_gates")
    >>> str(error), error.limit
    ('x.aig: line 1: too many gates', 'max_gates')
    """

    def __init__(self, path, line: int | None, problem: str, limit: str, where: str | None = None) -> None:
        super().__init__(path, line, problem, where)
        self.limit = limit


def check_gates(path, line: int | None, gates: int, max_gates: int, what: str = "") -> None:
    """Refuse ``gates`` inputs plus gates past ``max_gates`` (a :class:`NetlistLimitError`); ``what`` says whose.

    Examples
    --------
    >>> check_gates("big.bench", 7, 11, 10)
    Traceback (most recent call last):
    ...
    expressivity.circuits.netlists.common.NetlistLimitError: big.bench: line 7: more than 10 inputs plus gates, past the limit max_gates = 10
    """
    if gates > max_gates:
        counted = what or "more than {limit} inputs plus gates".format(limit=f"{max_gates:,}")
        raise NetlistLimitError(path, line, f"{counted}, past the limit max_gates = {max_gates:,}", "max_gates")


@dataclass(frozen=True)
class Definition:
    """How one signal is computed.

    ``kind`` is ``"gate"`` (``op`` in and/or/xor of the literals ``args``,
    negated when ``negate``), ``"literal"`` (a buffer or inverter of the one
    literal in ``args``), ``"cover"`` (a sum of products: ``args`` holds cubes,
    each a tuple of literals; the signal is their OR, negated when ``negate``:
    the off-set form) or ``"const"`` (``op`` is 0 or 1).
    """

    kind: str
    line: int
    op: str | int = ""
    args: tuple = ()
    negate: bool = False
    source: str = ""  # the netlist's own name of the gate type, for counts

    def signals(self):
        """Every signal this definition reads."""
        if self.kind == "cover":
            return [signal for cube in self.args for signal, _ in cube]
        return [signal for signal, _ in self.args] if self.kind in ("gate", "literal") else []


@dataclass
class Netlist:
    """A parsed netlist: ``inputs`` as ``(name, line)``, ``outputs`` as ``(literal, line, name)``."""

    path: str
    format: str
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    definitions: dict = field(default_factory=dict)
    input_lines: dict = field(default_factory=dict)  # input name -> its line
    max_gates: int = MAX_NETLIST_GATES
    gates: int = 0  # inputs plus gates so far, a cover counting one per row

    def error(self, line: int | None, problem: str) -> NetlistError:
        return NetlistError(self.path, line, problem)

    def add_input(self, name: Hashable, line: int) -> None:
        if name in self.definitions or name in self.input_lines:
            raise self.error(line, f"duplicate definition of {_show(name)} (declared as an input twice, or also defined)")
        self._count(1, line)
        self.inputs.append((name, line))
        self.input_lines[name] = line

    def _count(self, gates: int, line: int) -> None:
        self.gates += gates
        check_gates(self.path, line, self.gates, self.max_gates)

    def define(self, name: Hashable, definition: Definition) -> None:
        if name in self.definitions:
            first = self.definitions[name].line
            raise self.error(definition.line, f"duplicate definition of {_show(name)} (first defined on line {first})")
        if name in self.input_lines:
            raise self.error(definition.line, f"duplicate definition of {_show(name)}: it is an input")
        self._count(max(1, len(definition.args)) if definition.kind == "cover" else 1, definition.line)
        self.definitions[name] = definition


def build_circuit(netlist: Netlist, name: str = "") -> nx.DiGraph:
    """The circuit of ``netlist``; raise :class:`NetlistError` for an undefined signal or a cycle.

    Only the gates some output reads become nodes (every definition is still
    checked): a large file that uses a few of its gates builds a small circuit.
    Graph attributes beyond the schema's: ``format``, ``input_names``,
    ``output_names`` and ``netlist_gates`` (gate counts by the netlist's own
    gate types, all of the file's, e.g. ``{"NAND": 6}``).
    """
    if not netlist.outputs:
        raise netlist.error(None, "the netlist declares no outputs")
    if not netlist.inputs:
        raise netlist.error(None, "the netlist declares no inputs (a constant circuit: nothing to compile)")
    inputs = {signal for signal, _ in netlist.inputs}
    order = _definition_order(netlist, inputs | {FALSE, TRUE})
    cone = _output_cone(netlist, inputs)  # gates no output reads are checked above, never built
    circuit = nx.DiGraph(n_inputs=len(netlist.inputs), outputs=(), name=name or netlist.path)
    circuit.add_nodes_from((signal, {"gate": "input", "index": i}) for i, (signal, _) in enumerate(netlist.inputs))
    builder = _Builder(circuit, {signal: signal for signal in inputs})
    for signal in order:
        if signal in cone:
            builder.define(signal, netlist.definitions[signal])
    outputs = tuple(builder.literal(literal) for literal, _, _ in netlist.outputs)
    circuit.graph.update(
        outputs=outputs,
        format=netlist.format,
        input_names=tuple(str(signal) for signal, _ in netlist.inputs),
        output_names=tuple(str(label) for _, _, label in netlist.outputs),
        netlist_gates=dict(sorted(Counter(d.source for d in netlist.definitions.values() if d.source).items())),
    )
    check_circuit(circuit)
    return circuit


def _definition_order(netlist: Netlist, inputs: set) -> list:
    """The defined signals, each after the signals it reads; undefined signals and cycles are errors."""
    definitions = netlist.definitions
    for literal, line, _ in netlist.outputs:
        if literal[0] not in definitions and literal[0] not in inputs:
            raise netlist.error(line, f"output {_show(literal[0])} is never defined")
    state: dict = {}  # 1: on the current path, 2: done
    order: list = []
    for root in definitions:
        if root in state:
            continue
        stack = [(root, iter(definitions[root].signals()))]
        state[root] = 1
        while stack:
            signal, reads = stack[-1]
            for operand in reads:
                if operand in inputs:
                    continue
                if operand not in definitions:
                    raise netlist.error(definitions[signal].line, f"{_show(operand)} is used but never defined")
                if state.get(operand) == 1:
                    cycle = [s for s, _ in stack][[s for s, _ in stack].index(operand):]
                    names = " -> ".join(_show(s) for s in cycle + [operand])
                    raise netlist.error(definitions[operand].line, f"combinational cycle: {names}")
                if operand not in state:
                    state[operand] = 1
                    stack.append((operand, iter(definitions[operand].signals())))
                    break
            else:
                state[signal] = 2
                order.append(signal)
                stack.pop()
    return order


def _output_cone(netlist: Netlist, inputs: set) -> set:
    """The defined signals some output reads, directly or through other gates."""
    definitions = netlist.definitions
    cone: set = set()
    stack = [literal[0] for literal, _, _ in netlist.outputs]
    while stack:
        signal = stack.pop()
        if signal in cone or signal not in definitions:
            continue
        cone.add(signal)
        stack.extend(definitions[signal].signals())
    return cone


class _Builder:
    """Adds the gates of each definition; ``nodes`` maps a signal to its node (buffers share their operand's)."""

    def __init__(self, circuit: nx.DiGraph, nodes: dict) -> None:
        self.circuit, self.nodes = circuit, nodes

    def add(self, node, gate: str, operands=(), value=None):
        if gate == "const":
            self.circuit.add_node(node, gate="const", value=value)
            return node
        operands = tuple(operands)
        self.circuit.add_node(node, gate=gate, operands=operands)
        self.circuit.add_edges_from((operand, node) for operand in operands)
        return node

    def literal(self, literal) -> Hashable:
        signal, negated = literal
        if signal in (FALSE, TRUE) and signal not in self.nodes:
            self.nodes[signal] = self.add(signal, "const", value=signal[1])
        node = self.nodes[signal]
        if not negated:
            return node
        inverted = ("not", node)
        return inverted if inverted in self.circuit else self.add(inverted, "not", (node,))

    def define(self, signal, definition: Definition) -> None:
        kind = definition.kind
        if kind == "const":
            self.nodes[signal] = self.add(signal, "const", value=int(definition.op))
        elif kind == "literal":
            operand, negated = definition.args[0]
            if negated:  # an inverter keeps its name
                self.nodes[signal] = self.add(signal, "not", (self.literal((operand, False)),))
            else:  # a buffer is its operand
                self.nodes[signal] = self.literal((operand, False))
        elif kind == "gate":
            operands = [self.literal(literal) for literal in definition.args]
            if definition.negate:
                inner = self.add(("gate", signal), definition.op, operands)
                self.nodes[signal] = self.add(signal, "not", (inner,))
            else:
                self.nodes[signal] = self.add(signal, definition.op, operands)
        else:
            self._cover(signal, definition)

    def _cover(self, signal, definition: Definition) -> None:
        cubes = definition.args
        if not cubes or any(not cube for cube in cubes):
            # no cube: the on-set (or off-set) is empty; an empty cube: it is everything
            value = int(any(not cube for cube in cubes)) ^ definition.negate
            self.nodes[signal] = self.add(signal, "const", value=value)
            return
        if len(cubes) == 1 and len(cubes[0]) == 1 and not definition.negate:
            self.define(signal, Definition("literal", definition.line, args=cubes[0]))
            return
        single = len(cubes) == 1
        terms = []
        for i, cube in enumerate(cubes):
            if len(cube) == 1:
                terms.append(self.literal(cube[0]))
            else:
                label = signal if single and not definition.negate else ("cube", signal, i)
                terms.append(self.add(label, "and", [self.literal(literal) for literal in cube]))
        if single:
            result = terms[0]
        else:
            result = self.add(("or", signal) if definition.negate else signal, "or", terms)
        self.nodes[signal] = self.add(signal, "not", (result,)) if definition.negate else result


def _show(signal) -> str:
    """A signal's name for a message."""
    return repr(signal) if isinstance(signal, str) else f"variable {signal[1]}" if signal[0] == "and" else repr(signal)
