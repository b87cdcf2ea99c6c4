"""Netlist readers (BENCH, AIGER ASCII and binary, BLIF): hand-written files against hand-written truth tables,
the ISCAS-85 circuits compiled and certified, and malformed files refused in one line."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import all_inputs, naive_table, naive_value
from expressivity.circuits import NetlistError, read_netlist
from expressivity.circuits.evaluate import evaluate, truth_table
from expressivity.compiling import compile_circuit, sampled_check
from expressivity.networks.compiler import compile_network

ISCAS = Path(__file__).resolve().parent / "data" / "iscas85"  # copies of ../shared/data/iscas85: CI clones lack it

# A full adder written three times by hand.  Inputs a, b, cin are x0, x1, x2 (row k has x_i = bit i of k).
FULL_ADDER_SUM = [0, 1, 1, 0, 1, 0, 0, 1]
FULL_ADDER_CARRY = [0, 0, 0, 1, 0, 1, 1, 1]

FULL_ADDER_BENCH = """\
# full adder, every kind of line
INPUT(a)
INPUT(b)
INPUT(cin)
OUTPUT(sum)
OUTPUT(cout)
t = XOR(a, b)
nc = NOT(cin)
sum = XNOR(t, nc)      # t ^ cin
p = NAND(t, cin)
g = and(a, b)
ng = NOT(g)
pb = BUFF(p)
cout = NAND(ng, pb)    # g | (t & cin)
"""

# AND gates: 8 = a & b, 10 = ~a & ~b, 12 = a ^ b, 14 = (a^b) & cin, 16 = ~(a^b) & ~cin, 18 = sum, 20 = ~carry
FULL_ADDER_GATES = [(8, 4, 2), (10, 5, 3), (12, 11, 9), (14, 12, 6), (16, 13, 7), (18, 17, 15), (20, 15, 9)]
FULL_ADDER_AAG = "aag 10 3 0 2 7\n2\n4\n6\n18\n21\n" + "".join(f"{l} {r0} {r1}\n" for l, r0, r1 in FULL_ADDER_GATES) + \
    "i0 a\ni1 b\ni2 cin\no0 sum\no1 cout\nc\nwritten by hand\n"

FULL_ADDER_BLIF = """\
.model full_adder
.inputs a b \\
        cin
.outputs sum cout
.names a b cin sum
100 1
010 1
001 1
111 1
# the carry as its off-set, with don't cares
.names a b cin cout
00- 0
0-0 0
-00 0
.end
"""


def leb128(value: int) -> bytes:
    """Unsigned LEB128, as binary AIGER stores its deltas (written here from the AIGER 1.9 format description)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def binary_aiger(inputs: int, outputs: list, gates: list, latches: int = 0, symbols: str = "") -> bytes:
    """A binary AIGER file: gates ``(lhs, rhs0, rhs1)`` numbered from ``2 * (inputs + latches + 1)`` up."""
    m = inputs + latches + len(gates)
    body = b"".join(leb128(lhs - max(r0, r1)) + leb128(max(r0, r1) - min(r0, r1)) for lhs, r0, r1 in gates)
    text = f"aig {m} {inputs} {latches} {len(outputs)} {len(gates)}\n" + "".join(f"{o}\n" for o in outputs)
    text += "".join(f"{2 * (inputs + k + 1) + 2 * len(gates)}\n" for k in range(latches))  # never read: refused first
    return text.encode() + body + symbols.encode()


