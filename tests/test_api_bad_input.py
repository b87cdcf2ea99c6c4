"""Bad arguments to the public API: one exception type, ``expressivity.InputError``, one line, before the work.

The issue's cases run in a subprocess under a 2 GB address-space cap and a time
limit per case, so that a check that comes after the allocation (a 4.4 GB graph,
a 2^(10^12)-row table) fails the test instead of the machine.  A table of bad
calls covers the rest of the public API: a wrong type, a negative, zero or huge
size, a bool where an int is expected.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import expressivity as ex
from expressivity import InputError

#: The issue's cases, as Python source run by the capped subprocess.
ISSUE_CASES = {
    "xor_tree(10**20)": "ex.xor_tree(10**20)",
    "parse_function('parity', 10**9)": "ex.parse_function('parity', 10**9)",
    "parse_function('parity', 10**20)": "ex.parse_function('parity', 10**20)",
    "prove_width(4, 0)": "ex.prove_width(4, 0)",
    "count_module(42)": "ex.count_module(42)",
    "function_from_hex('6996', n=10**12)": "ex.function_from_hex('6996', n=10**12)",
    "a 10 MB hex: spec": "ex.parse_function('hex:' + '6' * 10_000_000)",
    "a 32 MB hex: spec of n = 27": "ex.parse_function('hex:' + '6' * (1 << 25))",
}

CAPPED = r'''
import json, resource, signal, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # 2 GB: no case may allocate its way to an answer
import expressivity as ex

def timeout(*_):
    raise TimeoutError("past the time limit")

signal.signal(signal.SIGALRM, timeout)
cases = json.loads(sys.argv[1])
for source in cases.values():  # the functions imported first (torch): the time limit is for the call alone
    getattr(ex, source[3:source.index("(")])
out = {}
for name, source in cases.items():
    signal.alarm(20)
    started = time.perf_counter()
    try:
        eval(source)
        out[name] = ["returned", "", 0.0]
    except BaseException as error:
        out[name] = [type(error).__name__ + (" InputError" if isinstance(error, ex.InputError) else ""), str(error),
                     time.perf_counter() - started]
    finally:
        signal.alarm(0)
print(json.dumps(out))
'''


def test_the_issues_cases_refuse_in_one_line_under_a_memory_cap():
    done = subprocess.run([sys.executable, "-c", CAPPED, json.dumps(ISSUE_CASES)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert set(results) == set(ISSUE_CASES)
    for name, (kind, message, seconds) in results.items():
        assert kind.endswith(" InputError"), (name, kind, message[:200])
        assert "\n" not in message and 0 < len(message) <= 300, (name, message[:400])
        assert seconds < 5, (name, seconds)  # checked before the work, not after it
    assert "(10,000,000 digits)" in results["a 10 MB hex: spec"][1]  # cut, saying how long it was
    assert "limit" in results["a 32 MB hex: spec of n = 27"][1]


CIRCUIT = ex.xor_tree(4)
NET = ex.compile_network(CIRCUIT)
F3 = ex.parse_function("majority", 3)
MODEL = ex.build_model(2, 2, 1)
#: A folder that does not exist: a call that wrongly went ahead could not write a file there.
NOWHERE = "/nonexistent-folder-of-test_api_bad_input"

#: (call, what the message must say): each must raise InputError with a one-line message.
BAD_CALLS = [
    # circuits
    (lambda: ex.new_circuit(10**20), "n_inputs must be at most"),
    (lambda: ex.new_circuit("3"), "n_inputs must be an integer"),
    (lambda: ex.new_circuit(-1), "at least 0"),
    (lambda: ex.add_gate(ex.new_circuit(2), "g", "nope", (("x", 0),)), "unknown gate"),
    (lambda: ex.set_outputs(ex.new_circuit(2), "zz"), "not in the circuit"),
    (lambda: ex.set_outputs(42, "zz"), "circuit must be a networkx.DiGraph"),
    (lambda: ex.set_outputs(ex.new_circuit(2), "z" * 10**6), "(1000000 characters) is not in the circuit"),
    (lambda: ex.add_gate(42, "g", "and", (("x", 0),)), "circuit must be a networkx.DiGraph"),
    (lambda: ex.add_gate(ex.new_circuit(2), None, "and", (("x", 0),)), "node must be a hashable name"),
    (lambda: ex.add_gate(ex.new_circuit(2), "g", "x" * 10**6, (("x", 0),)), "(1000000 characters)"),
    (lambda: ex.add_gate(ex.new_circuit(2), "g", "and", 42), "operands must be a sequence of nodes"),
    (lambda: ex.add_gate(ex.new_circuit(2), "g", "and", (("x", 5),)), "operand ('x', 5) of 'g' is not in the circuit"),
    (lambda: ex.check_circuit(42), "networkx.DiGraph"),
    (lambda: ex.xor_tree(10**20), "at most 4,194,304"),
    (lambda: ex.xor_tree(0), "positive integer"),
    (lambda: ex.xor_tree(True), "positive integer"),
    (lambda: ex.xor_tree(8, arity=1), "arity must be at least 2"),
    (lambda: ex.xor_tree(8, arity=2.5), "arity must be an integer"),
    (lambda: ex.xor_chain(10**9), "at most 4,194,304"),
    (lambda: ex.xor_chain(-3), "positive integer"),
    (lambda: ex.parity_dnf(10**20), "at most"),
    (lambda: ex.parity_dnf(19), "131,072 terms"),
    (lambda: ex.random_circuit(4, 10**12), "gates must be at most"),
    (lambda: ex.random_circuit(4, -1), "gates must be at least 0"),
    (lambda: ex.random_circuit(4, 5, max_fan_in=0), "max_fan_in"),
    (lambda: ex.random_circuit(4, 5, seed="x"), "seed must be an integer"),
    (lambda: ex.random_circuit(4, 5, max_fan_in=10**20), "max_fan_in must be at most 1,024"),
    (lambda: ex.to_sympy(42), "networkx.DiGraph"),
    (lambda: ex.from_sympy(42), "into a gate"),
    (lambda: ex.from_sympy(None), "expression must be a sympy boolean expression"),
    (lambda: ex.from_sympy([1, 2]), "expression must be a sympy boolean expression"),
    (lambda: ex.lower(CIRCUIT, basis="x"), "basis must be one of"),
    (lambda: ex.lower(42), "networkx.DiGraph"),
    (lambda: ex.depth(42), "networkx.DiGraph"),
    (lambda: ex.size(42), "networkx.DiGraph"),
    (lambda: ex.fan_in("c"), "networkx.DiGraph"),
    (lambda: ex.gate_counts(None), "networkx.DiGraph"),
    (lambda: ex.supports(42), "networkx.DiGraph"),
    (lambda: ex.evaluate(CIRCUIT, np.zeros((1, 3))), "expected bits of shape"),
    (lambda: ex.evaluate(CIRCUIT, "abc"), "bits must be rows"),
    (lambda: ex.truth_table(ex.xor_tree(40)), "at most 26"),
    # Boolean functions
    (lambda: ex.parse_function("parity", 10**9), "limit is n <= 26"),
    (lambda: ex.parse_function("parity", -1), "n must be >= 0"),
    (lambda: ex.parse_function("parity", True), "n must be an integer"),
    (lambda: ex.parse_function("parity", 2.5), "n must be an integer"),
    (lambda: ex.parse_function(42, 3), "a function spec is a string"),
    (lambda: ex.parse_function("x" * 10**6, 3), "unknown function family"),
    (lambda: ex.function_from_hex("6996", n=10**12), "limit is n <= 26"),
    (lambda: ex.function_from_hex("6996", n=3), "but n=3 was given"),
    (lambda: ex.function_from_hex("6" * 10**6 + "z"), "digits)"),
    (lambda: ex.function_from_hex(6996), "at least one hex digit"),
    (lambda: ex.function_from_expression("x0", 10**12), "limit is n <= 26"),
    (lambda: ex.function_from_expression("x0 &" * 400_000 + "x1", 3), "1,000,000"),
    (lambda: ex.function_from_expression("x" + "9" * 5000, 3), "more than any table holds"),
    (lambda: ex.function_from_expression(42, 3), "an expression is a string"),
    (lambda: ex.function_from_sympy(42), "sympy boolean expression"),
    (lambda: ex.functions_from_circuit(42), "networkx.DiGraph"),
    (lambda: ex.npn_canonical(42), "expected a BooleanFunction"),
    (lambda: ex.npn_canonical(ex.parse_function("parity", 7)), "0 <= n <= 6"),
    (lambda: ex.symmetry_group("parity"), "expected a BooleanFunction"),
    (lambda: ex.BooleanFunction(np.array([0, 1, 1])), "length 2^n"),
    (lambda: ex.NPNTransform((0, 0), (0, 0)), "not a permutation"),
    # networks
    (lambda: ex.gadget("nand", 2), "no gadget"),
    (lambda: ex.gadget("xor", 10**20), "arity must be at most"),
    (lambda: ex.gadget("xor", 0), "at least one operand"),
    (lambda: ex.gadget(["xor"], 2), "kind must be a string"),
    (lambda: ex.gadget("xor", [2]), "arity must be an integer"),
    (lambda: ex.compile_network(42), "networkx.DiGraph"),
    (lambda: ex.minterm(10**20), "at most 24"),
    (lambda: ex.minterm(0), "at least 1"),
    (lambda: ex.symmetric(10**9), "at most 14,654"),
    (lambda: ex.symmetric(2.0), "must be an integer"),
    (lambda: ex.skip(1), "skip needs n >= 2"),
    (lambda: ex.skip(False), "must be an integer"),
    (lambda: ex.LayeredNet(42, 42), "weights must be a tuple of scipy sparse matrices"),
    (lambda: ex.LayeredNet((42,), (np.zeros(1),)), "layer 1 weights must be a 2-D scipy sparse matrix"),
    (lambda: ex.LayeredNet(NET.weights, NET.biases[:1]), "as many bias vectors as weight matrices"),
    (lambda: ex.LayeredNet(NET.weights, NET.biases, name=42), "name must be a string"),
    (lambda: ex.LayeredNet(NET.weights, NET.biases, skip=NET.weights[0]), "skip must be None or"),
    (lambda: ex.LayeredNet.from_dense(42, 42), "weights must be a list of weight matrices"),
    (lambda: ex.LayeredNet(NET.weights, NET.biases, plan=42), "plan must be None"),
    (lambda: ex.load_network(42), "path must be a file path"),
    (lambda: ex.load_network("x" * 10**6), "at most 4,096 characters"),
    (lambda: ex.load_network(NOWHERE + "/net.pt", max_bytes=float("nan")), "max_bytes must be an integer"),
    (lambda: ex.save_network(NET, "x" * 10**6), "at most 4,096 characters"),
    (lambda: ex.save_network(42, NOWHERE + "/written.pt"), "net must be a LayeredNet"),
    (lambda: ex.save_network(NET, 42), "path must be a file path"),
    (lambda: ex.export_onnx(42, NOWHERE + "/written.onnx"), "net must be a LayeredNet"),
    (lambda: ex.export_onnx(NET, None), "path must be a file path"),
    (lambda: ex.export_onnx(NET, NOWHERE + "/written.onnx", dtype="float16"), "ONNX dtype must be one of"),
    # pipeline
    (lambda: ex.compile_circuit(42), "networkx.DiGraph"),
    (lambda: ex.compile_circuit(CIRCUIT, verify="x"), "verify must be one of"),
    (lambda: ex.compile_circuit(CIRCUIT, max_exhaustive=-1), "max_exhaustive must be at least 0"),
    (lambda: ex.verify_network(42, NET), "networkx.DiGraph or an ArrayCircuit"),
    (lambda: ex.verify_network(CIRCUIT, 42), "network must be a LayeredNet"),
    (lambda: ex.verify_network(CIRCUIT, NET, time_limit=0), "time_limit"),
    # verification
    (lambda: ex.verify_exhaustive(42, ex.parity_reference), "net must be a LayeredNet"),
    (lambda: ex.verify_exhaustive(NET, 42), "reference must be a circuit"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, mode="x"), "mode must be one of exact, sign"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, encoding=1), "encoding must be one of 01, pm1"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, max_bits=-1), "max_bits must be at least 0"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, max_bits=True), "max_bits must be an integer"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, time_limit=0), "time_limit must be None or a positive number"),
    (lambda: ex.verify_shallow(42, ex.parity_reference), "net must be a LayeredNet"),
    (lambda: ex.verify_shallow(ex.minterm(3), "x" * 10**6), "reference must be a circuit"),
    (lambda: ex.verify_shallow(ex.minterm(3), ex.parity_reference, max_entries=0), "max_entries must be at least 1"),
    (lambda: ex.verify_shallow(ex.minterm(3), ex.parity_reference, max_entries=10**20), "max_entries must be at most"),
    (lambda: ex.verify_shallow(ex.minterm(3), CIRCUIT), "the reference circuit has 4 inputs"),
    (lambda: ex.verify_exhaustive(NET, lambda bits: bits[:2]), "one row of 0/1 numbers per input"),
    (lambda: ex.verify_exhaustive(NET, lambda bits: np.zeros((len(bits), 2))), "the reference 2"),
    (lambda: ex.verify_exhaustive(NET, CIRCUIT, progress="yes"), "progress must be True or False"),
    (lambda: ex.verify_shallow(NET, CIRCUIT), "exactly one hidden layer"),
    (lambda: ex.certify(CIRCUIT, 42), "net must be a LayeredNet"),
    (lambda: ex.certify(42, NET), "circuit must be a networkx.DiGraph or an ArrayCircuit"),
    (lambda: ex.parity_reference(42), "bits must be rows of 0/1 numbers"),
    (lambda: ex.parity_reference([["a", "b"]]), "bits must be rows of 0/1 numbers"),
    (lambda: ex.Verification("x", "exhaustive", 1), "status must be one of verified"),
    (lambda: ex.Verification("verified", "exhaustive", -1), "n_inputs must be at least 0"),
    (lambda: ex.Verification("verified", 42, 1), "method must be a string"),
    (lambda: ex.Verification("verified", "exhaustive", 1, inputs_checked="x"), "inputs_checked must be an integer"),
    (lambda: ex.Counterexample(42, (0,), (1,)), "bits must be a tuple"),
    # counts
    (lambda: ex.formulas("nope"), "unknown construction"),
    (lambda: ex.formulas("xor_tree", arity=1), "arity must be at least 2"),
    (lambda: ex.formulas("xor_tree", arity=True), "arity must be an integer"),
    (lambda: ex.all_formulas(arity=0), "arity must be at least 2"),
    (lambda: ex.ratios(10**20), "bits must be at most 100,000"),
    (lambda: ex.ratios(True), "bits must be an integer"),
    (lambda: ex.ratios(-1), "hold for n >= 1"),
    (lambda: ex.ratios(8, deep="x"), "unknown construction"),
    (lambda: ex.parse_spec(42), "a spec is a string"),
    (lambda: ex.parse_spec("x" * 10**6), "characters)"),
    (lambda: ex.count_module(42), "torch module"),
    (lambda: ex.load_module(42), "package.module:factory"),
    (lambda: ex.load_module("x" * 10**6), "at most 1000 characters"),
    # search
    (lambda: ex.TrainConfig(steps=-1), "steps must be at least 0"),
    (lambda: ex.TrainConfig(steps=True), "steps must be an integer"),
    (lambda: ex.TrainConfig(lr=0), "lr and eps must be positive"),
    (lambda: ex.TrainConfig(lr="0.1"), "lr must be a finite number"),
    (lambda: ex.TrainConfig(loss="x"), "loss must be one of"),
    (lambda: ex.ModelSpec((0,), 0), "at least 1"),
    (lambda: ex.ModelSpec((10**20,), 0), "at most 1,048,576"),
    (lambda: ex.ModelSpec(3, -1), "index must be at least 0"),
    (lambda: ex.ModelSpec("3", 0), "must be an integer"),
    (lambda: ex.train_models(42, [ex.ModelSpec(2, 0)]), "n must be at most 26"),
    (lambda: ex.train_models("parity", [ex.ModelSpec(2, 0)]), "needs a BooleanFunction"),
    (lambda: ex.train_models(2, 42), "specs must be a sequence of ModelSpec"),
    (lambda: ex.train_models(2, [42]), "got 42 at position 0"),
    (lambda: ex.train_models(2, [ex.ModelSpec(2, 0)], 42), "config must be a TrainConfig"),
    (lambda: ex.train_models(2, [ex.ModelSpec(2, 0)], seed=-1), "seed must be at least 0"),
    (lambda: ex.train_models(2, [ex.ModelSpec(2, 0)], max_elements=-1), "max_elements must be at least 1"),
    (lambda: ex.train_models(2, [ex.ModelSpec(2, 0)], check_every="x"), "check_every must be an integer"),
    (lambda: ex.search_width("parity", [10**20], [2], 2), "bits must lie in 2..24"),
    (lambda: ex.search_width("parity", 3, [2], 2), "bits must be a sequence"),
    (lambda: ex.search_width("parity", [3], [0], 2), "every width must be at least 1"),
    (lambda: ex.search_width("parity", [3], [10**20], 2), "one network of hidden widths"),
    (lambda: ex.search_width("parity", [3], [2], 0), "seeds must be at least 1"),
    (lambda: ex.search_width("parity", [3], [2], True), "seeds must be an integer"),
    (lambda: ex.search_width(42, [3], [2], 2), "a function spec is a string"),
    (lambda: ex.search_width("parity", [3], [2], 2, 42), "config must be a TrainConfig"),
    (lambda: ex.search_width("parity", [3], [2], 2, seed=None), "seed must be an integer"),
    (lambda: ex.summary_text(42), "rows must be a sequence of WidthRow"),
    (lambda: ex.summary_text([42]), "got 42 at position 0"),
    (lambda: ex.plot_width_search(42, NOWHERE + "/written.png"), "rows must be a sequence of WidthRow"),
    (lambda: ex.plot_width_search([], 42), "path must be a file path"),
    (lambda: ex.plot_width_search([], NOWHERE + "/written.txt"), "matplotlib cannot write '.txt' files"),
    (lambda: ex.plot_width_search([], NOWHERE + "/written.png", title="x" * 10**6), "at most 1000 characters"),
    (lambda: ex.load_weights(42), "path must be a file path"),
    # proofs
    (lambda: ex.prove_width(4, 0), "width must be at least 1"),
    (lambda: ex.prove_width(4, 10**20), "width must be at most"),
    (lambda: ex.prove_width(4, 2.5), "width must be an integer"),
    (lambda: ex.prove_width(4, None), "width must be an integer, got None"),
    (lambda: ex.prove_width(10**20, 1), "n must be at most 17"),
    (lambda: ex.prove_width(True, 1), "n must be an integer"),
    (lambda: ex.prove_width(0, 1), "constant on 0 bits"),
    (lambda: ex.prove_width(4, 1, variant="x"), "variant must be one of"),
    (lambda: ex.prove_width(4, 1, time_limit=-1), "time_limit"),
    (lambda: ex.prove_width(4, 1, time_limit=float("nan")), "time_limit"),
    (lambda: ex.prove_width(4, 1, threads=0), "threads must be at least 1"),
    (lambda: ex.prove_width(4, 1, seed=-1), "seed must be at least 0"),
    (lambda: ex.prove_width(4, 1, formulation="strong"), "formulation must be a Formulation"),
    (lambda: ex.prove_width(4, 1, groups=(1,)), "summing to n = 4"),
    (lambda: ex.prove_width(4, 1, groups=42), "groups must be a sequence"),
    (lambda: ex.prove_width(4, 1, function=F3), "the function has 3 bits"),
    (lambda: ex.prove_width(4, 1, function=42), "a function is a spec string"),
    (lambda: ex.prove_minimum_width(10**20), "n must be at most 17"),
    (lambda: ex.prove_minimum_width(4, max_width=0), "max_width must be at least 1"),
    (lambda: ex.prove_minimum_width(4, time_limit=0), "time_limit"),
    (lambda: ex.build_model(4, 0, 1), "width must be at least 1"),
    (lambda: ex.build_model(10**20, 1, 1), "n must be at most 26"),
    (lambda: ex.build_model(4, 1, 2), "positive must be at most 1"),
    (lambda: ex.build_model(2, 2, 0), "positive count must be one of 1..2"),
    (lambda: ex.build_model(2, 2, 1, bound="x"), "bound must be None or a positive finite number"),
    (lambda: ex.build_model(2, 2, 1, bound=float("nan")), "bound must be None or a positive finite number"),
    (lambda: ex.search_tied(4, None, [(2, 2)]), "width must be an integer, got None"),
    (lambda: ex.Formulation(42), "name must be a string"),
    (lambda: ex.Formulation("f", normalisation="x"), "normalisation must be one of"),
    (lambda: ex.Formulation("f", symmetry="yes"), "symmetry must be True or False"),
    (lambda: ex.Formulation("f", symmetry=False), "canonical_cuts needs symmetry"),
    (lambda: ex.search_tied(4, 0, [(2, 2)]), "width must be at least 1"),
    (lambda: ex.search_tied(4, 1, 42), "groupings must be sequences"),
    (lambda: ex.search_tied(4, 1, [(3, 3)]), "summing to n = 4"),
    (lambda: ex.WidthProof(2, 1, "sign", "strong", 1.0, "maybe", ""), "status must be one of"),
    (lambda: ex.solve_model(42), "model must be a MilpModel"),
    (lambda: ex.solve_model(MODEL, time_limit=-1), "time_limit must be None or a positive number"),
    (lambda: ex.solve_model(MODEL, threads=0), "threads must be at least 1"),
    (lambda: ex.solve_model(MODEL, seed=10**20), "seed must be at most"),
    (lambda: ex.solve_model(MODEL, target_margin=float("inf")), "target_margin must be None or a positive finite"),
    (lambda: ex.solve_model(MODEL, fixed_pattern=np.zeros(3)), "fixed_pattern must be None or 0/1 activations"),
]


@pytest.mark.parametrize("call, message", BAD_CALLS, ids=range(len(BAD_CALLS)))
def test_bad_calls_raise_input_error_in_one_line(call, message):
    with pytest.raises(InputError) as error:
        call()
    text = str(error.value)
    assert message in text, text[:300]
    assert "\n" not in text and len(text) <= 300, text[:400]
    assert isinstance(error.value, ValueError)


def test_input_error_is_public_and_every_subject_error_is_one():
    assert "InputError" in ex.__all__ and ex.InputError is InputError
    for name in ("CircuitError", "FunctionError", "FunctionSpecError", "SpecError", "ReceptiveFieldError"):
        assert issubclass(getattr(ex, name), InputError), name
