"""AIGER 1.9 and-inverter graphs, ASCII (``aag``) and binary (``aig``), combinational only.

A literal is ``2 * variable + negated``; literal 0 is false and 1 is true.
The header ``aag M I L O A`` (``aig`` for binary; AIGER 1.9 may add ``B C J F``)
gives the largest variable and the numbers of inputs, latches, outputs and
AND gates.  The ASCII form then lists input literals, output literals and AND
gates ``lhs rhs0 rhs1``.  The binary form leaves the inputs implicit
(variables ``1..I``), numbers AND gate ``i`` as variable ``I + L + i + 1``, and
stores each gate as two unsigned LEB128 numbers, ``lhs - rhs0`` and
``rhs0 - rhs1`` (so ``lhs > rhs0 >= rhs1``).  A symbol table (``i0 name``,
``o0 name``) and a comment section (after a line ``c``) may follow.

Latches and the 1.9 property sections (bad states, constraints, justice,
fairness) describe sequential checking problems; they are refused.

Examples
--------
>>> from expressivity.circuits.evaluate import truth_table
>>> circuit = parse_aiger(b"aag 3 2 0 1 1\\n2\\n4\\n7\\n6 2 4\\ni0 a\\ni1 b\\no0 nand\\n", "nand.aag")
>>> truth_table(circuit).ravel().tolist(), circuit.graph["output_names"]
([1, 1, 1, 0], ('nand',))
>>> binary = b"aig 3 2 0 1 1\\n7\\n" + bytes([2, 2])  # gate 6 = 2 AND 4: deltas 6-4, 4-2
>>> truth_table(parse_aiger(binary, "nand.aig")).ravel().tolist()
[1, 1, 1, 0]
"""
from __future__ import annotations

import networkx as nx

from expressivity.circuits.netlists.common import (
    FALSE, MAX_NETLIST_GATES, TRUE, Definition, Netlist, NetlistError, build_circuit, check_gates,
)

_SECTIONS = ("bad-state properties", "invariant constraints", "justice properties", "fairness properties")


def parse_aiger(data: bytes, path: str = "<aiger>", expect: str | None = None,
                max_gates: int = MAX_NETLIST_GATES) -> nx.DiGraph:
    """The circuit of an AIGER file's bytes; ``expect`` ("aag" or "aig") insists on one of the two forms.

    The header's inputs plus AND gates are checked against ``max_gates`` before
    anything else is read.

    Examples
    --------
    >>> parse_aiger(b"aig 1000000000 1000000000 0 1 0\\n2\\n", "claims.aig")
    Traceback (most recent call last):
    ...
    expressivity.circuits.netlists.common.NetlistLimitError: claims.aig: line 1: the header's I + A = 1,000,000,000 inputs plus gates, past the limit max_gates = 250,000
    """
    reader = _Reader(data, path)
    header = reader.line()
    if header is None:
        raise NetlistError(path, 1, "empty file: expected an AIGER header 'aag M I L O A'")
    fields = header.split()
    kind = fields[0] if fields else ""
    if kind not in ("aag", "aig"):
        raise NetlistError(path, 1, f"not an AIGER header: {header[:40]!r} (expected 'aag M I L O A' or 'aig M I L O A')")
    if expect is not None and kind != expect:
        form = {"aag": "ASCII (aag)", "aig": "binary (aig)"}
        raise NetlistError(path, 1, f"the header says {form[kind]}, but format {expect} was asked for")
    counts = _numbers(path, 1, fields[1:], "header")
    if not 5 <= len(counts) <= 9:
        raise NetlistError(path, 1, f"the header needs M I L O A (and at most B C J F), got {len(counts)} numbers")
    m, i, latches, o, a = counts[:5]
    if latches:
        raise NetlistError(path, 1, f"{latches} latch(es): only combinational circuits compile (no state)")
    for count, section in zip(counts[5:], _SECTIONS):
        if count:
            raise NetlistError(path, 1, f"{count} {section}: only combinational outputs compile")
    # Binary inputs take no bytes at all: only this stops a short file from claiming a billion of them.
    # (Lines and gates are read one at a time: a file shorter than its header says ends early, on its line.)
    check_gates(path, 1, i + a, max_gates, what=f"the header's I + A = {i + a:,} inputs plus gates")
    netlist = Netlist(path, kind, max_gates=max_gates)
    if kind == "aig" and m != i + a:
        raise NetlistError(path, 1, f"binary AIGER needs M = I + L + A, got M = {m}, I + L + A = {i + a}")
    if m < i + a:
        raise NetlistError(path, 1, f"M = {m} is smaller than I + L + A = {i + a}")
    names = {}
    if kind == "aag":
        for k in range(i):
            number, literal = reader.literal_line(m, "input")
            if literal < 2 or literal & 1:
                raise NetlistError(path, number, f"input literal {literal} must be even and at least 2")
            if literal >> 1 in names:
                raise NetlistError(path, number, f"duplicate definition of variable {literal >> 1} (input twice)")
            names[literal >> 1] = (f"i{k}", number)
    else:
        names = {var: (f"i{var - 1}", 1) for var in range(1, i + 1)}
    outputs = [reader.literal_line(m, "output") for _ in range(o)]
    gates = [reader.and_line(m) for _ in range(a)] if kind == "aag" else _binary_gates(reader, i, a)
    symbols = _symbols(reader, i, o)
    inputs = {var: symbols.get(("i", k), label) for k, (var, (label, _)) in enumerate(names.items())}
    for var, (_, number) in names.items():
        netlist.add_input(inputs[var], number)
    signal = {var: inputs[var] for var in names}
    for number, lhs, _, _ in gates:
        if lhs < 2 or lhs & 1:
            raise NetlistError(path, number, f"AND gate literal {lhs} must be even and at least 2")
        if (lhs >> 1) in names:
            raise NetlistError(path, number, f"duplicate definition of variable {lhs >> 1}: it is an input")
        signal[lhs >> 1] = ("and", lhs >> 1)
    for number, lhs, rhs0, rhs1 in gates:
        args = (_literal(signal, rhs0), _literal(signal, rhs1))
        netlist.define(("and", lhs >> 1), Definition("gate", number, op="and", args=args, source="AND"))
    for k, (number, literal) in enumerate(outputs):
        netlist.outputs.append((_literal(signal, literal), number, symbols.get(("o", k), f"o{k}")))
    return build_circuit(netlist, name=str(path).replace("\\", "/").rsplit("/", 1)[-1])