def write(tmp_path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def network_table(circuit) -> np.ndarray:
    """The compiled network's outputs on every input (the network, not the circuit, is what is checked)."""
    return compile_network(circuit).forward(all_inputs(circuit.graph["n_inputs"]))


@pytest.mark.parametrize("name,content", [
    ("fa.bench", FULL_ADDER_BENCH),
    ("fa.aag", FULL_ADDER_AAG),
    ("fa.aig", binary_aiger(3, [18, 21], FULL_ADDER_GATES, symbols="i0 a\ni1 b\ni2 cin\no0 sum\no1 cout\n")),
    ("fa.blif", FULL_ADDER_BLIF),
])
def test_the_full_adder_in_every_format_compiles_to_the_same_function(tmp_path, name, content):
    circuit = read_netlist(write(tmp_path, name, content))
    expected = np.array([FULL_ADDER_SUM, FULL_ADDER_CARRY]).T
    assert circuit.graph["n_inputs"] == 3 and circuit.graph["output_names"] == ("sum", "cout")
    assert circuit.graph["input_names"] == ("a", "b", "cin")
    assert np.array_equal(naive_table(circuit), expected)
    assert np.array_equal(network_table(circuit), expected)
    result = compile_circuit(circuit)
    assert result.verification.status == "verified" and result.network.n_outputs == 2


def test_every_bench_gate_type_against_its_truth_table(tmp_path):
    gates = {  # hand-written tables over (a, b, c) rows 000, 100, 010, 110, 001, 101, 011, 111
        "AND": [0, 0, 0, 0, 0, 0, 0, 1], "NAND": [1, 1, 1, 1, 1, 1, 1, 0],
        "OR": [0, 1, 1, 1, 1, 1, 1, 1], "NOR": [1, 0, 0, 0, 0, 0, 0, 0],
        "XOR": [0, 1, 1, 0, 1, 0, 0, 1], "XNOR": [1, 0, 0, 1, 0, 1, 1, 0],
    }
    lines = ["INPUT(a)", "INPUT(b)", "INPUT(c)"] + [f"OUTPUT(y{gate})" for gate in gates]
    lines += [f"y{gate} = {gate}(a, b, c)" for gate in gates]
    lines += ["OUTPUT(na)", "OUTPUT(ba)", "OUTPUT(bu)", "na = NOT(a)", "ba = BUFF(a)", "bu = BUF(na)"]
    circuit = read_netlist(write(tmp_path, "gates.bench", "\n".join(lines)))
    a = [0, 1, 0, 1, 0, 1, 0, 1]
    expected = np.array(list(gates.values()) + [[1 - v for v in a], a, [1 - v for v in a]]).T
    assert np.array_equal(naive_table(circuit), expected)
    assert np.array_equal(network_table(circuit), expected)
    assert circuit.graph["netlist_gates"] == {**{gate: 1 for gate in gates}, "NOT": 1, "BUFF": 1, "BUF": 1}


def test_aiger_constants_negated_outputs_and_input_outputs(tmp_path):
    # outputs: false, true, ~x0, x1, x0 & ~x1 (gate 6)
    aag = "aag 3 2 0 5 1\n2\n4\n0\n1\n3\n4\n6\n6 2 5\n"
    expected = np.array([[0] * 4, [1] * 4, [1, 0, 1, 0], [0, 0, 1, 1], [0, 1, 0, 0]]).T
    for name, content in [("k.aag", aag), ("k.aig", binary_aiger(2, [0, 1, 3, 4, 6], [(6, 2, 5)]))]:
        circuit = read_netlist(write(tmp_path, name, content))
        assert np.array_equal(naive_table(circuit), expected), name
        assert np.array_equal(network_table(circuit), expected), name
        assert circuit.graph["output_names"] == ("o0", "o1", "o2", "o3", "o4")


def test_binary_aiger_with_multi_byte_deltas(tmp_path):
    # 70 inputs, then one AND of x0 and ~x69: delta0 = 142 - 141 is small, delta1 = 141 - 2 needs two bytes
    gates = [(142, 2, 141)]
    circuit = read_netlist(write(tmp_path, "wide.aig", binary_aiger(70, [142], gates)))
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, (200, 70))
    assert np.array_equal(evaluate(circuit, bits)[:, 0], bits[:, 0] & (1 - bits[:, 69]))


def test_blif_covers_constants_buffers_and_inverters(tmp_path):
    blif = """.model m
.inputs a b
.outputs one zero buf inv nor sel
.names one
1
.names zero
.names a buf
1 1
.names a inv
0 1
.names a b nor
00 1
.names a b sel
1- 1
.end
"""
    circuit = read_netlist(write(tmp_path, "m.blif", blif))
    a = [0, 1, 0, 1]  # rows ab = 00, 10, 01, 11
    expected = np.array([[1] * 4, [0] * 4, a, [1 - v for v in a], [1, 0, 0, 0], a]).T
    assert np.array_equal(naive_table(circuit), expected)
    assert np.array_equal(network_table(circuit), expected)


