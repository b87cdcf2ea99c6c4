"""Shared test helpers: a naive per-input circuit evaluator and a hypothesis strategy for circuits."""
from __future__ import annotations

import contextlib
import itertools
import socket
import threading

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import settings, strategies as st

from expressivity.circuits.schema import add_gate, input_node, new_circuit, set_outputs

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("ci")

# The search engine's chunks are cache-sized, so a second OpenMP thread buys little; on a 2-core
# machine shared with other work it oversubscribes the cores (the search tests took 297 s with two
# threads against 21 s with one, measured while another search ran).  One thread keeps the
# suite's time predictable; the engine's bit-for-bit guarantee is tested under it.
torch.set_num_threads(1)


def naive_value(circuit: nx.DiGraph, bits) -> tuple[int, ...]:
    """Evaluate one input by plain recursion over the graph (independent of the bit-parallel evaluator)."""
    memo: dict = {}

    def value(node):
        if node in memo:
            return memo[node]
        data = circuit.nodes[node]
        gate = data["gate"]
        if gate == "input":
            result = int(bits[data["index"]])
        elif gate == "const":
            result = data["value"]
        else:
            args = [value(operand) for operand in data["operands"]]
            if gate == "not":
                result = 1 - args[0]
            elif gate == "and":
                result = int(all(args))
            elif gate == "or":
                result = int(any(args))
            else:
                result = sum(args) % 2
        memo[node] = result
        return result

    return tuple(value(output) for output in circuit.graph["outputs"])


def naive_table(circuit: nx.DiGraph) -> np.ndarray:
    """All 2^n rows in index order (bit i of the index is x_i), by :func:`naive_value`."""
    n = circuit.graph["n_inputs"]
    rows = []
    for index in range(1 << n):
        rows.append(naive_value(circuit, [(index >> i) & 1 for i in range(n)]))
    return np.array(rows, dtype=np.int64)


def all_inputs(n: int) -> np.ndarray:
    return np.array([[(index >> i) & 1 for i in range(n)] for index in range(1 << n)], dtype=np.int64)


@st.composite
def circuits(draw, max_inputs: int = 6, max_gates: int = 14, max_fan_in: int = 4):
    """Random circuits of every gate kind, fan-in 1..max_fan_in, one or two outputs."""
    n = draw(st.integers(1, max_inputs))
    circuit = new_circuit(n, name="hypothesis")
    nodes = [input_node(i) for i in range(n)]
    if draw(st.booleans()):
        nodes.append(add_gate(circuit, ("const", 0), "const", value=0))
        nodes.append(add_gate(circuit, ("const", 1), "const", value=1))
    for g in range(draw(st.integers(1, max_gates))):
        gate = draw(st.sampled_from(("not", "and", "or", "xor")))
        k = 1 if gate == "not" else draw(st.integers(1, max_fan_in))
        operands = draw(st.lists(st.sampled_from(nodes), min_size=k, max_size=k))
        nodes.append(add_gate(circuit, ("g", g), gate, operands))
    outputs = [nodes[-1]] + ([draw(st.sampled_from(nodes))] if draw(st.booleans()) else [])
    return set_outputs(circuit, *outputs)


def ceil_log(n: int, base: int) -> int:
    """Smallest d with base^d >= n, by integer arithmetic."""
    depth, reach = 0, 1
    while reach < n:
        reach *= base
        depth += 1
    return depth


__all__ = ["naive_value", "naive_table", "all_inputs", "circuits", "ceil_log", "itertools", "forbid", "one_line_error"]


def forbid(monkeypatch, module, name: str, why: str = "--resume should not solve again") -> None:
    """Make ``module.name`` fail the test if it is called (a resumed run must reuse its records)."""
    def called(*args, **kwargs):
        raise AssertionError(why)

    monkeypatch.setattr(module, name, called)


def one_line_error(result) -> str:
    """The one line a refused command printed (exit 2, no traceback), for the test to inspect."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    return lines[0]


@contextlib.contextmanager
def listening(reply: bytes):
    """The port of a TCP server on 127.0.0.1 that accepts every connection and sends ``reply`` (nothing if empty)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # a blocking accept() would not notice the end of the test
    accepted, done = [], threading.Event()

    def serve():
        while not done.is_set():
            try:
                connection, _ = server.accept()
            except OSError:  # nobody yet
                continue
            accepted.append(connection)
            if reply:
                connection.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=10)
        server.close()
        for connection in accepted:
            connection.close()


def support_hulls(support, dims: int) -> dict:
    """Per output position of a boolean (output grid, input grid) relation: per axis the (first, last) input
    position it reads, or None when it reads nothing (the receptive-field tests' ground truth)."""
    out = {}
    for position in itertools.product(*(range(n) for n in support.shape[:dims])):
        reads = support[position]
        hull = []
        for axis in range(dims):
            others = tuple(a for a in range(dims) if a != axis)
            hits = torch.nonzero(reads.any(dim=others) if others else reads).ravel().tolist()
            hull.append((hits[0], hits[-1]) if hits else None)
        out[position] = tuple(hull) if all(h is not None for h in hull) else None
    return out


# -- one local Ray instance for the two backend modules ----------------------------------------------

#: The Ray backend of the session, while it is up, and the last selected test that uses it.
_RAY: dict = {}


@pytest.fixture(scope="session")
def ray_backend():
    """One local Ray instance with two CPUs for every test that asks (test_backend_commands.py, test_backends.py).

    Starting one costs several seconds, so the two modules share it; it is shut down after the last
    test that uses it (``pytest_runtest_teardown`` below), not left idle through the rest of the suite.
    """
    pytest.importorskip("ray", reason='Ray is not installed (pip install "expressivity[ray]")')
    from expressivity.backends import make_backend

    backend = _RAY["backend"] = make_backend("ray", workers=2)
    yield backend
    backend.close()


def pytest_collection_finish(session):
    users = [item for item in session.items if "ray_backend" in getattr(item, "fixturenames", ())]
    _RAY["last"] = users[-1].nodeid if users else None


def pytest_runtest_teardown(item, nextitem):
    if item.nodeid == _RAY.get("last") and "backend" in _RAY:
        _RAY.pop("backend").close()
