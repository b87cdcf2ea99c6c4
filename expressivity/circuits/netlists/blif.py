"""BLIF (SIS, ABC): one combinational ``.model`` of ``.names`` covers.

``.names a b y`` is followed by the rows of a single-output cover: an input
plane over ``0``, ``1`` and ``-`` (don't care) and an output bit.  Rows ending
in ``1`` list the on-set (``y`` is their OR), rows ending in ``0`` the off-set
(``y`` is its complement); a cover without rows is the constant 0.  ``#``
starts a comment and a trailing backslash continues a line.  ``.latch`` (state),
``.subckt``, ``.gate`` and a second ``.model`` (hierarchy, library cells) are
refused; timing directives are ignored.

Examples
--------
>>> from expressivity.circuits.evaluate import truth_table
>>> text = ".model mux\\n.inputs s a b\\n.outputs y\\n.names s a b y\\n01- 1\\n1-1 1\\n.end\\n"
>>> truth_table(parse_blif(text, "mux.blif")).ravel().tolist()
[0, 0, 1, 0, 0, 1, 1, 1]
"""
from __future__ import annotations

import networkx as nx

from expressivity.circuits.netlists.common import MAX_NETLIST_GATES, Definition, Netlist, build_circuit

#: Directives that say nothing about the logic (timing and load figures).
IGNORED = {
    ".area", ".delay", ".wire_load_slope", ".wire", ".input_arrival", ".default_input_arrival",
    ".output_required", ".default_output_required", ".input_drive", ".default_input_drive",
    ".output_load", ".default_output_load", ".max_input_load",
}
REFUSED = {
    ".latch": "a latch: only combinational netlists compile (no state)",
    ".mlatch": "a latch: only combinational netlists compile (no state)",
    ".subckt": "a subcircuit: hierarchical BLIF is not supported (flatten it first, e.g. with ABC)",
    ".gate": "a library gate: mapped BLIF is not supported (use .names covers)",
    ".exdc": "an external don't-care network: not supported",
    ".clock": "a clock: only combinational netlists compile",
    ".search": "a reference to another file: not supported",
}


def parse_blif(text: str, path: str = "<blif>", max_gates: int = MAX_NETLIST_GATES) -> nx.DiGraph:
    """The circuit of a BLIF netlist given as ``text`` (``path`` names it in errors).

    A netlist of more than ``max_gates`` inputs plus gates is refused as it is read.
    """
    netlist = Netlist(path, "blif", max_gates=max_gates)
    model, cover, cover_head, ended = "", None, None, False
    for number, tokens in _logical_lines(text):
        word = tokens[0]
        if not word.startswith("."):
            if cover is None:
                raise netlist.error(number, f"cannot read {' '.join(tokens)[:40]!r}: a cover row outside .names")
            cover.append((number, tokens))
            continue
        if cover is not None:
            _define(netlist, *cover_head, cover)
            cover = None
        if ended:
            if word == ".model":
                raise netlist.error(number, "a second .model: hierarchical BLIF is not supported (flatten it first)")
            continue
        if word in REFUSED:
            raise netlist.error(number, f"{word} is {REFUSED[word]}")
        if word == ".model":
            if model:
                raise netlist.error(number, "a second .model: hierarchical BLIF is not supported (flatten it first)")
            model = tokens[1] if len(tokens) > 1 else "model"
        elif word == ".inputs":
            for signal in tokens[1:]:
                netlist.add_input(signal, number)
        elif word == ".outputs":
            netlist.outputs.extend(((signal, False), number, signal) for signal in tokens[1:])
        elif word == ".names":
            if len(tokens) < 2:
                raise netlist.error(number, ".names needs at least an output signal")
            cover_head, cover = (number, tokens[1:-1], tokens[-1]), []
        elif word == ".end":
            ended = True
        elif word not in IGNORED:
            raise netlist.error(number, f"unknown directive {word!r}")
    if cover is not None:
        _define(netlist, *cover_head, cover)
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1]
    return build_circuit(netlist, name=f"{name} ({model})" if model and model not in name else name)


def _define(netlist: Netlist, number: int, inputs: list, output: str, rows: list) -> None:
    cubes, bits = [], set()
    for row_number, tokens in rows:
        if len(tokens) != (2 if inputs else 1):
            raise netlist.error(row_number, f"a row of .names {output} needs {'an input plane and ' if inputs else ''}"
                                f"an output bit, got {' '.join(tokens)[:40]!r}")
        plane, bit = (tokens[0], tokens[1]) if inputs else ("", tokens[0])
        if len(plane) != len(inputs) or set(plane) - set("01-"):
            raise netlist.error(row_number, f"input plane {plane!r} of {output!r} must have {len(inputs)} characters of 0, 1, -")
        if bit not in ("0", "1"):
            raise netlist.error(row_number, f"output bit {bit!r} of {output!r} must be 0 or 1")
        bits.add(bit)
        cubes.append(tuple((signal, value == "0") for signal, value in zip(inputs, plane) if value != "-"))
    if len(bits) > 1:
        raise netlist.error(number, f"the cover of {output!r} mixes on-set (1) and off-set (0) rows")
    negate = bits == {"0"}
    netlist.define(output, Definition("cover", number, args=tuple(cubes), negate=negate, source=".names"))


def _logical_lines(text: str):
    """``(line number, tokens)`` for each non-empty logical line: comments dropped, continuations joined."""
    pending, start = [], None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        continued = line.endswith("\\")
        if continued:
            line = line[:-1]
        if start is None:
            start = number
        pending.extend(line.split())
        if continued:
            continue
        if pending:
            yield start, pending
        pending, start = [], None
    if pending:
        yield start, pending
