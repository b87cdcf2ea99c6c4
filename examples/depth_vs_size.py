"""Depth against size for three parity circuits and the ReLU networks they compile to.

For n = 2..64: the XOR tree (depth ceil(log2 n)), the XOR chain (depth n - 1),
and the DNF (depth 2, 2^(n-1) terms), with gates, neurons and parameters of the
compiled networks.  The DNF stops where ``parity_dnf`` refuses to build it
(``MAX_DNF_TERMS``), and the table says so.

Run: ``python examples/depth_vs_size.py`` (about a minute; ``--max-bits 24`` for less; ``--smoke``: n = 2..6).
"""
from __future__ import annotations

import argparse

from expressivity.circuits import metrics
from expressivity.circuits.build import MAX_DNF_TERMS, parity_dnf, xor_chain, xor_tree
from expressivity.networks.compiler import compile_network

# The DNF's compiled first layer is dense in the input: stop its compilation earlier
# than its construction limit so the example stays quick.
DNF_COMPILE_BITS = 14


def row(builder, n: int) -> str:
    circuit = builder(n)
    net = compile_network(circuit)
    return f"{metrics.depth(circuit):>5} {metrics.size(circuit):>7,} {net.neurons:>8,} {net.parameters:>12,}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-bits", type=int, default=64)
    parser.add_argument("--smoke", action="store_true", help="n = 2..6 (a second)")
    args = parser.parse_args()
    if args.smoke:
        args.max_bits = 6
    dnf_limit = min(MAX_DNF_TERMS.bit_length(), DNF_COMPILE_BITS)
    header = f"{'depth':>5} {'gates':>7} {'neurons':>8} {'parameters':>12}"
    print(f"{'':>3} | {'XOR tree':^35} | {'XOR chain':^35} | {'DNF':^35}")
    print(f"{'n':>3} | {header} | {header} | {header}")
    for n in range(2, args.max_bits + 1):
        dnf = row(parity_dnf, n) if n <= dnf_limit else f"{'(not built: see below)':^35}"
        print(f"{n:>3} | {row(xor_tree, n)} | {row(xor_chain, n)} | {dnf}")
    print(
        f"\nThe DNF stops at n = {dnf_limit} to keep this example quick: it has 2^(n-1) terms of n literals, "
        f"so each step doubles it (at n = {dnf_limit + 1}: {2 ** dnf_limit + 1:,} units, "
        f"{(dnf_limit + 1) * 2 ** dnf_limit + 2 ** dnf_limit:,} nonzero weights). parity_dnf builds it up to "
        f"n = {MAX_DNF_TERMS.bit_length()} and refuses beyond ({MAX_DNF_TERMS:,} terms) to bound memory."
    )
    print("Gates count AND/OR/XOR and NOT; depth counts AND/OR/XOR (NOT is free: it folds into the next layer).")


if __name__ == "__main__":
    main()
