"""``expressivity compile``: build a parity circuit, compile it into a ReLU network, verify it."""
from __future__ import annotations

import click

from expressivity.circuits.lower import BASES
from expressivity.cli import main
from expressivity.cli.common import fail, print_json
from expressivity.compiling import CIRCUITS, MAX_EXHAUSTIVE_BITS, VERIFY_METHODS, compile_circuit, parity_circuit
from expressivity.results.atomic import check_writable

# Progress bars only where the wait is noticeable.
PROGRESS_FROM_BITS = 20


@main.command("compile")
@click.option("--bits", type=click.IntRange(min=1), required=True, help="Number of input bits n.")
@click.option("--arity", type=click.IntRange(min=2), default=2, show_default=True, help="Fan-in of the XOR tree's gates.")
@click.option("--circuit", "kind", type=click.Choice(CIRCUITS), default="xor-tree", show_default=True)
@click.option("--basis", type=click.Choice(BASES), default="xor", show_default=True, help="Rewrite the circuit into this basis first.")
@click.option("--verify", "method", type=click.Choice(VERIFY_METHODS), default="auto", show_default=True,
              help="auto: every input up to 2^20, a compositional certificate beyond.")
@click.option("--max-exhaustive", type=click.IntRange(min=1, max=40), default=MAX_EXHAUSTIVE_BITS, show_default=True,
              help="Never run more than 2^this many inputs; beyond, exhaustive verification says 'skipped'.")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the network (torch.save of sparse tensors).")
@click.option("--onnx", "onnx_path", type=click.Path(dir_okay=False), help="Export the network as ONNX.")
@click.option("--dot", "dot_path", type=click.Path(dir_okay=False), help="Write the circuit as Graphviz DOT.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def compile_command(bits, arity, kind, basis, method, max_exhaustive, out, onnx_path, dot_path, as_json):
    """Compile an n-bit parity circuit into an exact ReLU network and verify it.

    The network has one hidden layer per level of the circuit: ceil(log2 n)
    for the XOR tree.
    """
    for path in (out, onnx_path, dot_path):
        if path:
            try:
                check_writable(path)
            except OSError as error:
                fail(f"cannot write {path}: {error}")
    try:
        circuit = parity_circuit(kind, bits, arity, basis)
    except MemoryError as error:
        fail(str(error))
    result = compile_circuit(circuit, method, max_exhaustive, progress=bits >= PROGRESS_FROM_BITS and not as_json)
    written = _write_files(result, out, onnx_path, dot_path)
    summary = result.summary() | {"files": written}
    if as_json:
        print_json(summary)
    else:
        click.echo(_table(result, written))
    if result.verification.status in ("counterexample", "rejected"):
        raise SystemExit(1)


def _write_files(result, out, onnx_path, dot_path) -> dict:
    from expressivity.circuits.dot import write_dot
    from expressivity.networks.export import export_onnx, save_network

    written = {}
    try:
        if out:
            save_network(result.network, out)
            written["out"] = out
        if onnx_path:
            export_onnx(result.network, onnx_path)
            written["onnx"] = onnx_path
        if dot_path:
            write_dot(result.circuit, dot_path)
            written["dot"] = dot_path
    except (OSError, ValueError) as error:
        fail(str(error))
    return written


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
