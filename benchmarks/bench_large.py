"""Large circuits (issue 13, section 5): time and peak memory of the 2^20-bit commands, and the sparse torch export.

Run by hand (minutes; every measurement is a fresh process)::

    python benchmarks/bench_large.py [--bits 1048576] [--baseline DIR] [--profile-bits 262144] [--samples 64]

1. ``expressivity compile --bits N`` end to end under ``/usr/bin/time -v``: wall seconds, the process's
   maximum resident set size, and the stage times the command prints (measure, compile, verify);
2. ``expressivity receptive-field --bits N``, the same way;
3. with ``--profile-bits M``: ``cProfile`` of ``compile --bits M``, the functions with the largest
   cumulative time (where the time goes);
4. the sparse torch export of the compiled N-bit network (``to_torch(sparse=True)``) run on ``--samples``
   random inputs and compared with the reference evaluator on the networkx circuit, and with
   ``sum(x) % 2``: labelled sampled, a cross-check and not a proof.

``--smoke``: N = 256, the compile command only (no receptive field, no baseline, no profile) and the
sparse export in this process: seconds.

``--baseline DIR`` runs 1-3 a second time with ``DIR`` (a folder holding another version of the
``expressivity`` package, e.g. a copy taken before a change) first on ``PYTHONPATH``, in the same run,
so that before and after are measured on the same machine under the same load.
"""
from __future__ import annotations

import argparse
import io
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME = "/usr/bin/time"


def timed(command: list[str], package: Path) -> dict:
    """Run ``python -m expressivity COMMAND`` with ``package`` first on the path; wall s, peak MiB, its output."""
    env = dict(os.environ, PYTHONPATH=str(package))
    with tempfile.TemporaryDirectory() as scratch:  # not the repository: python -m puts the cwd first on sys.path
        done = subprocess.run([TIME, "-v", sys.executable, "-m", "expressivity", *command], cwd=scratch, env=env,
                              capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, seconds = (float(v) if v else 0.0 for v in wall.groups())
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    stages = dict(re.findall(r"(\w+) ([\d.]+) s", next((line for line in done.stdout.splitlines() if line.startswith("time")), "")))
    return {"wall_s": hours * 3600 + minutes * 60 + seconds, "peak_mib": peak / 1024, "stages": stages,
            "stdout": done.stdout}


def profile(bits: int, package: Path, top: int = 12) -> str:
    """The functions with the largest cumulative time in ``compile --bits bits`` (a child process, cProfile)."""
    code = ("import cProfile, sys; from expressivity.cli import main; "
            f"cProfile.run(\"main(['compile', '--bits', '{bits}', '--no-progress'], standalone_mode=False)\", sys.argv[1])")
    with tempfile.TemporaryDirectory() as scratch:
        stats_path = Path(scratch) / "stats"
        subprocess.run([sys.executable, "-c", code, str(stats_path)], cwd=scratch, check=True, capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(package)))
        out = io.StringIO()
        stats = pstats.Stats(str(stats_path), stream=out)
        stats.sort_stats("cumulative").print_stats(r"expressivity/(circuits|networks|verify|compiling)|networkx/", top)
    lines = [re.sub(r"\S*/site-packages/|\S*/(?=expressivity/)", "", line) for line in out.getvalue().splitlines()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    total = next(line for line in lines if "function calls" in line).strip()
    return "\n".join([total, *lines[start:]]).rstrip()


def sparse_export(bits: int, samples: int) -> dict:
    """Compile on arrays, export sparse, compare with the reference evaluator on sampled inputs (this process)."""
    import numpy as np
    import torch  # imported before the clock starts: its import alone takes seconds

    from expressivity.circuits.build import xor_tree
    from expressivity.compiling import parity_arrays, sampled_check
    from expressivity.networks.compiler import compile_network

    started = time.perf_counter()
    net = compile_network(parity_arrays("xor-tree", bits))
    compiled = time.perf_counter()
    module = net.to_torch(sparse=True)
    exported = time.perf_counter()
    circuit = xor_tree(bits)  # the reference evaluator reads the networkx graph
    built = time.perf_counter()
    check = sampled_check(circuit, net, samples, seed=0, sparse=True)
    del circuit
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, size=(min(samples, 16), bits))
    with torch.no_grad():
        parity_ok = bool(np.array_equal(module(torch.as_tensor(x, dtype=torch.float64)).numpy().ravel(), x.sum(axis=1) % 2))
    stored = sum(int(m.weight._nnz()) for m in module.modules() if hasattr(m, "weight") and m.weight.is_sparse)
    return {"compile_s": compiled - started, "export_s": exported - compiled, "graph_s": built - exported,
            "check_s": check.seconds, "samples": check.samples, "mismatches": check.mismatches,
            "parity_rows": len(x), "parity_ok": parity_ok, "stored_weights": stored, "nonzero_weights": net.nonzero_weights,
            "dense_parameters": net.parameters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, default=1 << 20)
    parser.add_argument("--baseline", type=Path, default=None, help="a folder holding another expressivity package")
    parser.add_argument("--profile-bits", type=int, default=None)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--sparse-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="N = 256, compile only, the export in this process")
    args = parser.parse_args()
    if args.smoke:
        args.bits, args.baseline, args.profile_bits, args.samples = 256, None, None, 8
    if args.sparse_only:  # child process: its own peak memory
        import resource

        row = sparse_export(args.bits, args.samples)
        row["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(row)
        return
    versions = [("after", ROOT)] + ([("before", args.baseline.resolve())] if args.baseline else [])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; N = {args.bits:,}\n")
    print("| version | command | wall s | peak MiB | stages (s) |\n|---|---|---:|---:|---|")
    for label, package in versions:
        commands = [["compile", "--bits", str(args.bits), "--no-progress"], ["receptive-field", "--bits", str(args.bits)]]
        for command in commands[:1] if args.smoke else commands:
            row = timed(command, package)
            stages = ", ".join(f"{k} {v}" for k, v in row["stages"].items()) or "-"
            print(f"| {label} | `{' '.join(command)}` | {row['wall_s']:.2f} | {row['peak_mib']:.0f} | {stages} |", flush=True)
    if args.profile_bits:
        for label, package in versions:
            print(f"\ncProfile of `compile --bits {args.profile_bits}` ({label}):\n```\n{profile(args.profile_bits, package)}\n```",
                  flush=True)
    if args.smoke:  # a fresh process measures its own peak memory; the smoke run needs no such figure
        print(f"\nsparse torch export (to_torch(sparse=True)), sampled check: {sparse_export(args.bits, args.samples)}")
        return
    done = subprocess.run([sys.executable, __file__, "--sparse-only", "--bits", str(args.bits), "--samples", str(args.samples)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr.strip()[-2000:])
    print(f"\nsparse torch export (to_torch(sparse=True)), sampled check: {done.stdout.strip()}")


if __name__ == "__main__":
    main()
