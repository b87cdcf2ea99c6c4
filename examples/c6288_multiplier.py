"""c6288, the ISCAS-85 16x16 array multiplier, compiled into a certified ReLU network that multiplies.

Run: ``python examples/c6288_multiplier.py PATH/c6288.bench [--samples 10000] [--seed 0] [--dense]``

``--smoke`` (no path) runs the same pipeline on a 2x2 array multiplier written in BENCH here
(:data:`SMOKE_BENCH`, into a temporary folder): seconds, and it needs no third-party file.

The netlist is not shipped here (it is a third-party file); any public copy of
``c6288.bench`` works.  The script reads it with
:func:`expressivity.circuits.read_netlist`, compiles it with the compile
pipeline (:func:`expressivity.compiling.compile_circuit`) and proves the network
equal to the netlist on all 2^32 inputs with the compositional certificate.
Then it runs K random 32-bit inputs through the exported torch module
(``to_torch(sparse=True)``; ``--dense`` for the ``nn.Linear`` one) and
checks that its 32 outputs are the product of the two 16-bit operands: a
*sampled* check of what the netlist computes, not a proof.

Bit order.  ``read_netlist`` numbers the inputs in the order of the
``INPUT`` lines and the outputs in the order of the ``OUTPUT`` lines.  In c6288
these are ``G1gat, G18gat, ..., G256gat`` (16 lines), then ``G273gat, ...,
G528gat`` (16 lines), and the outputs ``G545gat, G1581gat, ..., G6280gat,
G6287gat, G6288gat``.  The netlist's first gate is ``G545gat = AND(G1gat,
G273gat)``, the first output: the product's lowest bit is ``a_0 AND b_0``, so
``G1gat`` and ``G273gat`` are the operands' lowest bits.  But the ``OUTPUT``
lines are in the order of the gates' numbers, which need not be the order of
the bits: ``G6287gat = NOR(G5602gat, G6281gat)`` is built like the carries of
the rows above it, ``G6288gat`` like their sums, so the last two outputs may be
the product's bits 31 and 30, in that order.  The order is therefore not taken
on trust: for each of the four plausible input orders (each operand least or
most significant bit first) the script looks for every output the one product
bit it equals on all samples, and reports the orders under which the 32
outputs are the 32 product bits.  On a copy of c6288 whose lines are as above
it finds (sampled, not a proof)::

    a = sum(x_i << i for i in 0..15)        (G1gat .. G256gat, least significant first)
    b = sum(x_(16+i) << i for i in 0..15)   (G273gat .. G528gat, least significant first)
    a * b = sum(y_j << j for j in 0..29) + (y_30 << 31) + (y_31 << 30)
            (outputs G545gat .. G6280gat are bits 0 .. 29, G6287gat bit 31, G6288gat bit 30)
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np

#: Sampled inputs the torch module runs at once.
BATCH = 4096
#: A 2x2 array multiplier (a = G1 + 2 G2, b = G3 + 2 G4; outputs the product's bits 0..3), for ``--smoke``.
SMOKE_BENCH = """INPUT(G1)
INPUT(G2)
INPUT(G3)
INPUT(G4)
OUTPUT(G5)
OUTPUT(G8)
OUTPUT(G11)
OUTPUT(G12)
G5 = AND(G1, G3)
G6 = AND(G2, G3)
G7 = AND(G1, G4)
G8 = XOR(G6, G7)
G9 = AND(G6, G7)
G10 = AND(G2, G4)
G11 = XOR(G10, G9)
G12 = AND(G10, G9)
"""


def to_int(bits: np.ndarray, lsb_first: bool = True) -> np.ndarray:
    """Rows of 0/1 values as unsigned integers, the first column the lowest bit (or the highest).

    >>> to_int(np.array([[1, 0, 1], [0, 1, 1]])).tolist(), to_int(np.array([[1, 0, 1], [0, 1, 1]]), False).tolist()
    ([5, 6], [5, 3])
    """
    bits = np.asarray(bits, dtype=np.uint64)
    weights = np.uint64(1) << np.arange(bits.shape[1], dtype=np.uint64)
    if not lsb_first:
        weights = weights[::-1]
    return (bits * weights).sum(axis=1, dtype=np.uint64)


def product_bits(x: np.ndarray, a_lsb: bool, b_lsb: bool) -> np.ndarray:
    """Bits ``0 .. 2h-1`` of ``a * b`` (columns), where ``a`` and ``b`` are the two halves of each row of ``x``.

    >>> product_bits(np.array([[1, 1, 1, 0]]), True, True).tolist()   # 3 * 1
    [[1, 1, 0, 0]]
    """
    half = x.shape[1] // 2
    product = to_int(x[:, :half], a_lsb) * to_int(x[:, half:], b_lsb)
    return ((product[:, None] >> np.arange(2 * half, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)


def orders_that_multiply(x: np.ndarray, y: np.ndarray) -> list[tuple[str, str, list[int]]]:
    """The input bit orders under which the outputs ``y`` are the bits of the product of ``x``'s two halves.

    For each order of ``a`` and ``b`` (least or most significant bit first),
    every output column is matched with the product bits it equals on every
    row; the order counts when each output equals exactly one bit and all bits
    are taken.  Returns ``(a order, b order, bit of each output)``.

    >>> x = np.array([[1, 1, 1, 0], [0, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 1]])  # (3, 1), (2, 3), (3, 3), (1, 2)
    >>> y = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1], [0, 1, 0, 0]])  # 3, 6, 9, 2: bits 0, 1, 2, 3
    >>> orders_that_multiply(x, y[:, [0, 1, 3, 2]])
    [('lsb', 'lsb', [0, 1, 3, 2])]
    """
    found = []
    for a_lsb, b_lsb in itertools.product((True, False), repeat=2):
        bits = product_bits(x, a_lsb, b_lsb)
        matches = [[j for j in range(bits.shape[1]) if np.array_equal(y[:, k], bits[:, j])] for k in range(y.shape[1])]
        if all(len(match) == 1 for match in matches) and sorted(match[0] for match in matches) == list(range(bits.shape[1])):
            found.append(("lsb" if a_lsb else "msb", "lsb" if b_lsb else "msb", [match[0] for match in matches]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="c6288.bench")
    parser.add_argument("--samples", type=int, default=10_000, help="random 32-bit inputs (sampled, not a proof)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dense", action="store_true", help="run the dense torch module (nn.Linear) instead of the sparse one")
    parser.add_argument("--smoke", action="store_true", help="a 2x2 multiplier written here instead of c6288 (seconds)")
    args = parser.parse_args()
    if args.smoke:
        import tempfile
        from pathlib import Path

        scratch = tempfile.TemporaryDirectory()
        args.path, args.samples = str(Path(scratch.name) / "mult2x2.bench"), 64
        Path(args.path).write_text(SMOKE_BENCH)
    elif args.path is None:
        parser.error("the path of c6288.bench is required (or --smoke)")
    if not 1 <= args.samples <= 10_000_000:
        print(f"error: --samples must lie in 1..10,000,000, got {args.samples}", file=sys.stderr)
        raise SystemExit(2)

    import torch

    from expressivity.circuits import NetlistError, read_netlist
    from expressivity.compiling import compile_circuit
    from expressivity.networks.layered import MAX_DENSE_PARAMETERS

    started = time.perf_counter()
    try:
        circuit = read_netlist(args.path)
    except (NetlistError, OSError) as error:
        print(f"error: {args.path}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    n, m = circuit.graph["n_inputs"], len(circuit.graph["outputs"])
    if (n, m) != ((4, 4) if args.smoke else (32, 32)):
        print(f"error: {args.path} has {n} inputs and {m} outputs; a 16x16 multiplier has 32 and 32", file=sys.stderr)
        raise SystemExit(2)
    half = n // 2
    read_seconds = time.perf_counter() - started

    result = compile_circuit(circuit, verify="compositional")
    net, certificate = result.network, result.verification
    print(f"netlist      {args.path}: {n} inputs ({', '.join(circuit.graph['input_names'][:2])}, ..., "
          f"{circuit.graph['input_names'][-1]}), {m} outputs, gates {circuit.graph['netlist_gates']}")
    print(f"circuit      depth {result.circuit_summary['depth']}, {result.circuit_summary['size']} gates "
          f"(NOR is OR then NOT: NOT is free, so depth counts AND/OR levels)")
    print(f"network      {net.depth} hidden layers, widest {max(net.widths):,}, {net.neurons:,} neurons, "
          f"{net.parameters:,} dense parameters, {net.nonzero_weights:,} nonzero weights")
    print(f"certificate  {certificate.status} ({certificate.method}): {certificate.reason}")
    print(f"time         read {read_seconds:.3f} s, measure {result.seconds['measure']:.3f} s, "
          f"compile {result.seconds['compile']:.3f} s, certificate {certificate.seconds:.3f} s")

    # 18,490 nonzero weights in 2.9 million dense parameters: the sparse module is the faster one (--dense: nn.Linear)
    sparse = not args.dense or net.parameters > MAX_DENSE_PARAMETERS
    module = net.to_torch(sparse=sparse)
    rng = np.random.default_rng(args.seed)
    x = rng.integers(0, 2, size=(args.samples, n), dtype=np.uint8)
    started = time.perf_counter()
    with torch.no_grad():
        y = np.concatenate([module(torch.as_tensor(x[i:i + BATCH], dtype=torch.float64)).numpy()
                            for i in range(0, len(x), BATCH)])
    seconds = time.perf_counter() - started
    if not np.array_equal(y, np.round(y)) or y.min() < 0 or y.max() > 1:
        print(f"sampled      the torch module gave outputs other than 0 and 1 on {args.samples:,} inputs")
        raise SystemExit(1)
    orders = orders_that_multiply(x, y.astype(np.uint8))
    kind = "sparse" if sparse else "dense"
    if orders:
        names = circuit.graph["output_names"]
        for a_order, b_order, bits in orders:
            moved = [f"{names[k]} is bit {bit}" for k, bit in enumerate(bits) if bit != k]
            where = "output k is product bit k" + (f", except {', '.join(moved)}" if moved else "")
            print(f"sampled      {args.samples:,} random inputs (seed {args.seed}) through the {kind} torch module "
                  f"(float64, {seconds:.2f} s): the {m} outputs are the bits of a * b on every sample, with a "
                  f"{a_order}-first (x0..x{half - 1}), b {b_order}-first (x{half}..x{n - 1}), {where} "
                  "(sampled: a cross-check, not a proof)")
    else:
        print(f"sampled      {args.samples:,} random inputs (seed {args.seed}): under no input bit order are the outputs "
              "the bits of the product on every sample")
    if certificate.status != "verified" or not orders:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
