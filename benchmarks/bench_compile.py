"""Speed of the compile pipeline (issue: compile).  Run by hand: ``python benchmarks/bench_compile.py``.

Prints
1. wall time of ``expressivity compile --bits 16``, process start to exit (target <= 2 s);
2. exhaustive verification throughput at n = 16, 20, 24 (target: n = 24 in <= 60 s), next to a
   baseline a user would write in the same run: the torch module (float64) on every input in
   the same chunks, compared with ``sum(x) % 2``;
3. compositional certification of the XOR tree at n = 2^16 and 2^20 (target: 2^20 in <= 60 s),
   with the time to build the circuit and to compile it printed beside.

``--quick`` stops at n = 20 and 2^16; ``--smoke`` runs each part once at a tiny size (n = 8, 2^4: seconds).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np


def bench_cli(repeats: int = 5, bits: int = 16) -> None:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "expressivity", "compile", "--bits", str(bits)], check=True,
                       capture_output=True)
        times.append(time.perf_counter() - started)
    print(f"expressivity compile --bits {bits}: median {statistics.median(times):.2f} s over {repeats} runs "
          "(target <= 2 s at 16 bits)")


def baseline_torch(net, n: int) -> float:
    """Seconds for the plain approach: torch module on all inputs, compared with sum % 2."""
    import torch

    from expressivity.verify.exhaustive import input_bits

    module = net.to_torch()
    started = time.perf_counter()
    chunk = 1 << 18
    with torch.no_grad():
        for start in range(0, 1 << n, chunk):
            bits = input_bits(n, start, min(1 << n, start + chunk))
            out = module(torch.as_tensor(bits, dtype=torch.float64)).numpy()
            if not np.array_equal(out[:, 0], bits.sum(axis=1) % 2):
                raise AssertionError("baseline found a difference")
    return time.perf_counter() - started


def bench_exhaustive(bits_list) -> None:
    from expressivity.circuits.build import xor_tree
    from expressivity.networks.compiler import compile_network
    from expressivity.verify.exhaustive import verify_exhaustive

    print("\nexhaustive verification of the compiled XOR tree (every input, exact)")
    print(f"{'n':>3} {'inputs':>12} {'seconds':>9} {'inputs/s':>12} {'torch baseline s':>17} {'ratio':>6}")
    for n in bits_list:
        circuit = xor_tree(n)
        net = compile_network(circuit)
        result = verify_exhaustive(net, circuit, max_bits=n)
        assert result.verified, result
        base = baseline_torch(net, n)
        print(f"{n:>3} {result.inputs_checked:>12,} {result.seconds:>9.2f} {result.inputs_checked / result.seconds:>12,.0f}"
              f" {base:>17.2f} {base / result.seconds:>6.2f}")


def bench_certificate(exponents) -> None:
    from expressivity.circuits.build import xor_tree
    from expressivity.networks.compiler import compile_network
    from expressivity.verify.compositional import certify

    print("\ncompositional certificate of the compiled XOR tree")
    print(f"{'n':>9} {'build s':>8} {'compile s':>10} {'certify s':>10} {'status':>9}")
    for exponent in exponents:
        n = 1 << exponent
        started = time.perf_counter()
        circuit = xor_tree(n)
        built = time.perf_counter()
        net = compile_network(circuit)
        compiled = time.perf_counter()
        result = certify(circuit, net)
        print(f"{'2^' + str(exponent):>9} {built - started:>8.1f} {compiled - built:>10.1f} {result.seconds:>10.1f} {result.status:>9}")
        del circuit, net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="each part once at a tiny size (seconds)")
    args = parser.parse_args()
    if args.smoke:
        bench_cli(repeats=1, bits=8)
        bench_exhaustive([8])
        bench_certificate([4])
        return
    bench_cli()
    bench_exhaustive([16, 20] if args.quick else [16, 20, 24])
    bench_certificate([16] if args.quick else [16, 20])


if __name__ == "__main__":
    main()
