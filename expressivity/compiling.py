"""Circuit -> network -> verification -> counts: the compile pipeline, one function per stage.

Examples
--------
>>> from expressivity.circuits.build import xor_tree
>>> result = compile_circuit(xor_tree(16))
>>> result.network.depth, result.verification.status, result.verification.method
(4, 'verified', 'exhaustive')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np

from expressivity.circuits import arrays as circuit_arrays
from expressivity.circuits.arrays import ArrayCircuit, circuit_name, n_inputs
from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.lower import lower
from expressivity.circuits.schema import CircuitError
from expressivity.errors import InputError, check_int
from expressivity.networks.compiler import compile_network, layout
from expressivity.networks.layered import LayeredNet
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import verify_exhaustive
from expressivity.verify.record import Verification

CIRCUITS = ("xor-tree", "xor-chain", "dnf")
#: Largest n the CLI builds an XOR tree or chain for.  On arrays (:func:`parity_arrays`) the circuit, the
#: network and the certificate of the 2^22-bit tree peak at 2.3 GB (benchmarks/RESULTS.md, "Large circuits
#: in arrays"); the networkx graph of :func:`parity_circuit` took 3 GB per 2^20 bits with the network and
#: certificate before.
#: :data:`MAX_NETWORK_NEURONS` caps the tree at 2^22 bits too.
MAX_CIRCUIT_BITS = 1 << 22
VERIFY_METHODS = ("auto", "exhaustive", "compositional", "none")
#: ``verify="auto"`` runs every input up to this many bits, and certifies beyond.
AUTO_EXHAUSTIVE_BITS = 20
#: ``verify="exhaustive"`` runs at most 2^this many inputs unless told otherwise.
MAX_EXHAUSTIVE_BITS = 24
#: Largest network (hidden units) compiled from a netlist: the 2^22-bit XOR tree's 8.4 million units
#: fit in a 24 GB machine with their graph and certificate.
MAX_NETWORK_NEURONS = 1 << 23
#: Random inputs a sampled check runs at most, and how many it runs at once.
MAX_SAMPLES, SAMPLE_CHUNK = 10_000_000, 1 << 14
#: A sampled check runs the torch module on at most about this many values of one layer at once.
SAMPLE_VALUES = 1 << 24


@dataclass(frozen=True)
class Compiled:
    """What ``compile_circuit`` produced, stage by stage (``circuit`` as given: networkx or arrays)."""

    circuit: nx.DiGraph | ArrayCircuit = field(repr=False)
    circuit_summary: dict
    network: LayeredNet = field(repr=False)
    verification: Verification
    seconds: dict

    def with_verification(self, verify, *args) -> "Compiled":
        """This result with its verification stage (re)run as ``verify(circuit, network, *args)``, timed."""
        clock = _Clock()
        verification = clock.time("verify", verify, self.circuit, self.network, *args)
        return replace(self, verification=verification, seconds={**self.seconds, **clock.seconds})

    def summary(self) -> dict:
        """The facts a table or ``--json`` shows."""
        return {
            "circuit": circuit_name(self.circuit),
            **{f"circuit_{key}": value for key, value in self.circuit_summary.items()},
            "network": self.network.counts(),
            "verification": self.verification.to_dict(),
            "seconds": self.seconds,
        }


def parity_circuit(kind: str, bits: int, arity: int = 2, basis: str = "xor") -> nx.DiGraph:
    """Stage 0: the parity circuit named by the CLI (``xor-tree``, ``xor-chain`` or ``dnf``), in ``basis``.

    Raises ``MemoryError`` beyond ``MAX_CIRCUIT_BITS`` inputs (and for a DNF beyond its own limit).
    """
    if bits > MAX_CIRCUIT_BITS:
        raise MemoryError(
            f"{bits:,} bits is more than the {MAX_CIRCUIT_BITS:,} this machine's memory allows "
            f"(about 3 GB per 2^20 bits for the graph, the network and its certificate)"
        )
    if kind == "xor-tree":
        circuit = xor_tree(bits, arity)
    elif kind == "xor-chain":
        circuit = xor_chain(bits)
    elif kind == "dnf":
        circuit = parity_dnf(bits)
    else:
        raise ValueError(f"unknown circuit {kind!r}; choose from {CIRCUITS}")
    return lower(circuit, basis).circuit if basis != "xor" else circuit


def parity_arrays(kind: str, bits: int, arity: int = 2, basis: str = "xor") -> ArrayCircuit:
    """:func:`parity_circuit` as an :class:`~expressivity.circuits.arrays.ArrayCircuit`, built without networkx in basis xor.

    Raises as :func:`parity_circuit` does.  In basis ``and-or-not`` the networkx
    circuit is built, lowered and converted.

    Examples
    --------
    >>> parity_arrays("xor-tree", 2**10).size, parity_arrays("dnf", 3).name
    (2047, 'parity_dnf(n=3)')
    """
    from expressivity.circuits.arrays_build import parity_dnf_arrays, xor_chain_arrays, xor_tree_arrays

    if basis != "xor":
        return circuit_arrays.from_networkx(parity_circuit(kind, bits, arity, basis))
    if bits > MAX_CIRCUIT_BITS:
        raise MemoryError(f"{bits:,} bits is more than the {MAX_CIRCUIT_BITS:,} this machine's memory allows "
                          f"(about 0.6 GB per 2^20 bits for the circuit's arrays, the network and its certificate)")
    builders = {"xor-tree": lambda: xor_tree_arrays(bits, arity), "xor-chain": lambda: xor_chain_arrays(bits),
                "dnf": lambda: parity_dnf_arrays(bits)}
    if kind not in builders:
        raise ValueError(f"unknown circuit {kind!r}; choose from {CIRCUITS}")
    return builders[kind]()


def compile_circuit(
    circuit: nx.DiGraph | ArrayCircuit,
    verify: str = "auto",
    max_exhaustive: int = MAX_EXHAUSTIVE_BITS,
    progress: bool = False,
) -> Compiled:
    """Measure the circuit, compile it into a ReLU network, and verify the network.

    ``circuit`` is a networkx graph or an :class:`~expressivity.circuits.arrays.ArrayCircuit`;
    a graph is converted to arrays once (in the "measure" stage), and the
    compiler and the certificate run on arrays.
    """
    _check_verify_arguments(verify, max_exhaustive)  # before any work
    clock = _Clock()
    arrays = clock.time("measure", circuit_arrays.as_arrays, circuit)
    circuit_summary = clock.time("measure", circuit_arrays.summary, arrays, add=True)
    network = clock.time("compile", compile_network, arrays)
    verification = clock.time("verify", verify_network, circuit, network, verify, max_exhaustive, progress)
    return Compiled(circuit, circuit_summary, network, verification, clock.seconds)


def verify_network(
    circuit: nx.DiGraph | ArrayCircuit,
    network: LayeredNet,
    method: str = "auto",
    max_exhaustive: int = MAX_EXHAUSTIVE_BITS,
    progress: bool = False,
    time_limit: float | None = None,
) -> Verification:
    """Check ``network`` against ``circuit`` by ``method``.

    ``"auto"`` runs every input when ``n <= min(AUTO_EXHAUSTIVE_BITS,
    max_exhaustive)`` and the compositional certificate otherwise.
    ``"exhaustive"`` never runs more than ``2^max_exhaustive`` inputs: beyond,
    the record says "skipped" and why, as it does past ``time_limit`` seconds
    (estimated up front, or measured).
    """
    _check_verify_arguments(method, max_exhaustive, time_limit)
    if not isinstance(circuit, (nx.DiGraph, ArrayCircuit)):
        raise CircuitError(f"a circuit is a networkx.DiGraph or an ArrayCircuit, got {type(circuit).__name__}")
    if not isinstance(network, LayeredNet):
        raise InputError(f"network must be a LayeredNet, got {type(network).__name__}")
    n = n_inputs(circuit)
    if method == "none":
        return Verification("skipped", "none", n, reason="verification was not asked for (--verify none)")
    if method == "compositional" or (method == "auto" and n > min(AUTO_EXHAUSTIVE_BITS, max_exhaustive)):
        return certify(circuit, network)
    if isinstance(circuit, ArrayCircuit) and n <= max_exhaustive:  # the reference evaluator reads networkx graphs
        circuit = circuit.to_networkx()
    return verify_exhaustive(network, circuit, max_bits=max_exhaustive, time_limit=time_limit, progress=progress)


def _check_verify_arguments(method, max_exhaustive, time_limit=None) -> None:
    """``InputError`` (one line) for a verification that cannot be asked for."""
    if not isinstance(method, str) or method not in VERIFY_METHODS:
        raise InputError(f"verify must be one of {', '.join(VERIFY_METHODS)}, got {method!r}"[:200])
    check_int(max_exhaustive, "max_exhaustive", minimum=0)
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0):
        raise InputError(f"time_limit must be None or a positive number of seconds, got {time_limit!r}"[:200])


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, stage: str, function, *args, add: bool = False):
        started = time.perf_counter()
        result = function(*args)
        self.seconds[stage] = round(time.perf_counter() - started + (self.seconds.get(stage, 0.0) if add else 0.0), 6)
        return result


# -- netlists: the size before compiling, rewritten circuits, sampled cross-checks ----------

def network_neurons(circuit: nx.DiGraph | ArrayCircuit) -> int:
    """The hidden units :func:`compile_network` will make for ``circuit``, counted without making them.

    One unit per AND or OR gadget, k per XOR of fan-in k, and one copy per layer
    that a value must be carried through to its last reader.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_chain
    >>> network_neurons(xor_chain(6)) == compile_network(xor_chain(6)).neurons == 6 + 5 + 4 + 3 + 2  # XOR + copies
    True
    """
    return layout(circuit).neurons


def check_network_size(circuit: nx.DiGraph | ArrayCircuit) -> int:
    """The network's hidden units; ``MemoryError`` beyond :data:`MAX_NETWORK_NEURONS`, before any is built."""
    plan = layout(circuit)
    neurons = plan.neurons
    if neurons > MAX_NETWORK_NEURONS:
        raise MemoryError(
            f"the compiled network would have {neurons:,} hidden units (depth {plan.hidden:,}, "
            f"a copy unit per layer for every value read later), more than the {MAX_NETWORK_NEURONS:,} this "
            "machine's memory allows")
    return neurons


