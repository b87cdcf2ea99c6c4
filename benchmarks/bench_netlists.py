"""The ISCAS-85 table: every netlist in a folder compiled, certified and rebalanced.  Run by hand:

    python benchmarks/bench_netlists.py [--data tests/data/iscas85] [--extra FILE ...] [--out benchmarks/NETLISTS.md]
    python benchmarks/bench_netlists.py --smoke        # c17 only, nothing written: seconds

The default folder, ``tests/data/iscas85``, ships with the repository: c17, c432, c499 and c880 (the rest
of the suite is third-party files that are not redistributed here; point ``--data`` or ``--extra`` at
copies of them).  A ``--data`` folder that does not exist, or holds no netlist, stops the script with a
one-line message naming it, before any measurement.

For each ``*.bench`` (and ``.aag``, ``.aig``, ``.blif``) file found, in a fresh process of its own (so the
peak memory is that circuit's): inputs, outputs, gates by the netlist's own types, circuit depth, the
network's depth as read and after ``--balance`` (plain and xor-aware), widest layer, neurons, dense and
nonzero parameters, seconds to read, compile and certify (the compositional certificate, for every
output), and the process's peak resident memory.  The rebalanced networks are certified against the
netlist as read (certificate plus the normal-form proof of :mod:`expressivity.circuits.balance`).
Prints the markdown tables, and writes them to ``--out`` when given.
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "tests" / "data" / "iscas85"
SUFFIXES = (".bench", ".aag", ".aig", ".blif")
#: The ISCAS-85 suite, for saying which circuits the folder lacks.
SUITE = ("c17", "c432", "c499", "c880", "c1355", "c1908", "c2670", "c3540", "c5315", "c6288", "c7552")


def measure(path: str) -> dict:
    """Everything the tables show for one netlist (run in a process of its own)."""
    from expressivity.circuits import read_netlist
    from expressivity.circuits.balance import balance
    from expressivity.circuits.metrics import depth
    from expressivity.compiling import verify_rewritten
    from expressivity.networks.compiler import compile_network
    from expressivity.verify.compositional import certify

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    circuit = read_netlist(path)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    network = compile_network(circuit)
    compile_seconds = time.perf_counter() - started
    certificate = certify(circuit, network)
    if not certificate.verified:
        raise SystemExit(f"{path}: the certificate did not go through: {certificate.reason}")
    row = {
        "name": Path(path).stem, "inputs": circuit.graph["n_inputs"], "outputs": len(circuit.graph["outputs"]),
        "gates": circuit.graph["netlist_gates"], "circuit_depth": depth(circuit),
        "network": network.counts() | {"widest": max(network.widths, default=0)},
        "read_s": read_seconds, "compile_s": compile_seconds, "certify_s": certificate.seconds,
    }
    for mode in ("plain", "xor-aware"):
        started = time.perf_counter()
        balanced = balance(circuit, mode)
        balance_seconds = time.perf_counter() - started
        rebalanced = compile_network(balanced.circuit)
        record = verify_rewritten(balanced.circuit, rebalanced, circuit, balanced.claims, "compositional")
        if not record.verified:
            raise SystemExit(f"{path}: the rebalanced ({mode}) network was not verified: {record.reason}")
        row[mode] = {"circuit_depth": balanced.depth_after, "chains": balanced.chains, "xor": len(balanced.claims),
                     "network": rebalanced.counts() | {"widest": max(rebalanced.widths, default=0)},
                     "balance_s": balance_seconds, "certify_s": record.seconds}
    row["baseline_mib"] = baseline / 1024
    row["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    return row


def netlists(folder: Path) -> list[Path]:
    """The netlists in ``folder``, ISCAS numbers in order (c17 before c432 before c1355)."""
    found = [path for path in folder.iterdir() if path.suffix.lower() in SUFFIXES]
    return sorted(found, key=lambda path: (int(re.sub(r"\D", "", path.stem) or 0), path.name))


def tables(rows: list) -> str:
    gates = lambda counts: ", ".join(f"{gate} {count}" for gate, count in counts.items())  # noqa: E731
    lines = [
        "| circuit | inputs | outputs | gates by type | circuit depth | network depth | widest layer | neurons "
        "| dense parameters | nonzero weights | read s | compile s | certificate s | peak MiB |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        net = row["network"]
        lines.append(
            f"| {row['name']} | {row['inputs']} | {row['outputs']} | {gates(row['gates'])} | {row['circuit_depth']} "
            f"| {net['hidden_layers']} | {net['widest']:,} | {net['neurons']:,} | {net['parameters']:,} "
            f"| {net['nonzero_weights']:,} | {row['read_s']:.3f} | {row['compile_s']:.3f} | {row['certify_s']:.3f} "
            f"| {row['peak_mib']:.0f} |")
    lines += [
        "",
        "With `--balance` (plain: chains of AND, OR, XOR regrouped; xor-aware: XOR/XNOR built of AND/OR/NOT "
        "recognised first), each network certified against the netlist as read (proof s: the certificate of the "
        "network plus the normal-form proof that the rebalanced circuit equals the netlist):",
        "",
        "| circuit | network depth | plain: depth | chains | neurons | nonzero weights | proof s "
        "| xor-aware: depth | XORs found | chains | neurons | nonzero weights | proof s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [row["name"], str(row["network"]["hidden_layers"])]
        for mode in ("plain", "xor-aware"):
            found, net = row[mode], row[mode]["network"]
            cells += [str(net["hidden_layers"])] + ([str(found["xor"])] if mode == "xor-aware" else [])
            cells += [str(found["chains"]), f"{net['neurons']:,}", f"{net['nonzero_weights']:,}", f"{found['certify_s']:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of netlists")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], metavar="FILE",
                        help="more netlist files to measure besides the folder's (e.g. a c6288.bench kept elsewhere)")
    parser.add_argument("--out", type=Path, default=None, help="write the tables (markdown) here")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # the per-circuit child process
    parser.add_argument("--smoke", action="store_true", help="c17 from the default folder only, no file (seconds)")
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one)))
        return
    if args.smoke:
        args.data, args.extra, args.out = DEFAULT_DATA, [], None
    if not args.data.is_dir():
        raise SystemExit(f"--data {args.data}: no such folder; the repository ships four ISCAS-85 netlists in "
                         f"{DEFAULT_DATA.relative_to(ROOT)} (the default); give --data a folder of netlists")
    for extra in args.extra:
        if not extra.is_file() or extra.suffix.lower() not in SUFFIXES:
            raise SystemExit(f"--extra {extra}: not a netlist file ({', '.join(SUFFIXES)})")
    paths = sorted(netlists(args.data) + list(args.extra), key=lambda path: (int(re.sub(r"\D", "", path.stem) or 0), path.name))
    available = {path.stem for path in paths}
    if args.smoke:
        paths = [path for path in paths if path.stem == "c17"]
    if not paths:
        raise SystemExit(f"no netlists ({', '.join(SUFFIXES)}) in {args.data}")
    rows = []
    for path in paths:
        done = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            raise SystemExit(f"{path.name}: {done.stderr.strip() or done.stdout.strip()}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{path.name}: done", file=sys.stderr)
    baseline = max(row["baseline_mib"] for row in rows)
    text = tables(rows)
    note = (f"Measured by `python benchmarks/bench_netlists.py` on {platform.machine()} with Python "
            f"{platform.python_version()}, one process per circuit; peak MiB is that process's peak resident "
            f"memory, of which about {baseline:.0f} MiB is the interpreter with numpy, scipy and networkx "
            "imported. Seconds are wall time of one run. A row of the second table that finds no chain and no "
            "XOR has the same depth and size as the netlist as read.")
    missing = [name for name in SUITE if name not in available]
    if args.extra:
        note += f" Measured from files outside {args.data.name}/: {', '.join(path.stem for path in args.extra)}."
    if missing:
        note += f" Not in {args.data.name}/, so not measured: {', '.join(missing)}."
    if args.smoke:
        note += " --smoke: c17 only."
    print(text + "\n\n" + note)
    if args.out is not None:
        args.out.write_text(f"{HEADER}\n{text}\n\n{note}\n")


HEADER = """# ISCAS-85 netlists compiled into certified ReLU networks

Each BENCH file of the ISCAS-85 suite found in the data folder (`tests/data/iscas85/` by default) read by `expressivity.circuits.read_netlist`,
compiled as `expressivity compile --netlist FILE` compiles it (one network output per netlist output, in order) and proved equal
to the netlist on every input by the compositional certificate, for every output. *Gates by type* are the
netlist's own gate types; *circuit depth* counts AND/OR/XOR levels with NOT free (it folds into the next affine
map; NAND is AND then NOT), so it equals the network's number of hidden layers. Dense parameters are what torch
counts for the exported `nn.Sequential`; nonzero weights are the sparse record's.
"""


if __name__ == "__main__":
    main()
