"""``expressivity shallow``: build a one-hidden-layer parity network, check its counts and verify it."""
from __future__ import annotations

import time
from dataclasses import replace

import click

from expressivity.cli import main
from expressivity.cli.common import (
    MAX_EXHAUSTIVE_OPTION, bits_option, check_exports, network_file_options, check_output_paths, explicit, fail, json_option, parse_bits, print_json, progress_option,
    verify_limit_options, write_outputs,
)
from expressivity.cli.vocabulary import renamed_option
from expressivity.networks.shallow import CONSTRUCTIONS, OUTPUT_MODES

VERIFY_METHODS = ("auto", "sparse", "exhaustive", "none")
PROGRESS_FROM_BITS = 18
#: The closed forms are evaluated before anything is built; past this n even they are not worth it
#: (the smallest construction, zigzag, has n^2 weights: 10^10 at this n, far beyond memory).
MAX_SHALLOW_BITS = 100_000
#: Bytes a built network may take: int64 values and column indices of its nonzero weights, and
#: transients while it is assembled (measured: minterm(20) peaks at about 40 bytes a weight).
BYTES_PER_WEIGHT = 40
MEMORY_BUDGET = 8 << 30


@main.command("shallow")
@bits_option(ranges=False)
@click.option("--construction", type=click.Choice(CONSTRUCTIONS), default="minterm", show_default=True,
              help="minterm: 2^(n-1) units; symmetric: n units on sum(x); skip: n-1 units and a direct link; "
                   "zigzag: n-1 units, output read by its sign (n >= 4).")
@click.option("--verify", "method", type=click.Choice(VERIFY_METHODS), default="auto", show_default=True,
              help="sparse: exact branch and bound over the hypercube (scales to minterm at n = 20); "
                   "exhaustive: run every input; auto: sparse, then exhaustive if sparse gives up.")
@verify_limit_options
@network_file_options
@renamed_option("--dot", "--network-dot", "network_dot")
@json_option()
@progress_option()
@click.pass_context
def shallow_command(ctx, bits, construction, method, max_exhaustive, time_limit, out, onnx_path, onnx_dtype,
                    network_dot, as_json, progress):
    """Build a one-hidden-layer ReLU network for n-bit parity and verify it on every input.

    Its sizes are checked against the closed forms of `expressivity count`.
    """
    from expressivity.counts.symbolic import formulas
    from expressivity.networks.shallow import build
    from expressivity.verify.exhaustive import estimated_seconds, format_duration

    bits = parse_bits(bits, ranges=False, maximum=MAX_SHALLOW_BITS,
                      why="the smallest construction has n^2 weights, far beyond memory past this")
    if onnx_dtype != "float64" and not onnx_path:
        fail("--onnx-dtype applies to --onnx only")
    if method == "none" and (explicit(ctx, "max_exhaustive") or explicit(ctx, "time_limit")):
        fail("--max-exhaustive and --time-limit apply to a verification; --verify none asks for none")
    check_output_paths(out=out, onnx=onnx_path, network_dot=network_dot)
    # Sizes first, from the closed forms: nothing is built that cannot fit or be checked.
    try:
        expected = formulas(construction).evaluate(bits)
    except ValueError as error:
        fail(str(error))
    weights = expected["nonzero_weights"]
    if weights * BYTES_PER_WEIGHT > MEMORY_BUDGET:
        size = f"{weights:,} weights, about {weights * BYTES_PER_WEIGHT / 2**30:,.0f} GiB" if weights < 10**15 \
            else f"about 2^{weights.bit_length() - 1} weights"
        fail(f"{construction}({bits}) has {size} to build, over the {MEMORY_BUDGET >> 30} GiB limit")
    if method in ("exhaustive", "sparse") and bits > max_exhaustive:
        fail(f"--verify {method} checks all 2^{bits} inputs, beyond --max-exhaustive {max_exhaustive} "
             "(raise it, or leave verification to --verify auto)")
    estimate = estimated_seconds(bits, expected["parameters"], expected["nonzero_weights"], expected["neurons"])
    if method == "exhaustive" and estimate > time_limit:
        fail(f"--verify exhaustive would take about {format_duration(estimate)} on {construction}({bits}) "
             f"(2^{bits} inputs x {expected['nonzero_weights']:,} weights), over --time-limit {time_limit:g} s; "
             "try --verify sparse")

    started = time.perf_counter()
    try:
        net = build(construction, bits)
    except (ValueError, MemoryError) as error:
        fail(str(error))
    built = time.perf_counter() - started
    check_exports(net, onnx=onnx_path, onnx_dtype=onnx_dtype, network_dot=network_dot)
    counts = net.counts()
    mismatched = [key for key in counts if counts[key] != expected[key]]
    mode = OUTPUT_MODES[construction]
    check = _verify(net, method, max_exhaustive, time_limit, mode,
                    progress=progress and bits >= PROGRESS_FROM_BITS and not as_json)
    check = replace(check, reason=_in_option_words(check.reason, bits))
    written = write_outputs(net, out=out, onnx=onnx_path, onnx_dtype=onnx_dtype, network_dot=network_dot)
    summary = {
        "construction": construction,
        "bits": bits,
        "output": "equals parity" if mode == "exact" else "positive exactly on odd inputs",
        "network": counts,
        "formulas_match": not mismatched,
        "formula_values": {key: expected[key] for key in counts},
        "verification": check.to_dict(),
        "seconds": {"build": built, "verify": check.seconds},
        "files": written,
    }
    if as_json:
        print_json(summary)
    else:
        click.echo(_table(net, summary, check, mismatched))
    requested_but_skipped = method in ("exhaustive", "sparse") and check.status == "skipped"
    if check.status in ("counterexample", "rejected") or mismatched or requested_but_skipped:
        raise SystemExit(1)


