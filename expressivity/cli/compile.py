"""``expressivity compile``: build a parity circuit or read a netlist, compile it into a ReLU network, verify it."""
from __future__ import annotations

from dataclasses import dataclass, replace

import click
import networkx as nx

from expressivity.circuits.balance import MODES as BALANCE_MODES, Balanced
from expressivity.circuits.lower import BASES
from expressivity.circuits.netlists import FORMATS, MAX_NETLIST_BYTES, MAX_NETLIST_GATES
from expressivity.cli import main
from expressivity.cli.common import (
    bits_option, check_exports, check_output_paths, network_file_options, explicit, fail, json_option, parse_bits, print_json,
    progress_option, verify_limit_options, write_outputs,
)
from expressivity.cli.vocabulary import renamed_option
from expressivity.circuits.arrays import circuit_name, n_inputs
from expressivity.compiling import (
    CIRCUITS, MAX_CIRCUIT_BITS, MAX_SAMPLES, VERIFY_METHODS, check_network_size, compile_circuit, parity_arrays,
    parity_circuit, verify_network,
)
from expressivity.networks.compiler import compile_network

# Progress bars only where the wait is noticeable.
PROGRESS_FROM_BITS = 20
#: Largest --bits in basis and-or-not: that circuit is a networkx graph of five gates per XOR (not arrays), about
#: 10 KB and 0.3 ms per bit here (2^16 bits: 0.68 GB, 17 s), so 2^17 bits take about 1.4 GB.
MAX_AND_OR_NOT_BITS = 1 << 17


@main.command("compile")
@bits_option(ranges=False, required=False, extra="Or --netlist FILE.")
@click.option("--netlist", "netlist_path", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Compile a netlist instead: BENCH (.bench), AIGER (.aag ASCII, .aig binary) or BLIF (.blif), "
                   "combinational; one network output per netlist output, in order.")
@click.option("--format", "netlist_format", type=click.Choice(FORMATS), default=None,
              help="The netlist's format, where its suffix does not say.  [default: from the suffix]")
@click.option("--max-netlist-bytes", "max_netlist_bytes", type=click.IntRange(min=1), default=MAX_NETLIST_BYTES,
              show_default=True, metavar="BYTES",
              help="Largest --netlist file read; a larger one (or a device or pipe that goes on) is refused before "
                   "parsing.")
@click.option("--max-netlist-gates", "max_netlist_gates", type=click.IntRange(min=1), default=MAX_NETLIST_GATES,
              show_default=True, metavar="N",
              help="Most inputs plus gates a --netlist may declare (a BLIF cover: one per row; AIGER: I + A from the "
                   "header, checked before the gates are read).")
@click.option("--balance", "balance_mode", type=click.Choice(BALANCE_MODES), is_flag=False, flag_value="plain",
              default=None, help="Rebalance chains of AND, OR and XOR into trees first (--balance alone: plain; "
                                 "xor-aware also finds XOR/XNOR built of AND/OR/NOT); verified against the original.")
@click.option("--sample", "samples", type=click.IntRange(min=1, max=MAX_SAMPLES), default=None, metavar="K",
              help="Also run K random inputs through the exported torch module and the circuit's evaluator "
                   "(labelled 'sampled': a cross-check, not a proof).")
@click.option("--arity", type=click.IntRange(min=2), default=2, show_default=True,
              help="Fan-in of the XOR tree's gates (--circuit xor-tree only).")
@click.option("--circuit", "kind", type=click.Choice(CIRCUITS), default="xor-tree", show_default=True,
              help="xor-tree: depth ceil(log_k n); xor-chain: depth n - 1; dnf: the 2^(n-1) minterms, depth 2.")
@click.option("--basis", type=click.Choice(BASES), default="xor", show_default=True,
              help=f"Rewrite the circuit into this basis first (and-or-not: five gates per XOR, --bits up to "
                   f"{MAX_AND_OR_NOT_BITS}).")
@click.option("--verify", "method", type=click.Choice(VERIFY_METHODS), default="auto", show_default=True,
              help="auto: every input up to 2^20 (and --max-exhaustive), a compositional certificate beyond.")
