"""Verification: exhaustive against the reference evaluator, the compositional certificate, mutations."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

import torch

from conftest import all_inputs, naive_table, naive_value
from expressivity.circuits.build import parity_dnf, random_circuit, xor_chain, xor_tree
from expressivity.networks import gadgets
from expressivity.networks.compiler import compile_network
from expressivity.networks.layered import LayeredNet
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive


def mutations(net: LayeredNet):
    """Every network that differs from ``net`` in one weight or bias entry by +1 or -1 (dense entries, zeros too)."""
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases)):
        dense = weight.toarray()
        for row in range(dense.shape[0]):
            for col in range(dense.shape[1]):
                for delta in (1, -1):
                    changed = dense.copy()
                    changed[row, col] += delta
                    weights = list(net.weights)
                    weights[layer] = sp.csr_array(changed)
                    yield f"W{layer}[{row},{col}]{delta:+d}", dataclasses.replace(net, weights=tuple(weights))
            for delta in (1, -1):
                biases = list(net.biases)
                biases[layer] = bias.copy()
                biases[layer][row] += delta
                yield f"b{layer}[{row}]{delta:+d}", dataclasses.replace(net, biases=tuple(biases))


@pytest.mark.parametrize("circuit", [xor_tree(8), xor_tree(7, 3), xor_chain(5), parity_dnf(4), random_circuit(5, 12, seed=3)],
                         ids=["tree8", "tree7/3", "chain5", "dnf4", "random5"])
def test_every_single_weight_change_is_caught(circuit):
    net = compile_network(circuit)
    assert verify_exhaustive(net, circuit).verified and certify(circuit, net).verified
    caught = 0
    for label, mutant in mutations(net):
        result = verify_exhaustive(mutant, circuit)
        if result.status == "verified":
            # Some changes leave the function intact (a -1 on a path that ReLU clips at 0):
            # that is no miss of the verifier, as an independent run of the torch module shows.
            assert np.array_equal(torch_outputs(mutant), naive_table(circuit)), label
            assert certify(circuit, mutant).status == "rejected", label
            continue
        assert result.status == "counterexample", label
        example = result.counterexample
        # the counterexample is real: the mutant's output there differs from the circuit's
        assert tuple(mutant.forward(np.array([example.bits]))[0]) == example.got
        assert naive_value(circuit, example.bits) == example.expected != example.got
        # and the certificate refuses the mutant too
        assert certify(circuit, mutant).status == "rejected", label
        caught += 1
    assert caught > 0


def torch_outputs(net: LayeredNet) -> np.ndarray:
    with torch.no_grad():
        return net.to_torch()(torch.as_tensor(all_inputs(net.n_inputs), dtype=torch.float64)).numpy()


def test_verdicts_on_mutants_agree_with_the_torch_module():
    circuit = xor_tree(8)
    table = naive_table(circuit)
    verdicts = [(verify_exhaustive(m, circuit).verified, np.array_equal(torch_outputs(m), table)) for _, m in mutations(compile_network(circuit))]
    assert all(ours == theirs for ours, theirs in verdicts)
    assert sum(not ours for ours, _ in verdicts) > 0.9 * len(verdicts)  # nearly every change breaks parity


def test_compositional_check_rejects_a_broken_gadget(monkeypatch):
    circuit = xor_tree(6)
    net = compile_network(circuit)
    broken = gadgets.Gadget("xor", 2, ((1, 1), (1, 1)), (0, -1), (1, -1), 0)  # readout -1 instead of -2
    monkeypatch.setattr("expressivity.verify.compositional.gadget", lambda kind, arity: broken if kind == "xor" and arity == 2 else gadgets.gadget(kind, arity))
    result = certify(circuit, net)
    assert result.status == "rejected"
    assert "xor/2" in result.reason and "(1, 1)" in result.reason


def test_compositional_check_rejects_a_plan_that_lies():
    circuit = xor_tree(4)
    net = compile_network(circuit)
    first = net.plan[0][0]
    lying = dataclasses.replace(first, kind="and")
    plan = ((lying,) + net.plan[0][1:],) + net.plan[1:]
    assert certify(circuit, dataclasses.replace(net, plan=plan)).status == "rejected"
    assert certify(circuit, dataclasses.replace(net, plan=None)).status == "skipped"


def test_compositional_certificate_scales():
    circuit = xor_tree(1 << 14, 2)
    result = certify(circuit, compile_network(circuit))
    assert result.verified and result.method == "compositional" and result.inputs_checked == 0


def test_exhaustive_skips_above_its_limit_and_says_why():
    net = compile_network(xor_tree(12))
    result = verify_exhaustive(net, parity_reference, max_bits=10)
    assert result.status == "skipped" and "2^12" in result.reason and result.inputs_checked == 0


def test_exhaustive_runs_in_chunks(monkeypatch):
    monkeypatch.setattr("expressivity.verify.exhaustive.CHUNK_VALUES", 64 * 4)
    circuit = xor_tree(11)
    result = verify_exhaustive(compile_network(circuit), circuit)
    assert result.verified and result.inputs_checked == 2**11


def test_sign_mode_reports_the_margin_and_pm1_encoding():
    # relu(x0 - x1) + relu(x1 - x0) - 1/2 on -1/+1 inputs: 2*|x0-x1|/2 ... scaled to integers
    net = LayeredNet.from_dense([[[1, -1], [-1, 1]], [[1, 1]]], [[0, 0], [-1]])
    result = verify_exhaustive(net, parity_reference, mode="sign", encoding="pm1")
    assert result.verified and result.margin == 1
    result01 = verify_exhaustive(net, parity_reference, mode="sign", encoding="01")
    assert result01.verified is False and result01.status == "counterexample"


def test_dyadic_weights_are_verified_in_exact_integer_arithmetic():
    weights = [[[1.0, -1.0], [-1.0, 1.0]], [[1.0, 1.0]]]
    clear = LayeredNet.from_dense(weights, [[0.0, 0.0], [-1.0]])
    result = verify_exhaustive(clear, parity_reference, mode="sign", encoding="pm1")
    assert result.verified and result.margin == 1.0 and "no tolerance" in result.reason
    # a margin of 2^-50 is below float64's rounding bound, but scaled by 2^50 the network is integral
    thin = LayeredNet.from_dense(weights, [[0.0, 0.0], [-2.0 + 2.0**-50]])
    assert 0 < 2.0**-50 < thin.rounding_error_bound() * 1e6
    result = verify_exhaustive(thin, parity_reference, mode="sign", encoding="pm1")
    assert result.verified and result.margin == 2.0**-50 and "scaled by 2^" in result.reason
    wrong = LayeredNet.from_dense(weights, [[0.0, 0.0], [-2.0 - 2.0**-50]])
    assert verify_exhaustive(wrong, parity_reference, mode="sign", encoding="pm1").status == "counterexample"


def test_rounding_bound_holds_against_exact_rational_arithmetic():
    from fractions import Fraction

    rng = np.random.default_rng(7)
    weights = [rng.normal(size=(6, 5)) * 1e3, rng.normal(size=(4, 6)), rng.normal(size=(1, 4))]
    biases = [rng.normal(size=6), rng.normal(size=4) * 1e-3, rng.normal(size=1)]
    net = LayeredNet.from_dense(weights, biases)
    bound = net.rounding_error_bound()
    x = all_inputs(5) * 2 - 1
    got = net.forward(x.astype(np.float64))[:, 0]
    for row, value in zip(x, got):
        h = [Fraction(int(v)) for v in row]
        for layer, (w, b) in enumerate(zip(weights, biases)):
            h = [sum((Fraction(float(wij)) * hj for wij, hj in zip(wi, h)), Fraction(float(bi))) for wi, bi in zip(w, b)]
            if layer < 2:
                h = [max(Fraction(0), v) for v in h]
        assert abs(Fraction(float(value)) - h[0]) <= Fraction(bound)