def _verify(net, method, max_exhaustive, time_limit, mode, progress):
    from expressivity.verify.exhaustive import parity_reference, verify_exhaustive
    from expressivity.verify.record import Verification
    from expressivity.verify.shallow import verify_shallow

    if method == "none":
        return Verification("skipped", "none", net.n_inputs, reason="--verify none")
    if method == "exhaustive":
        return verify_exhaustive(net, parity_reference, mode=mode, max_bits=max_exhaustive, time_limit=time_limit,
                                 progress=progress)
    check = verify_shallow(net, parity_reference, mode=mode, max_bits=max_exhaustive, progress=progress)
    if method == "auto" and check.status == "skipped" and net.n_inputs <= max_exhaustive:
        fallback = verify_exhaustive(net, parity_reference, mode=mode, max_bits=max_exhaustive, time_limit=time_limit,
                                     progress=progress)
        if fallback.status != "skipped":
            return fallback
        return Verification("skipped", "exhaustive-sparse", net.n_inputs, seconds=check.seconds + fallback.seconds,
                            reason=f"{check.reason}; then exhaustive: {fallback.reason}")
    return check


def _in_option_words(reason: str, bits: int) -> str:
    """The verifier's reason with its parameter ``max_bits`` said as this command's option.

    >>> _in_option_words("a table of 2^60 outputs is more than the limit of 2^24 (raise max_bits)", 60)
    'a table of 2^60 outputs is more than the limit of 2^24 (--max-exhaustive goes up to 40: no exhaustive check reaches 2^60 inputs)'
    >>> _in_option_words("2^30 inputs is more than the exhaustive limit of 2^24 (raise max_bits, or use a certificate)", 30)
    '2^30 inputs is more than the exhaustive limit of 2^24 (raise --max-exhaustive, or use a certificate)'
    """
    if bits > MAX_EXHAUSTIVE_OPTION:
        return reason.replace("raise max_bits, or use a certificate", "raise max_bits").replace(
            "raise max_bits", f"--max-exhaustive goes up to {MAX_EXHAUSTIVE_OPTION}: no exhaustive check reaches "
                              f"2^{bits} inputs")
    return reason.replace("raise max_bits", "raise --max-exhaustive")


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
    rows += [(f"wrote {kind}", path) for kind, path in summary["files"].items()]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)
