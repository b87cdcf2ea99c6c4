"""Why deep? n-bit parity as a deep XOR tree, as one layer of minterms, and as one layer on sum(x).

Run: ``python examples/why_deep.py [--max-bits 20] [--out why_deep.png]`` (``--smoke``: n = 2..6, the plot
in a temporary folder, about a second)

For n = 2..20 it builds the three exact networks (the compiled XOR tree,
``minterm`` and ``symmetric``), checks their sizes against the closed forms of
:mod:`expressivity.counts.symbolic`, prints units, parameters and depth as a
table, and plots units and parameters on a log scale.

What the table shows: one hidden layer of AND-like units (minterms) needs
2^(n-1) of them, exponentially more than the tree's ~2n units in log2(n)
layers.  But one hidden layer is not doomed: ReLU units that read s = sum(x)
need only n (the symmetric construction), fewer units than the tree, at the
price of weights that are all nonzero (n^2 of them against the tree's O(n)).
The exponential is a property of the unit type, not of depth alone.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from expressivity.circuits.build import xor_tree
from expressivity.counts.symbolic import formulas
from expressivity.networks.compiler import compile_network
from expressivity.networks.shallow import minterm, symmetric
from expressivity.results.atomic import write_atomic

CONSTRUCTIONS = {
    "xor_tree": lambda n: compile_network(xor_tree(n)),
    "minterm": minterm,
    "symmetric": symmetric,
}


def sizes(max_bits: int) -> list[dict]:
    """One row per (n, construction): depth, units, parameters, nonzero weights, from the built network."""
    rows = []
    for n in range(2, max_bits + 1):
        for name, build in CONSTRUCTIONS.items():
            net = build(n)
            counts = net.counts()
            expected = formulas(name).evaluate(n)
            assert counts == {key: expected[key] for key in counts}, (name, n)  # the closed forms hold
            rows.append({"n": n, "construction": name, "depth": net.depth, "units": net.neurons,
                         "parameters": net.parameters, "nonzero_weights": net.nonzero_weights})
    return rows


def table(rows: list[dict]) -> str:
    from expressivity.results.tables import format_table

    by_n: dict = {}
    for row in rows:
        by_n.setdefault(row["n"], {})[row["construction"]] = row
    header = ["n"] + [f"{name} {what}" for name in CONSTRUCTIONS for what in ("depth", "units", "params")]
    body = [
        [n] + [f"{cells[name][what]:,}" for name in CONSTRUCTIONS for what in ("depth", "units", "parameters")]
        for n, cells in sorted(by_n.items())
    ]
    return format_table(header, body)


def plot(rows: list[dict], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    styles = {"xor_tree": ("deep XOR tree (log2 n layers)", "o-"), "minterm": ("minterm (1 layer)", "s-"),
              "symmetric": ("symmetric on sum(x) (1 layer)", "^-")}
    for axis, quantity in zip(axes, ("units", "parameters")):
        for name, (label, style) in styles.items():
            points = [(row["n"], row[quantity]) for row in rows if row["construction"] == name]
            axis.plot(*zip(*points), style, label=label, markersize=4)
        axis.set_yscale("log")
        axis.set_xlabel("input bits n")
        axis.set_ylabel(quantity)
        axis.set_title(f"{quantity} of exact parity networks")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    write_atomic(path, lambda temp: figure.savefig(temp, format="png", dpi=120))
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-bits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("why_deep.png"))
    parser.add_argument("--smoke", action="store_true", help="n = 2..6, the plot in a temporary folder (seconds)")
    args = parser.parse_args()
    if args.smoke:
        import tempfile

        scratch = tempfile.TemporaryDirectory()
        args.max_bits, args.out = 6, Path(scratch.name) / "why_deep.png"
    rows = sizes(args.max_bits)
    print(table(rows))
    print(f"sizes agree with the closed forms for n = 2..{args.max_bits}")
    print(f"wrote {plot(rows, args.out)}")


if __name__ == "__main__":
    main()
