"""``expressivity compile``: build a parity circuit, compile it into a ReLU network, verify it."""
from __future__ import annotations

import click

from expressivity.circuits.lower import BASES
from expressivity.cli import main
from expressivity.cli.common import (
    bits_option, check_exports, check_output_paths, network_file_options, explicit, fail, json_option, parse_bits, print_json,
    progress_option, verify_limit_options, write_outputs,
)
from expressivity.compiling import CIRCUITS, MAX_CIRCUIT_BITS, VERIFY_METHODS, compile_circuit, parity_circuit, verify_network

# Progress bars only where the wait is noticeable.
PROGRESS_FROM_BITS = 20


@main.command("compile")
@bits_option(ranges=False)
@click.option("--arity", type=click.IntRange(min=2), default=2, show_default=True,
              help="Fan-in of the XOR tree's gates (--circuit xor-tree only).")
@click.option("--circuit", "kind", type=click.Choice(CIRCUITS), default="xor-tree", show_default=True,
              help="xor-tree: depth ceil(log_k n); xor-chain: depth n - 1; dnf: the 2^(n-1) minterms, depth 2.")
@click.option("--basis", type=click.Choice(BASES), default="xor", show_default=True, help="Rewrite the circuit into this basis first.")
@click.option("--verify", "method", type=click.Choice(VERIFY_METHODS), default="auto", show_default=True,
              help="auto: every input up to 2^20 (and --max-exhaustive), a compositional certificate beyond.")
@verify_limit_options
@network_file_options
@click.option("--dot", "dot_path", type=click.Path(dir_okay=False), metavar="FILE", help="Write the circuit as Graphviz DOT.")
@json_option()
@progress_option()
@click.pass_context
def compile_command(ctx, bits, arity, kind, basis, method, max_exhaustive, time_limit, out, onnx_path, onnx_dtype,
                    dot_path, as_json, progress):
    """Compile an n-bit parity circuit into an exact ReLU network and verify it.

    The network has one hidden layer per level of the circuit: ceil(log2 n)
    for the XOR tree.
    """
    bits = parse_bits(bits, ranges=False, maximum=MAX_CIRCUIT_BITS,
                      why="about 3 GB of memory per 2^20 bits for the graph, the network and its certificate")
    if kind != "xor-tree" and explicit(ctx, "arity"):
        fail(f"--arity applies to --circuit xor-tree only (the {kind} has its own shape)")
    if onnx_dtype != "float64" and not onnx_path:
        fail("--onnx-dtype applies to --onnx only")
    if method in ("none", "compositional") and (explicit(ctx, "max_exhaustive") or explicit(ctx, "time_limit")):
        fail(f"--max-exhaustive and --time-limit limit an exhaustive check; --verify {method} runs none")
    if method == "exhaustive" and bits > max_exhaustive:
        fail(f"--verify exhaustive checks all 2^{bits} inputs, beyond --max-exhaustive {max_exhaustive} "
             "(raise it, or use --verify compositional, which proves any n)")
    check_output_paths(out=out, onnx=onnx_path, dot=dot_path)
    try:
        circuit = parity_circuit(kind, bits, arity, basis)
    except (MemoryError, ValueError) as error:
        fail(str(error))
    result = compile_circuit(circuit, "none")
    check_exports(result.network, onnx=onnx_path, onnx_dtype=onnx_dtype, dot=dot_path, circuit=circuit)
    if method == "exhaustive":
        _refuse_slow_exhaustive(result.network, time_limit)
    show = progress and bits >= PROGRESS_FROM_BITS and not as_json
    result = result.with_verification(
        verify_network, method, max_exhaustive, show, time_limit)
    written = write_outputs(result.network, out=out, onnx=onnx_path, onnx_dtype=onnx_dtype, dot=dot_path, circuit=circuit)
    summary = result.summary() | {"files": written}
    if as_json:
        print_json(summary)
    else:
        click.echo(_table(result, written))
    requested_but_skipped = method in ("exhaustive", "compositional") and result.verification.status == "skipped"
    if result.verification.status in ("counterexample", "rejected") or requested_but_skipped:
        raise SystemExit(1)


def _refuse_slow_exhaustive(net, time_limit: float) -> None:
    from expressivity.verify.exhaustive import estimated_seconds, format_duration

    estimate = estimated_seconds(net.n_inputs, net.parameters, net.nonzero_weights, net.neurons)
    if estimate > time_limit:
        fail(f"--verify exhaustive would take about {format_duration(estimate)} (2^{net.n_inputs} inputs), "
             f"over --time-limit {time_limit:g} s; use --verify compositional")


def _table(result, written: dict) -> str:
    circuit, net, check = result.circuit_summary, result.network, result.verification
    gates = ", ".join(f"{gate} {count}" for gate, count in circuit["gates"].items()) or "none"
    widths = ", ".join(str(w) for w in net.widths) or "none (the output reads the inputs)"
    rows = [
        ("circuit", result.circuit.graph.get("name", "")),
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
    seconds = result.seconds
    rows.append(("time", ", ".join(f"{stage} {value:.3f} s" for stage, value in seconds.items())))
    rows += [(f"wrote {kind}", path) for kind, path in written.items()]
    label_width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(label_width)}  {value}" for label, value in rows)
