"""``expressivity shallow``: build a one-hidden-layer parity network, check its counts and verify it."""
from __future__ import annotations

import time

import click

from expressivity.cli import main
from expressivity.cli.common import fail, print_json
from expressivity.networks.shallow import CONSTRUCTIONS, OUTPUT_MODES
from expressivity.results.atomic import check_writable

VERIFY_METHODS = ("auto", "sparse", "exhaustive", "none")
PROGRESS_FROM_BITS = 18


@main.command("shallow")
@click.option("--bits", type=click.IntRange(min=1), required=True, help="Number of input bits n.")
@click.option("--construction", type=click.Choice(CONSTRUCTIONS), default="minterm", show_default=True,
              help="minterm: 2^(n-1) units; symmetric: n units on sum(x); skip: n-1 units and a direct link; "
                   "zigzag: n-1 units, output read by its sign (n >= 4).")
@click.option("--verify", "method", type=click.Choice(VERIFY_METHODS), default="auto", show_default=True,
              help="sparse: exact branch and bound over the hypercube (scales to minterm at n = 20); "
                   "exhaustive: run every input; auto: sparse, then exhaustive if sparse gives up.")
@click.option("--max-bits", type=click.IntRange(min=1, max=30), default=24, show_default=True,
              help="Never verify beyond 2^this many inputs; beyond, the verification says 'skipped'.")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the network (torch.save of sparse tensors).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def shallow_command(bits, construction, method, max_bits, out, as_json):
    """Build a one-hidden-layer ReLU network for n-bit parity and verify it on every input.

    Its sizes are checked against the closed forms of `expressivity count`.
    """
    from expressivity.counts.symbolic import formulas
    from expressivity.networks.shallow import build

    if out:
        try:
            check_writable(out)
        except OSError as error:
            fail(f"cannot write {out}: {error}")
    started = time.perf_counter()
    try:
        net = build(construction, bits)
    except (ValueError, MemoryError) as error:
        fail(str(error))
    built = time.perf_counter() - started
    expected = formulas(construction).evaluate(bits)
    counts = net.counts()
    mismatched = [key for key in counts if counts[key] != expected[key]]
    mode = OUTPUT_MODES[construction]
    check = _verify(net, method, max_bits, mode, progress=bits >= PROGRESS_FROM_BITS and not as_json)
    if out:
        from expressivity.networks.export import save_network

        try:
            save_network(net, out)
        except (OSError, ValueError) as error:
            fail(f"cannot write {out}: {error}")
    summary = {
        "construction": construction,
        "bits": bits,
        "output": "equals parity" if mode == "exact" else "positive exactly on odd inputs",
        "network": counts,
        "formulas_match": not mismatched,
        "formula_values": {key: expected[key] for key in counts},
        "verification": check.to_dict(),
        "seconds": {"build": built, "verify": check.seconds},
        "files": {"out": out} if out else {},
    }
    if as_json:
        print_json(summary)
    else:
        click.echo(_table(net, summary, check, mismatched))
    if check.status == "counterexample" or mismatched:
        raise SystemExit(1)


def _verify(net, method, max_bits, mode, progress):
    from expressivity.verify.exhaustive import parity_reference, verify_exhaustive
    from expressivity.verify.record import Verification
    from expressivity.verify.shallow import verify_shallow

    if method == "none":
        return Verification("skipped", "none", net.n_inputs, reason="--verify none")
    if method == "exhaustive":
        return verify_exhaustive(net, parity_reference, mode=mode, max_bits=max_bits, progress=progress)
    check = verify_shallow(net, parity_reference, mode=mode, max_bits=max_bits, progress=progress)
    if method == "auto" and check.status == "skipped" and net.n_inputs <= max_bits:
        return verify_exhaustive(net, parity_reference, mode=mode, max_bits=max_bits, progress=progress)
    return check


def _table(net, summary, check, mismatched) -> str:
    rows = [
        ("network", net.name),
        ("hidden layers", net.depth),
        ("width", f"{net.neurons:,}"),
        ("direct link", "input -> output" if net.skip is not None else "none"),
        ("output", summary["output"]),
        ("parameters", f"{net.parameters:,} (dense, as torch counts them)"),
        ("nonzero weights", f"{net.nonzero_weights:,}"),
        ("closed forms", "match" if not mismatched else f"DIFFER on {', '.join(mismatched)}"),
        ("verification", f"{check.status} ({check.method}): {check.reason}"),
    ]
    if check.counterexample is not None:
        example = check.counterexample
        rows.append(("counterexample", f"x = {''.join(map(str, example.bits))}: expected {example.expected}, got {example.got}"))
    seconds = summary["seconds"]
    rows.append(("time", f"build {seconds['build']:.3f} s, verify {seconds['verify']:.3f} s"))
    if summary["files"]:
        rows.append(("wrote", summary["files"]["out"]))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)