def test_format_option_overrides_the_suffix(tmp_path):
    path = write(tmp_path, "adder.txt", FULL_ADDER_BLIF)
    assert np.array_equal(truth_table(read_netlist(path, format="blif"))[:, 0], FULL_ADDER_SUM)
    with pytest.raises(NetlistError, match="suffix .txt"):
        read_netlist(path)
    with pytest.raises(NetlistError, match="unknown format 'vhdl'"):
        read_netlist(path, format="vhdl")


def test_c17_every_output_on_all_32_inputs():
    circuit = read_netlist(ISCAS / "c17.bench")
    assert circuit.graph["output_names"] == ("N22", "N23")
    # c17 by hand: N10 = ~(1 & 3), N11 = ~(3 & 6), N16 = ~(2 & N11), N19 = ~(N11 & 7), N22 = ~(N10 & N16), N23 = ~(N16 & N19)
    x = all_inputs(5)
    n1, n2, n3, n6, n7 = x.T
    nand = lambda p, q: 1 - (p & q)  # noqa: E731
    n10, n11 = nand(n1, n3), nand(n3, n6)
    n16, n19 = nand(n2, n11), nand(n11, n7)
    expected = np.stack([nand(n10, n16), nand(n16, n19)], axis=1)
    result = compile_circuit(circuit)
    assert result.verification.status == "verified" and result.verification.inputs_checked == 32
    assert np.array_equal(result.network.forward(x), expected)
    assert np.array_equal(truth_table(circuit), expected)


def test_c432_is_certified_and_agrees_on_sampled_inputs():
    circuit = read_netlist(ISCAS / "c432.bench")
    assert (circuit.graph["n_inputs"], len(circuit.graph["outputs"])) == (36, 7)
    result = compile_circuit(circuit)
    assert (result.verification.status, result.verification.method) == ("verified", "compositional")
    bits = np.random.default_rng(432).integers(0, 2, (300, 36))
    naive = np.array([naive_value(circuit, row) for row in bits])
    assert np.array_equal(result.network.forward(bits), naive)
    check = sampled_check(circuit, result.network, 2000, seed=5)
    assert check.label == "sampled" and check.samples == 2000 and check.agrees


@pytest.mark.parametrize("name,shape", [("c499", (41, 32)), ("c880", (60, 26))])
def test_the_other_shared_iscas_circuits_are_certified(name, shape):
    circuit = read_netlist(ISCAS / f"{name}.bench")
    assert (circuit.graph["n_inputs"], len(circuit.graph["outputs"])) == shape
    assert compile_circuit(circuit).verification.status == "verified"


def test_a_wrong_network_is_caught_by_the_sampled_check():
    circuit = read_netlist_text("INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = AND(a, b)\n")
    wrong = compile_network(read_netlist_text("INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = OR(a, b)\n"))
    check = sampled_check(circuit, wrong, 200)
    assert not check.agrees and check.mismatches > 0
    bits, expected, got = check.first_mismatch
    assert expected == (bits[0] & bits[1],) and got == (float(bits[0] | bits[1]),)


def read_netlist_text(text: str, suffix: str = "bench"):
    from expressivity.circuits.netlists import parse_netlist

    return parse_netlist(text.encode(), suffix, f"t.{suffix}")


