"""Shallow parity constructions and the exact sparse verifier for one-hidden-layer networks."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from expressivity.cli import main
from expressivity.counts.symbolic import formulas
from expressivity.networks.layered import LayeredNet
from expressivity.networks.shallow import minterm, odd_patterns, skip, symmetric
from expressivity.verify.exhaustive import input_bits, parity_reference, verify_exhaustive
from expressivity.verify.shallow import output_table, verify_shallow


def _truth(n):
    return parity_reference(input_bits(n, 0, 1 << n))


@pytest.mark.parametrize("n", range(1, 11))
def test_constructions_compute_parity_on_every_input(n):
    makers = [minterm, symmetric] + ([skip] if n >= 2 else [])
    for make in makers:
        net = make(n)
        assert net.forward(input_bits(n, 0, 1 << n)).tolist() == _truth(n).tolist(), make.__name__
        assert verify_exhaustive(net, parity_reference).verified
        assert verify_shallow(net, parity_reference).verified


def test_circuit_reference():
    from expressivity.circuits.build import parity_dnf

    assert verify_shallow(minterm(7), parity_dnf(7)).verified
    check = verify_shallow(symmetric(7), parity_dnf(7), mode="sign")
    assert check.status == "counterexample" and check.counterexample.bits == (0,) * 7  # output 0 is not a "no"


def test_unit_counts_are_as_documented():
    for n in range(2, 12):
        assert minterm(n).widths == (2 ** (n - 1),)
        assert symmetric(n).widths == (n,)
        assert skip(n).widths == (n - 1,) and skip(n).skip is not None


def test_each_minterm_unit_fires_on_its_pattern_only():
    n = 5
    net = minterm(n)
    bits = input_bits(n, 0, 1 << n)
    hidden = np.maximum(net.weights[0] @ bits.T + net.biases[0][:, None], 0)  # (units, inputs)
    patterns = odd_patterns(n)
    assert hidden.tolist() == (patterns[:, None] == np.arange(1 << n)[None, :]).astype(int).tolist()


def test_skip_needs_two_bits():
    with pytest.raises(ValueError, match="n >= 2"):
        skip(1)


def _random_net(rng, n, units, outputs=1, with_skip=False, magnitude=3):
    first = rng.integers(-magnitude, magnitude + 1, size=(units, n))
    first[rng.random((units, n)) < 0.3] = 0
    return LayeredNet.from_dense(
        [first, rng.integers(-magnitude, magnitude + 1, size=(outputs, units))],
        [rng.integers(-2 * magnitude, magnitude + 1, size=units), rng.integers(-2, 3, size=outputs)],
        skip=rng.integers(-2, 3, size=(outputs, n)) if with_skip else None,
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 12), st.integers(1, 3), st.booleans(), st.integers(0, 2**32 - 1))
def test_sparse_output_table_equals_running_every_input(n, units, outputs, with_skip, seed):
    net = _random_net(np.random.default_rng(seed), n, units, outputs, with_skip)
    table, _ = output_table(net.weights[0], net.biases[0], net.weights[1], net.biases[1], net.skip)
    assert table.tolist() == net.forward(input_bits(n, 0, 1 << n)).tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 8), st.sampled_from(["exact", "sign"]), st.sampled_from(["01", "pm1"]), st.integers(0, 2**32 - 1))
def test_sparse_verifier_agrees_with_exhaustive(n, mode, encoding, seed):
    rng = np.random.default_rng(seed)
    candidates = [_random_net(rng, n, int(rng.integers(1, 8)), with_skip=bool(rng.integers(2))), symmetric(n), minterm(n)]
    for net in candidates:
        a = verify_shallow(net, parity_reference, mode=mode, encoding=encoding)
        b = verify_exhaustive(net, parity_reference, mode=mode, encoding=encoding)
        assert (a.status, a.counterexample, a.margin) == (b.status, b.counterexample, b.margin)
        assert a.method == "exhaustive-sparse"


def _mutate(net: LayeredNet, rng) -> LayeredNet:
    """Change one weight, bias or output coefficient by a nonzero amount."""
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    where = rng.integers(3)
    delta = int(rng.choice([-2, -1, 1, 2]))
    if where == 0:
        weights[0].data[rng.integers(len(weights[0].data))] += delta
    elif where == 1:
        biases[0][rng.integers(len(biases[0]))] += delta
    else:
        weights[1].data[rng.integers(len(weights[1].data))] += delta
    return LayeredNet(tuple(sp.csr_array(w) for w in weights), tuple(biases), net.skip)


@pytest.mark.parametrize("make", [minterm, symmetric, skip])
def test_mutations_are_caught_with_a_true_counterexample(make):
    rng = np.random.default_rng(7)
    n = 6
    caught = 0
    for _ in range(15):
        mutant = _mutate(make(n), rng)
        sparse = verify_shallow(mutant, parity_reference)
        exhaustive = verify_exhaustive(mutant, parity_reference)
        assert sparse.status == exhaustive.status
        assert sparse.counterexample == exhaustive.counterexample
        if sparse.status == "counterexample":
            caught += 1
            example = sparse.counterexample
            got = mutant.forward(np.array([example.bits]))[0]
            assert tuple(got) == example.got and example.expected == (sum(example.bits) % 2,)
            assert example.got != example.expected
    assert caught >= 10  # a unit-size change breaks these exact networks almost always


def test_minterm_at_twenty_bits_is_built_verified_and_counted():
    n = 20
    net = minterm(n)
    assert net.widths == (524_288,)
    expected = formulas("minterm").evaluate(n)
    assert net.counts() == {key: expected[key] for key in net.counts()}
    check = verify_shallow(net, parity_reference)
    assert check.verified and check.inputs_checked == 2**n
    # Drop one unit's output weight: parity is then wrong exactly on that unit's pattern.
    readout = net.weights[1].copy()
    readout.data[1000] = 0
    broken = LayeredNet(net.weights[:1] + (readout,), net.biases)
    check = verify_shallow(broken, parity_reference)
    pattern = int(odd_patterns(n)[1000])
    assert check.status == "counterexample"
    assert check.counterexample.bits == tuple((pattern >> i) & 1 for i in range(n))
    assert check.counterexample.got == (0,)


def test_verifier_says_when_it_gives_up():
    net = symmetric(10)
    check = verify_shallow(net, parity_reference, max_entries=16)
    assert check.status == "skipped" and "limit of 16" in check.reason
    assert verify_shallow(net, parity_reference, max_bits=8).status == "skipped"
    with pytest.raises(ValueError, match="one hidden layer"):
        verify_shallow(LayeredNet.from_dense([[[1]], [[1]], [[1]]], [[0], [0], [0]]), parity_reference)
    # dyadic weights are scaled to integers; weights that no int64 scaling holds are skipped, with the reason
    halves = verify_shallow(LayeredNet.from_dense([[[0.5]], [[1.0]]], [[0.0], [-0.25]]), parity_reference, mode="sign")
    assert halves.status == "verified" and halves.margin == 0.25 and "scaled by 2^2" in halves.reason
    # beyond int64 even scaled: small networks are computed in Python integers, large ones skipped with the reason
    tiny = verify_shallow(LayeredNet.from_dense([[[1e-300]], [[1.0]]], [[0.0], [0.0]]), parity_reference)
    assert tiny.status == "counterexample" and tiny.counterexample.got == (1e-300,) and "Python-integer" in tiny.reason
    wide = LayeredNet.from_dense([np.full((8, 20), 1e-300), np.ones((1, 8))], [np.zeros(8), [0.0]])
    check = verify_shallow(wide, parity_reference)
    assert check.status == "skipped" and "int64" in check.reason and "limit of" in check.reason


# -- CLI ------------------------------------------------------------------------------

@pytest.mark.parametrize("construction", ["minterm", "symmetric", "skip"])
def test_cli_builds_verifies_and_matches_formulas(construction, tmp_path):
    from expressivity.networks.export import load_network

    out = tmp_path / "net.pt"
    result = CliRunner().invoke(main, ["shallow", "--bits", "9", "--construction", construction, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["verification"]["status"] == "verified" and payload["formulas_match"]
    loaded = load_network(out)
    bits = input_bits(9, 0, 512)
    assert loaded.forward(bits).tolist() == _truth(9).tolist()
    table = CliRunner().invoke(main, ["shallow", "--bits", "5", "--construction", construction, "--verify", "exhaustive"])
    assert table.exit_code == 0 and "verified (exhaustive)" in table.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--bits", "1", "--construction", "skip"], "n >= 2"),
        (["--bits", "3", "--construction", "zigzag"], "n >= 4"),
        (["--bits", "4", "--out", "/no/such/folder/x.pt"], "cannot write"),
        (["--bits", "99999999999999999999999"], "--bits goes up to"),
        (["--bits", "30"], "GiB"),
        (["--bits", "100000"], "2^100015 weights"),
        (["--bits", "24", "--verify", "exhaustive"], "--time-limit"),
        (["--bits", "23", "--verify", "exhaustive"], "--time-limit"),
        (["--bits", "25", "--construction", "symmetric", "--verify", "sparse"], "--max-exhaustive 24"),
        (["--bits", "8", "--verify", "none", "--time-limit", "5"], "--time-limit"),
        (["--bits", "8", "--onnx-dtype", "float32"], "--onnx-dtype"),
        (["--bits", "16", "--network-dot", "big.dot"], "--network-dot"),
        (["--bits", "8", "--max-bits", "10"], "--max-bits"),
        (["--bits", "2..4"], "one n"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(args, message):
    result = CliRunner().invoke(main, ["shallow", *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0], result.output


def test_cli_refuses_hopeless_verification_within_seconds():
    import subprocess
    import sys
    import time

    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "expressivity", "shallow", "--bits", "24", "--verify", "exhaustive"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert time.perf_counter() - started < 20  # seconds, with room for a loaded machine


def test_cli_writes_onnx_and_dot_of_the_network(tmp_path):
    import onnxruntime

    onnx_path, dot = tmp_path / "z.onnx", tmp_path / "z.dot"
    result = CliRunner().invoke(main, ["shallow", "--bits", "6", "--construction", "zigzag", "--onnx", str(onnx_path),
                                       "--onnx-dtype", "float32", "--network-dot", str(dot), "--no-progress"])
    assert result.exit_code == 0, result.output
    x = input_bits(6, 0, 64)
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    y = session.run(None, {"x": x.astype(np.float32)})[0][:, 0]
    assert np.array_equal(y > 0, x.sum(axis=1) % 2 == 1)
    text = dot.read_text()
    # every weight is an edge: 5 units reading 6 bits, and 5 readout weights
    assert text.startswith("digraph network {") and text.count(" -> ") == 5 * 6 + 5


def test_explicit_verification_that_stops_at_its_time_limit_exits_non_zero(monkeypatch):
    import expressivity.verify.exhaustive as exhaustive

    monkeypatch.setattr(exhaustive, "estimated_seconds", lambda *args: 0.0)  # the estimate lets it start
    check = verify_exhaustive(minterm(10), parity_reference, time_limit=1e-9)
    assert check.status == "skipped" and "stopped at the time limit" in check.reason
    import expressivity.cli.shallow  # noqa: F401 - registers the command

    result = CliRunner().invoke(main, ["shallow", "--bits", "10", "--verify", "exhaustive", "--time-limit", "1e-9"])
    assert result.exit_code == 1 and "skipped" in result.output


@pytest.mark.parametrize("n", range(4, 13))
def test_zigzag_classifies_parity_with_n_minus_1_units(n):
    from expressivity.networks.shallow import zigzag

    net = zigzag(n)
    assert net.widths == (n - 1,) and net.skip is None and net.is_integral
    x = np.array([[(i >> b) & 1 for b in range(n)] for i in range(1 << n)])
    out = net.forward(x)[:, 0]
    parity = x.sum(axis=1) % 2
    assert np.all((out > 0) == (parity == 1)) and np.min(np.where(parity == 1, out, -out)) == 1
    result = verify_exhaustive(net, parity_reference, mode="sign")
    assert result.verified and result.margin == 1
    assert verify_exhaustive(net, parity_reference, mode="exact").status == "counterexample"  # it is read by sign only


def test_zigzag_refuses_small_n():
    from expressivity.networks.shallow import zigzag

    with pytest.raises(ValueError, match="n >= 4"):
        zigzag(3)
