"""Circuit -> network -> verification -> counts: the compile pipeline, one function per stage.

>>> from expressivity.circuits.build import xor_tree
>>> result = compile_circuit(xor_tree(16))
>>> result.network.depth, result.verification.status, result.verification.method
(4, 'verified', 'exhaustive')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import networkx as nx

from expressivity.circuits import metrics
from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.lower import lower
from expressivity.networks.compiler import compile_network
from expressivity.networks.layered import LayeredNet
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import verify_exhaustive
from expressivity.verify.record import Verification

CIRCUITS = ("xor-tree", "xor-chain", "dnf")
#: Largest n the CLI builds an XOR tree or chain for: at n = 2^20 the graph, the network and the
#: certificate took 3 GB, so 2^22 stays inside a 24 GB machine.
MAX_CIRCUIT_BITS = 1 << 22
VERIFY_METHODS = ("auto", "exhaustive", "compositional", "none")
#: ``verify="auto"`` runs every input up to this many bits, and certifies beyond.
AUTO_EXHAUSTIVE_BITS = 20
#: ``verify="exhaustive"`` runs at most 2^this many inputs unless told otherwise.
MAX_EXHAUSTIVE_BITS = 24


@dataclass(frozen=True)
class Compiled:
    """What ``compile_circuit`` produced, stage by stage."""

    circuit: nx.DiGraph = field(repr=False)
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
            "circuit": self.circuit.graph.get("name", ""),
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


def compile_circuit(
    circuit: nx.DiGraph,
    verify: str = "auto",
    max_exhaustive: int = MAX_EXHAUSTIVE_BITS,
    progress: bool = False,
) -> Compiled:
    """Measure the circuit, compile it into a ReLU network, and verify the network."""
    clock = _Clock()
    circuit_summary = clock.time("measure", metrics.summary, circuit)
    network = clock.time("compile", compile_network, circuit)
    verification = clock.time("verify", verify_network, circuit, network, verify, max_exhaustive, progress)
    return Compiled(circuit, circuit_summary, network, verification, clock.seconds)


def verify_network(
    circuit: nx.DiGraph,
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
    if method not in VERIFY_METHODS:
        raise ValueError(f"verify must be one of {VERIFY_METHODS}, got {method!r}")
    n = circuit.graph["n_inputs"]
    if method == "none":
        return Verification("skipped", "none", n, reason="verification was not asked for (--verify none)")
    if method == "compositional" or (method == "auto" and n > min(AUTO_EXHAUSTIVE_BITS, max_exhaustive)):
        return certify(circuit, network)
    return verify_exhaustive(network, circuit, max_bits=max_exhaustive, time_limit=time_limit, progress=progress)


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, stage: str, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.seconds[stage] = round(time.perf_counter() - started, 6)
        return result