MALFORMED = [
    ("undefined.bench", "INPUT(a)\nOUTPUT(y)\n\ny = AND(a, b)\n", "line 4", "'b' is used but never defined"),
    ("cycle.bench", "INPUT(a)\nOUTPUT(y)\ny = AND(a, z)\nz = OR(y, a)\n", "line ", "combinational cycle"),
    ("duplicate.bench", "INPUT(a)\nOUTPUT(y)\ny = NOT(a)\ny = BUFF(a)\n", "line 4", "duplicate definition of 'y' (first defined on line 3)"),
    ("input_twice.bench", "INPUT(a)\nINPUT(a)\nOUTPUT(a)\n", "line 2", "duplicate definition of 'a'"),
    ("unknown.bench", "INPUT(a)\nOUTPUT(y)\ny = MUX(a, a)\n", "line 3", "unknown gate 'MUX'"),
    ("dff.bench", "INPUT(a)\nOUTPUT(y)\ny = DFF(a)\n", "line 3", "latch"),
    ("garbage.bench", "INPUT(a)\nOUTPUT(y)\ny := AND(a)\n", "line 3", "cannot read"),
    ("not2.bench", "INPUT(a)\nOUTPUT(y)\ny = NOT(a, a)\n", "line 3", "NOT takes one operand"),
    ("no_output.bench", "INPUT(a)\nOUTPUT(y)\n", "line 2", "output 'y' is never defined"),
    ("latch.aag", "aag 1 0 1 0 0\n2 3\n", "line 1", "latch"),
    ("latch.aig", binary_aiger(1, [2], [], latches=1), "line 1", "latch"),
    ("bad_state.aag", "aag 1 1 0 0 0 1\n2\n2\n", "line 1", "bad-state properties"),
    ("truncated.aig", binary_aiger(2, [8], [(6, 2, 4), (8, 6, 3)])[:-1], "byte", "truncated"),
    ("header.aag", "aig 1 1 0 1 0\n2\n", "line 1", "format aag was asked for"),
    ("undefined.aag", "aag 3 1 0 1 1\n2\n6\n6 2 4\n", "line 4", "variable 2 is used but never defined"),
    ("cycle.aag", "aag 3 1 0 1 2\n2\n6\n4 6 2\n6 4 2\n", "line ", "combinational cycle"),
    ("duplicate.aag", "aag 3 1 0 1 2\n2\n4\n4 2 2\n4 3 2\n", "line 5", "duplicate definition of variable 2"),
    ("short.aag", "aag 2 1 0 1 1\n2\n4\n", "line 4", "the file ends"),
    ("odd_input.aag", "aag 1 1 0 1 0\n3\n2\n", "line 2", "must be even"),
    ("big_literal.aag", "aag 1 1 0 1 0\n2\n9\n", "line 3", "beyond 2M + 1"),
    ("latch.blif", ".model m\n.inputs a\n.outputs q\n.latch a q 0\n.end\n", "line 4", ".latch is a latch"),
    ("sub.blif", ".model m\n.inputs a\n.outputs y\n.subckt inv in=a out=y\n.end\n", "line 4", "subcircuit"),
    ("mixed.blif", ".model m\n.inputs a b\n.outputs y\n.names a b y\n11 1\n00 0\n.end\n", "line 4", "mixes on-set"),
    ("plane.blif", ".model m\n.inputs a b\n.outputs y\n.names a b y\n1x 1\n", "line 5", "input plane '1x'"),
    ("undefined.blif", ".model m\n.inputs a\n.outputs y\n.names a c y\n11 1\n", "line 4", "'c' is used but never defined"),
    ("constant.blif", ".model m\n.outputs one\n.names one\n1\n.end\n", "", "no inputs"),
    ("no_outputs.bench", "INPUT(a)\n", "", "no outputs"),
    ("directive.blif", ".model m\n.inputs a\n.outputs a\n.frobnicate\n", "line 4", "unknown directive"),
]