def verify_rewritten(
    rewritten: nx.DiGraph,
    network: LayeredNet,
    original: nx.DiGraph,
    claims: dict | None = None,
    method: str = "auto",
    max_exhaustive: int = MAX_EXHAUSTIVE_BITS,
    progress: bool = False,
    time_limit: float | None = None,
) -> Verification:
    """Check ``network``, compiled from ``rewritten``, against the ``original`` circuit's function.

    Every input (exhaustive) is run against ``original`` itself.  The
    compositional way proves the network equal to ``rewritten`` by the
    certificate and ``rewritten`` equal to ``original`` by
    :func:`expressivity.circuits.equivalence.prove_same_function` (``claims``: the
    XORs the rewrite recognised, re-checked there).  Both must go through for
    "verified".
    """
    from expressivity.circuits.equivalence import prove_same_function

    if method not in VERIFY_METHODS:
        raise ValueError(f"verify must be one of {VERIFY_METHODS}, got {method!r}")
    n = original.graph["n_inputs"]
    if not (method == "compositional" or (method == "auto" and n > min(AUTO_EXHAUSTIVE_BITS, max_exhaustive))):
        record = verify_network(original, network, method, max_exhaustive, progress, time_limit)
        return replace(record, reason=f"{record.reason} (against the original circuit)") if record.status != "skipped" else record
    started = time.perf_counter()
    certificate = certify(rewritten, network)
    if not certificate.verified:
        return replace(certificate, reason=f"against the rewritten circuit: {certificate.reason}")
    same, why = prove_same_function(original, rewritten, claims)
    seconds = time.perf_counter() - started
    if not same:
        return Verification("rejected", "compositional", n, reason=f"the network is the rewritten circuit ({certificate.reason}), "
                            f"but the rewritten circuit could not be proved equal to the original: {why}", seconds=seconds)
    return Verification("verified", "compositional", n, seconds=seconds,
                        reason=f"{certificate.reason}; the rewritten circuit equals the original: {why}")