@verify_limit_options
@network_file_options
@click.option("--circuit-dot", "circuit_dot", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the circuit as Graphviz DOT.")
@renamed_option("--dot", "--circuit-dot", "circuit_dot")
@json_option()
@progress_option()
@click.pass_context
def compile_command(ctx, bits, netlist_path, netlist_format, max_netlist_bytes, max_netlist_gates, balance_mode, samples, arity, kind, basis, method,
                    max_exhaustive, time_limit, out, onnx_path, onnx_dtype, network_dot, circuit_dot, as_json, progress):
    """Compile an n-bit parity circuit, or a netlist, into an exact ReLU network and verify it.

    The network has one hidden layer per level of the circuit: ceil(log2 n)
    for the XOR tree.
    """
    _check_sources(ctx, bits, netlist_path, kind)
    if onnx_dtype != "float64" and not onnx_path:
        fail("--onnx-dtype applies to --onnx only")
    if method in ("none", "compositional") and (explicit(ctx, "max_exhaustive") or explicit(ctx, "time_limit")):
        fail(f"--max-exhaustive and --time-limit limit an exhaustive check; --verify {method} runs none")
    if bits is not None:
        bits = parse_bits(bits, ranges=False, maximum=MAX_CIRCUIT_BITS,
                          why="about 0.6 GB of memory per 2^20 bits for the circuit, the network and its certificate, "
                              "and at most 2^23 hidden units")
        _refuse_beyond_max_exhaustive(method, bits, max_exhaustive)
        _refuse_too_large_parity(ctx, kind, bits, arity, basis)
    check_output_paths(out=out, onnx=onnx_path, network_dot=network_dot, circuit_dot=circuit_dot)
    if netlist_path is None:
        try:  # as arrays: the compiler and the certificate run on them without a networkx graph
            circuit = parity_arrays(kind, bits, arity, basis)
            check_network_size(circuit)
        except (MemoryError, ValueError) as error:
            fail(str(error))
        netlist = None
    else:
        netlist = _read_netlist(netlist_path, netlist_format, balance_mode, max_netlist_bytes, max_netlist_gates)
        circuit = netlist.compiled_circuit
        _refuse_beyond_max_exhaustive(method, circuit.graph["n_inputs"], max_exhaustive)
        if netlist.balanced is not None:  # the network as read, for its size before rebalancing
            netlist = replace(netlist, network_before=_network_before(netlist.circuit))
    result = compile_circuit(circuit, "none")
    check_exports(result.network, onnx=onnx_path, onnx_dtype=onnx_dtype, network_dot=network_dot)
    if samples is not None:
        _refuse_unsampleable(result.network)
    if method == "exhaustive":
        _refuse_slow_exhaustive(result.network, time_limit)
    show = progress and n_inputs(circuit) >= PROGRESS_FROM_BITS and not as_json
    if netlist is not None and netlist.balanced is not None:
        from expressivity.compiling import verify_rewritten

        result = result.with_verification(verify_rewritten, netlist.circuit, netlist.balanced.claims, method,
                                          max_exhaustive, show, time_limit)
    else:
        result = result.with_verification(verify_network, method, max_exhaustive, show, time_limit)
    sampled = None
    if samples is not None:
        from expressivity.compiling import sampled_check

        sampled = sampled_check(netlist.circuit, result.network, samples)
    if circuit_dot and netlist is None:  # the DOT drawing is of the networkx circuit, built as before
        circuit = parity_circuit(kind, bits, arity, basis)
    written = write_outputs(result.network, out=out, onnx=onnx_path, onnx_dtype=onnx_dtype, network_dot=network_dot,
                            circuit_dot=circuit_dot, circuit=circuit)
    summary = result.summary() | {"files": written}
    if netlist is not None:
        summary |= netlist.summary(result.network, sampled)
    if as_json:
        print_json(summary)
    else:
        click.echo(_table(result, written, netlist.rows(result.network, sampled) if netlist is not None else []))
    requested_but_skipped = method in ("exhaustive", "compositional") and result.verification.status == "skipped"
    if result.verification.status in ("counterexample", "rejected") or requested_but_skipped:
        raise SystemExit(1)
    if sampled is not None and not sampled.agrees:
        raise SystemExit(1)


def _check_sources(ctx, bits, netlist_path, kind) -> None:
    """One circuit source, and only the options that apply to it."""
    if (bits is None) == (netlist_path is None):
        fail("give either --bits N (a parity circuit) or --netlist FILE" if bits is None
             else "--bits and --netlist are two different circuits; give one")
    if netlist_path is None:
        names = {"netlist_format": "--format", "max_netlist_bytes": "--max-netlist-bytes",
                 "max_netlist_gates": "--max-netlist-gates", "balance_mode": "--balance", "samples": "--sample"}
        for option, name in names.items():
            if explicit(ctx, option):
                fail(f"{name} applies to --netlist FILE only")
        if kind != "xor-tree" and explicit(ctx, "arity"):
            fail(f"--arity applies to --circuit xor-tree only (the {kind} has its own shape)")
        return
    for option in ("arity", "kind", "basis"):
        if explicit(ctx, option):
            name = "--circuit" if option == "kind" else f"--{option}"
            fail(f"{name} shapes the generated parity circuits (--bits); a --netlist brings its own circuit")


def _refuse_too_large_parity(ctx, kind: str, bits: int, arity: int, basis: str) -> None:
    """Refuse, before building it, a parity circuit whose basis, arity or network is too large."""
    if kind == "xor-tree" and explicit(ctx, "arity") and arity > bits:
        fail(f"--arity {_short(arity)} is more than --bits {bits}: a gate reads at most the {bits} inputs "
             f"(--arity {bits} makes one gate)")
    if basis == "and-or-not" and bits > MAX_AND_OR_NOT_BITS:
        fail(f"--bits goes up to {MAX_AND_OR_NOT_BITS:,} with --basis and-or-not (about 10 GB of memory per 2^20 bits: "
             f"five networkx gates per XOR), got {_short(bits)}; --basis xor goes up to {MAX_CIRCUIT_BITS:,}")
    if basis != "xor":
        # lowering only adds units (each XOR becomes AND/OR/NOT levels): the xor network, as arrays, bounds it
        try:
            in_xor = parity_arrays(kind, bits, arity, "xor")
        except (MemoryError, ValueError) as error:
            fail(str(error))
        try:
            check_network_size(in_xor)
        except MemoryError as error:
            fail(f"--basis {basis}: already in basis xor, {error}")


def _short(value: int) -> str:
    """A possibly huge integer, short enough for a one-line error."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:6]}...({len(text)} digits)"


def _refuse_beyond_max_exhaustive(method: str, n: int, max_exhaustive: int) -> None:
    if method == "exhaustive" and n > max_exhaustive:
        fail(f"--verify exhaustive checks all 2^{n} inputs, beyond --max-exhaustive {max_exhaustive} "
             "(raise it, or use --verify compositional, which proves any n)")


def _refuse_unsampleable(net) -> None:
    from expressivity.networks.layered import MAX_DENSE_PARAMETERS

    if net.parameters > MAX_DENSE_PARAMETERS:
        fail(f"--sample runs the exported torch module, which would hold {net.parameters:,} dense parameters, "
             f"over the limit of {MAX_DENSE_PARAMETERS:,}")


def _refuse_slow_exhaustive(net, time_limit: float) -> None:
    from expressivity.verify.exhaustive import estimated_seconds, format_duration

    estimate = estimated_seconds(net.n_inputs, net.parameters, net.nonzero_weights, net.neurons)
    if estimate > time_limit:
        fail(f"--verify exhaustive would take about {format_duration(estimate)} (2^{net.n_inputs} inputs), "
             f"over --time-limit {time_limit:g} s; use --verify compositional")


#: Hidden layers beyond which the table shortens the list of widths.
WIDTHS_SHOWN = 24


def _table(result, written: dict, netlist_rows: list) -> str:
    circuit, net, check = result.circuit_summary, result.network, result.verification
    gates = ", ".join(f"{gate} {count}" for gate, count in circuit["gates"].items()) or "none"
    widths = ", ".join(str(w) for w in net.widths) or "none (the output reads the inputs)"
    if len(net.widths) > WIDTHS_SHOWN:
        shown = ", ".join(str(w) for w in net.widths[:8])
        widths = f"{shown}, ... , {net.widths[-1]} ({len(net.widths)} layers, widest {max(net.widths):,})"
    netlist_rows = list(netlist_rows)
    sampled_rows = [row for row in netlist_rows if row[0].startswith("sampled")]
    rows = [
        ("circuit", circuit_name(result.circuit)),
        *[row for row in netlist_rows if not row[0].startswith("sampled")],
        ("circuit depth", circuit["depth"]),
        ("circuit size", f"{circuit['size']} gates ({gates}), fan-in {circuit['fan_in']}"),
        ("network depth", f"{net.depth} hidden layers"),
        ("widths", widths),
        ("neurons", f"{net.neurons:,}"),
        ("parameters", f"{net.parameters:,} (dense, as torch counts them)"),
        ("nonzero weights", f"{net.nonzero_weights:,}"),
        ("verification", f"{check.status} ({check.method}): {check.reason}"),
    ]
    if check.counterexample is not None:
        example = check.counterexample
        rows.append(("counterexample", f"x = {''.join(map(str, example.bits))}: expected {example.expected}, got {example.got}"))
    rows += sampled_rows
    seconds = result.seconds
    rows.append(("time", ", ".join(f"{stage} {value:.3f} s" for stage, value in seconds.items())))
    rows += [(f"wrote {kind}", path) for kind, path in written.items()]
    label_width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(label_width)}  {value}" for label, value in rows)


# -- netlists --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Netlist:
    """A netlist read for compiling: the circuit as read and, with --balance, the rebalanced one and the size before."""

    path: str
    circuit: nx.DiGraph
    balanced: Balanced | None
    network_before: dict | None

    @property
    def compiled_circuit(self) -> nx.DiGraph:
        return self.circuit if self.balanced is None else self.balanced.circuit

    def summary(self, network, sampled) -> dict:
        graph = self.circuit.graph
        facts = {"netlist": {
            "path": self.path, "format": graph["format"], "inputs": graph["n_inputs"], "outputs": len(graph["outputs"]),
            "input_names": list(graph["input_names"]), "output_names": list(graph["output_names"]),
            "gates": graph["netlist_gates"],
        }}
        if self.balanced is not None:
            facts["balance"] = self.balanced.summary() | {"network_before": self.network_before,
                                                          "network_after": network.counts()}
        if sampled is not None:
            facts["sampled"] = sampled.to_dict()
        return facts

    def rows(self, network, sampled) -> list:
        graph = self.circuit.graph
        names = list(graph["output_names"])
        shown = ", ".join(names[:8]) + (f", ... ({len(names) - 8} more)" if len(names) > 8 else "")
        gates = ", ".join(f"{gate} {count}" for gate, count in graph["netlist_gates"].items()) or "none"
        rows = [("netlist", f"{graph['format']}: {graph['n_inputs']} inputs, {len(names)} outputs ({shown})"),
                ("netlist gates", gates)]
        if self.balanced is not None:
            before, after, balanced = self.network_before, network.counts(), self.balanced
            rows.append((f"balance ({balanced.mode})",
                         f"circuit depth {balanced.depth_before} -> {balanced.depth_after}, network depth "
                         f"{before['hidden_layers']} -> {after['hidden_layers']}, neurons {before['neurons']:,} -> "
                         f"{after['neurons']:,}, parameters {_count(before['parameters'])} -> {after['parameters']:,}, "
                         f"nonzero weights {_count(before['nonzero_weights'])} -> {after['nonzero_weights']:,} "
                         f"({balanced.chains} chains rebalanced, {len(balanced.claims)} XORs recognised)"))
        if sampled is not None:
            outcome = (f"the torch module equals the bit-parallel evaluator on all {sampled.samples:,}" if sampled.agrees
                       else f"{sampled.mismatches:,} of {sampled.samples:,} differ; first x = "
                            f"{''.join(map(str, sampled.first_mismatch[0]))}: expected {sampled.first_mismatch[1]}, "
                            f"got {sampled.first_mismatch[2]}")
            rows.append(("sampled (not a proof)", f"{sampled.samples:,} random inputs (seed {sampled.seed}): {outcome}, "
                         f"{sampled.seconds:.3f} s"))
        return rows


#: The option that raises each limit of :func:`~expressivity.circuits.netlists.read_netlist`.
LIMIT_OPTIONS = {"max_bytes": "--max-netlist-bytes", "max_gates": "--max-netlist-gates"}


def _read_netlist(path: str, format: str | None, balance_mode: str | None, max_bytes: int, max_gates: int) -> _Netlist:
    """Read (and rebalance) the netlist, refusing a malformed file or a network too large, before compiling."""
    from expressivity.circuits.balance import balance
    from expressivity.circuits.netlists import NetlistError, NetlistLimitError, read_netlist
    from expressivity.compiling import check_network_size

    try:
        circuit = read_netlist(path, format, max_bytes=max_bytes, max_gates=max_gates)
    except NetlistLimitError as error:
        fail(f"{error} (raise {LIMIT_OPTIONS[error.limit]} to read it)")
    except (NetlistError, OSError) as error:
        fail(str(error) if not isinstance(error, OSError) else f"--netlist: cannot read {path}: {error.strerror or error}")
    try:
        balanced = None if balance_mode is None else balance(circuit, balance_mode)
        check_network_size(circuit if balanced is None else balanced.circuit)
    except (NetlistError, MemoryError) as error:
        fail(str(error))
    return _Netlist(str(path), circuit, balanced, None)


def _network_before(circuit: nx.DiGraph) -> dict:
    """The counts of the network compiled from the netlist as read; only depth and units where it is too large to build."""
    from expressivity.circuits.metrics import depth
    from expressivity.compiling import MAX_NETWORK_NEURONS, network_neurons

    neurons = network_neurons(circuit)
    if neurons <= MAX_NETWORK_NEURONS:
        return compile_network(circuit).counts()
    return {"hidden_layers": depth(circuit), "widths": None, "neurons": neurons, "parameters": None,
            "nonzero_weights": None}


def _count(value) -> str:
    return "(too large to build)" if value is None else f"{value:,}"