def _literal(signal: dict, literal: int) -> tuple:
    """``(signal, negated)`` of an AIGER literal; an unknown variable becomes a name that the builder reports."""
    var = literal >> 1
    if var == 0:
        return (TRUE if literal & 1 else FALSE), False
    return signal.get(var, ("and", var)), bool(literal & 1)


def _binary_gates(reader: "_Reader", inputs: int, count: int) -> list:
    gates = []
    reader.binary = True
    for k in range(count):
        lhs = 2 * (inputs + k + 1)
        start = reader.offset
        delta0, delta1 = reader.leb128(k, count), reader.leb128(k, count)
        rhs0 = lhs - delta0
        rhs1 = rhs0 - delta1
        if delta0 == 0 or rhs1 < 0:
            raise NetlistError(reader.path, None, f"AND gate {k} (literal {lhs}) has bad deltas {delta0}, {delta1}",
                               where=f"byte {start}")
        gates.append((None, lhs, rhs0, rhs1))
    return gates


def _symbols(reader: "_Reader", inputs: int, outputs: int) -> dict:
    symbols = {}
    while True:
        number, where, text = reader.number(), reader.where(), reader.line()
        if text is None or text == "c" or text.startswith("c "):
            return symbols
        kind, _, rest = text.partition(" ")
        if kind[:1] in ("b", "c", "j", "f", "l") and kind[1:].isdigit():
            continue  # names of refused sections (all empty) or of latches
        if kind[:1] not in ("i", "o") or not kind[1:].isdigit() or not rest:
            raise NetlistError(reader.path, number, f"cannot read {text[:40]!r}: expected a symbol 'i0 name' or 'o0 name'",
                               where=where)
        index, limit = int(kind[1:]), inputs if kind[0] == "i" else outputs
        if index >= limit:
            raise NetlistError(reader.path, number, f"symbol {kind} names {'input' if kind[0] == 'i' else 'output'} {index}, "
                               f"but there are only {limit}", where=where)
        symbols[(kind[0], index)] = rest


def _numbers(path, number: int, fields: list, what: str) -> list:
    try:
        values = [int(field) for field in fields]
    except ValueError:
        raise NetlistError(path, number, f"the {what} must hold non-negative integers, got {' '.join(fields)[:60]!r}") from None
    if any(value < 0 for value in values):
        raise NetlistError(path, number, f"the {what} must hold non-negative integers")
    return values


class _Reader:
    """Lines and LEB128 numbers off the bytes of an AIGER file, counting lines and bytes."""

    def __init__(self, data: bytes, path) -> None:
        self.data, self.path, self.offset, self.lines = data, path, 0, 0
        self.binary = False  # past a binary section, lines are no longer counted: places are bytes

    def number(self) -> int | None:
        return None if self.binary else self.lines + 1

    def where(self) -> str | None:
        return f"byte {self.offset}" if self.binary else None

    def line(self) -> str | None:
        if self.offset >= len(self.data):
            return None
        end = self.data.find(b"\n", self.offset)
        end = len(self.data) if end < 0 else end
        text = self.data[self.offset:end].decode("utf-8", errors="replace").rstrip("\r")
        self.offset, self.lines = end + 1, self.lines + 1
        return text

    def literal_line(self, m: int, what: str) -> tuple[int, int]:
        number, text = self.number(), self.line()
        if text is None:
            raise NetlistError(self.path, number, f"the file ends where an {what} literal should be")
        literal, = _fields(self.path, number, text, 1, f"an {what} line")
        if literal > 2 * m + 1:
            raise NetlistError(self.path, number, f"{what} literal {literal} is beyond 2M + 1 = {2 * m + 1}")
        return number, literal

    def and_line(self, m: int) -> tuple:
        number, text = self.number(), self.line()
        if text is None:
            raise NetlistError(self.path, number, "the file ends where an AND gate 'lhs rhs0 rhs1' should be")
        literals = _fields(self.path, number, text, 3, "an AND gate")
        if max(literals) > 2 * m + 1:
            raise NetlistError(self.path, number, f"literal {max(literals)} is beyond 2M + 1 = {2 * m + 1}")
        return (number, *literals)

    def leb128(self, gate: int, count: int) -> int:
        value, shift = 0, 0
        while True:
            if self.offset >= len(self.data):
                raise NetlistError(self.path, None, f"truncated: the file ends inside AND gate {gate} of {count}",
                                   where=f"byte {self.offset}")
            byte = self.data[self.offset]
            self.offset += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7


def _fields(path, number: int, text: str, count: int, what: str) -> list:
    fields = text.split()
    if len(fields) != count:
        raise NetlistError(path, number, f"{what} needs {count} number(s), got {text[:40]!r}")
    return _numbers(path, number, fields, what)