@dataclass(frozen=True)
class SampledCheck:
    """Random inputs on which the exported torch module was compared with the bit-parallel evaluator: not a proof."""

    samples: int
    seed: int
    mismatches: int
    first_mismatch: tuple | None  # (input bits, expected outputs, torch outputs)
    seconds: float
    label: str = "sampled"

    @property
    def agrees(self) -> bool:
        return self.mismatches == 0

    def to_dict(self) -> dict:
        return {"label": self.label, "samples": self.samples, "seed": self.seed, "mismatches": self.mismatches,
                "first_mismatch": self.first_mismatch, "seconds": round(self.seconds, 6)}


def sampled_check(circuit: nx.DiGraph | ArrayCircuit, network: LayeredNet, samples: int, seed: int = 0,
                  sparse: bool | None = None) -> SampledCheck:
    """Run ``samples`` uniformly random inputs through ``network.to_torch()`` (float64) and the circuit's evaluator.

    A cross-check of the exported module, labelled "sampled": it can find a
    difference, never prove there is none.  ``sparse`` picks the module with
    sparse weight matrices (``to_torch(sparse=True)``); by default it is used
    where the dense one would pass ``MAX_DENSE_PARAMETERS``.  The module runs
    on as many inputs at once as keep each layer's values near
    ``SAMPLE_VALUES`` numbers.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> check = sampled_check(xor_tree(40), compile_network(xor_tree(40)), 1000)
    >>> check.label, check.samples, check.mismatches
    ('sampled', 1000, 0)
    """
    import torch

    from expressivity.circuits.evaluate import evaluate
    from expressivity.networks.layered import MAX_DENSE_PARAMETERS

    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must lie in 1..{MAX_SAMPLES:,}, got {samples}")
    started = time.perf_counter()
    if isinstance(circuit, ArrayCircuit):
        circuit = circuit.to_networkx()
    sparse = network.parameters > MAX_DENSE_PARAMETERS if sparse is None else sparse
    module, rng = network.to_torch(sparse=sparse), np.random.default_rng(seed)
    widest = max((network.n_inputs, network.n_outputs) + network.widths)
    batch = max(1, min(SAMPLE_CHUNK, SAMPLE_VALUES // widest))
    mismatches, first = 0, None
    n = circuit.graph["n_inputs"]
    for start in range(0, samples, SAMPLE_CHUNK):
        bits = rng.integers(0, 2, size=(min(SAMPLE_CHUNK, samples - start), n), dtype=np.uint8)
        expected = evaluate(circuit, bits).astype(np.float64)
        with torch.no_grad():
            got = np.concatenate([module(torch.as_tensor(bits[i:i + batch], dtype=torch.float64)).numpy()
                                  for i in range(0, len(bits), batch)])
        wrong = np.flatnonzero(np.any(got != expected, axis=1))
        mismatches += int(wrong.size)
        if wrong.size and first is None:
            row = int(wrong[0])
            first = (tuple(int(b) for b in bits[row]), tuple(int(v) for v in expected[row]), tuple(float(v) for v in got[row]))
    return SampledCheck(samples, seed, mismatches, first, time.perf_counter() - started)
