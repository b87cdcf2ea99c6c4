"""The BENCH format of the ISCAS benchmarks: ``INPUT(a)``, ``OUTPUT(y)``, ``y = NAND(a, b)``.

Gates AND, NAND, OR, NOR, XOR, XNOR of any fan-in, NOT and BUFF (or BUF);
``#`` starts a comment; gate names are case-insensitive.  A flip-flop (DFF)
makes the netlist sequential and is refused.

Examples
--------
>>> from expressivity.circuits.evaluate import truth_table
>>> circuit = parse_bench("INPUT(a)\\nINPUT(b)\\nOUTPUT(y)\\ny = NAND(a, b)\\n", "nand.bench")
>>> truth_table(circuit).ravel().tolist()
[1, 1, 1, 0]
>>> circuit.graph["outputs"], circuit.graph["netlist_gates"]
(('y',), {'NAND': 1})
"""
from __future__ import annotations

import re

import networkx as nx

from expressivity.circuits.netlists.common import MAX_NETLIST_GATES, Definition, Netlist, build_circuit

#: BENCH gate -> (our gate, negated output); None for buffers and inverters.
GATES = {
    "AND": ("and", False), "NAND": ("and", True), "OR": ("or", False), "NOR": ("or", True),
    "XOR": ("xor", False), "XNOR": ("xor", True), "NOT": None, "BUFF": None, "BUF": None,
}
SEQUENTIAL = ("DFF", "DFFR", "LATCH")

_DECLARATION = re.compile(r"^(INPUT|OUTPUT)\s*\(\s*([^()\s,]+)\s*\)$", re.IGNORECASE)
_ASSIGNMENT = re.compile(r"^([^=\s]+)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$")


def parse_bench(text: str, path: str = "<bench>", max_gates: int = MAX_NETLIST_GATES) -> nx.DiGraph:
    """The circuit of a BENCH netlist given as ``text`` (``path`` names it in errors).

    A netlist of more than ``max_gates`` inputs plus gates is refused as it is read.
    """
    netlist = Netlist(path, "bench", max_gates=max_gates)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        declared = _DECLARATION.match(line)
        if declared:
            kind, signal = declared.group(1).upper(), declared.group(2)
            if kind == "INPUT":
                netlist.add_input(signal, number)
            else:
                netlist.outputs.append(((signal, False), number, signal))
            continue
        assigned = _ASSIGNMENT.match(line)
        if not assigned:
            raise netlist.error(number, f"cannot read {line[:60]!r}: expected INPUT(a), OUTPUT(y) or y = GATE(a, ...)")
        signal, gate, operand_text = assigned.group(1), assigned.group(2).upper(), assigned.group(3)
        operands = [operand.strip() for operand in operand_text.split(",")]
        if any(not operand or re.search(r"[\s()=]", operand) for operand in operands):
            raise netlist.error(number, f"bad operand list {operand_text!r} of {signal!r}")
        netlist.define(signal, _definition(netlist, number, gate, operands))
    return build_circuit(netlist, name=_stem(path))


def _definition(netlist: Netlist, number: int, gate: str, operands: list) -> Definition:
    if gate in SEQUENTIAL:
        raise netlist.error(number, f"{gate} is a flip-flop (a latch): only combinational netlists compile")
    if gate not in GATES:
        raise netlist.error(number, f"unknown gate {gate!r}; BENCH gates are {', '.join(GATES)}")
    literals = tuple((operand, False) for operand in operands)
    if GATES[gate] is None:
        if len(operands) != 1:
            raise netlist.error(number, f"{gate} takes one operand, got {len(operands)}")
        return Definition("literal", number, args=((operands[0], gate == "NOT"),), source=gate)
    op, negate = GATES[gate]
    return Definition("gate", number, op=op, args=literals, negate=negate, source=gate)


def _stem(path: str) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]