@pytest.mark.parametrize("name,content,where,problem", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_netlists_are_one_line_naming_file_line_and_problem(tmp_path, name, content, where, problem):
    path = write(tmp_path, name, content)
    with pytest.raises(NetlistError) as caught:
        read_netlist(path)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message and message.startswith(f"{path}: {where}") and problem in message, message


# -- size limits and the outputs' cone (issue 21) ---------------------------------------------------

def test_only_the_outputs_cone_is_built_and_dead_gates_are_still_checked(tmp_path):
    """A file that uses 3 of its 2,003 gates builds 3 gates (the netlist's counts still name every gate)."""
    dead = "".join(f"d{i} = XOR(a, b)\n" for i in range(2000))
    circuit = read_netlist(write(tmp_path, "few.bench", "INPUT(a)\nINPUT(b)\nINPUT(c)\nOUTPUT(y)\n"
                                 "u = AND(a, b)\nv = OR(u, c)\n" + dead + "y = NAND(v, b)\n"))
    gates = [node for node, data in circuit.nodes(data=True) if data["gate"] != "input"]
    assert sorted(map(str, gates)) == sorted(["u", "v", "('gate', 'y')", "y"])  # NAND: an AND and its NOT
    assert circuit.graph["netlist_gates"] == {"AND": 1, "NAND": 1, "OR": 1, "XOR": 2000}
    a, b, c = (all_inputs(3)[:, i] for i in range(3))
    reference = 1 - (((a & b) | c) & b)  # written from the file, not read from the circuit
    assert np.array_equal(truth_table(circuit)[:, 0], reference)
    assert np.array_equal(naive_table(circuit)[:, 0], reference)
    assert np.array_equal(network_table(circuit)[:, 0], reference)
    with pytest.raises(NetlistError, match="line 5: 'z' is used but never defined"):
        read_netlist(write(tmp_path, "dead_bad.bench", "INPUT(a)\nOUTPUT(y)\ny = NOT(a)\nd0 = NOT(a)\nd1 = AND(d0, z)\n"))


@pytest.mark.parametrize("name,content,gates,where", [
    # 2 inputs and 10 gates; the 12th signal, g9, is on line 13
    ("many.bench", "INPUT(a)\nINPUT(b)\nOUTPUT(g0)\n" + "".join(f"g{i} = AND(a, b)\n" for i in range(10)), 12, "line 13"),
    # a cover counts one gate per row: 2 inputs and a 4-row cover are 6
    ("rows.blif", ".model m\n.inputs a b\n.outputs y\n.names a b y\n00 1\n01 1\n10 1\n11 1\n.end\n", 6, "line 4"),
    ("header.aig", binary_aiger(3, [8], [(8, 2, 4), (10, 8, 6)]), 5, "line 1"),  # the header's I + A
])
def test_more_gates_than_max_gates_is_refused_naming_the_limit(tmp_path, name, content, gates, where):
    from expressivity.circuits.netlists import NetlistLimitError

    path = write(tmp_path, name, content)
    with pytest.raises(NetlistLimitError) as caught:
        read_netlist(path, max_gates=gates - 1)
    assert caught.value.limit == "max_gates" and str(caught.value).startswith(f"{path}: {where}: ")
    assert f"past the limit max_gates = {gates - 1}" in str(caught.value)
    assert read_netlist(path, max_gates=gates).graph["n_inputs"] in (2, 3)  # the exact count is within the limit


def test_more_bytes_than_max_bytes_is_refused_before_reading_and_streams_are_read_no_further(tmp_path):
    from expressivity.circuits.netlists import NetlistLimitError

    path = write(tmp_path, "fa.bench", FULL_ADDER_BENCH)
    size = path.stat().st_size
    with pytest.raises(NetlistLimitError, match=f"{size:,} bytes, past the limit max_bytes = {size - 1:,}") as caught:
        read_netlist(path, max_bytes=size - 1)
    assert caught.value.limit == "max_bytes"
    assert read_netlist(path, max_bytes=size).graph["n_inputs"] == 3
    with pytest.raises(NetlistLimitError, match="not a regular file"):
        read_netlist("/dev/zero", "aig", max_bytes=1 << 16)
    fifo = tmp_path / "pipe.bench"
    os.mkfifo(fifo)
    written = []

    def writer():  # writes until the reader closes its end
        try:
            with open(fifo, "wb") as handle:
                while True:
                    handle.write(b"INPUT(a)\n" * 1024)
                    written.append(1)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with pytest.raises(NetlistLimitError, match="more than 100,000 bytes"):
        read_netlist(fifo, max_bytes=100_000)
    thread.join(timeout=10)
    assert not thread.is_alive()
