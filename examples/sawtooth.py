"""Telgarsky's sawtooth: depth k and width 2 against one hidden layer, proven equal exactly.

Run: ``python examples/sawtooth.py [--max-k 20] [--prove-up-to 10] [--plot saw.png]``
(``--smoke``: k up to 6, seconds, writes nothing).

For each k the depth-k, width-2 sawtooth is swept exactly on [0, 1] (every
breakpoint a rational, 2^k linear pieces), and the one-hidden-layer network of
2^k - 1 units plus an affine term is built; for k up to ``--prove-up-to`` the
two are proven equal on [0, 1] by comparing their exact piecewise-linear
functions.  A one-hidden-layer network of w units has at most w + 1 pieces on a
line, so 2^k - 1 units is the least any shallow network needs.

Then 1D universal approximation by construction: sin on [0, 3], interpolated at
N knots, is one hidden layer of N - 2 units plus an affine term, proven equal to
its interpolant, within sin'' <= 1: h^2 / 8 of sin.
"""
from __future__ import annotations

import argparse
import math
import time
from fractions import Fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="k up to 6, seconds, writes nothing")
    parser.add_argument("--max-k", type=int, default=20)
    parser.add_argument("--prove-up-to", type=int, default=10, help="prove deep = shallow for k up to this")
    parser.add_argument("--plot", default=None, help="draw the depth-3 sawtooth and its shallow twin here")
    args = parser.parse_args()
    max_k, prove = (6, 6) if args.smoke else (args.max_k, args.prove_up_to)

    from expressivity.regions.sawtooth import (
        interpolant, interpolation_error_bound, one_layer_function, one_layer_network, sawtooth, shallow_sawtooth,
    )
    from expressivity.regions.segment import segment_partition

    header = f"{'k':>3} {'pieces':>10} {'deep units':>10} {'deep params':>11} {'shallow units':>13} " \
             f"{'shallow params':>14} {'equal on [0,1]':>15} {'sweep s':>8}"
    print(header)
    for k in range(1, max_k + 1):
        deep = sawtooth(k)
        began = time.perf_counter()
        part = segment_partition(deep, 0, 1)
        seconds = time.perf_counter() - began
        shallow_units = 2**k - 1
        shallow_params = 2 * shallow_units + shallow_units + 1 + 1  # hidden weights and biases, output, skip
        if k <= prove:
            shallow = shallow_sawtooth(k)
            assert shallow.widths == (shallow_units,) and shallow.parameters == shallow_params
            verdict = "proven" if one_layer_function(shallow, 0, 1).equals(part.function()) else "DIFFERENT"
        else:
            verdict = "not run"
        print(f"{k:>3} {part.pieces:>10,} {deep.neurons:>10} {deep.parameters:>11,} {shallow_units:>13,} "
              f"{shallow_params:>14,} {verdict:>15} {seconds:>8.3f}")
        assert part.pieces == part.regions == 2**k

    knots = 9 if args.smoke else 65
    target = interpolant(lambda x: math.sin(float(x)), 0, 3, knots)
    net = one_layer_network(target)
    proven = segment_partition(net, 0, 3).function().equals(target)
    spacing = Fraction(3, knots - 1)
    grid = [3 * i / 4000 for i in range(4001)]
    worst = max(abs(math.sin(x) - float(target(Fraction(x)))) for x in grid)
    print(f"sin on [0, 3] at {knots} knots: one hidden layer of {net.widths[0]} units + affine term, equal to the "
          f"interpolant: {proven}; error bound h^2/8 = {float(interpolation_error_bound(1, spacing)):.3g}, "
          f"largest error on a 4001-point grid {worst:.3g}")

    if args.plot and not args.smoke:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from expressivity.results.atomic import write_atomic

        deep = segment_partition(sawtooth(3), 0, 1).function()
        shallow = one_layer_function(shallow_sawtooth(3), 0, 1)
        figure = Figure(figsize=(7, 3), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.subplots()
        deep.plot(ax, lw=3, alpha=0.4, label="depth 3, width 2")
        shallow.plot(ax, ls="--", color="k", label="one hidden layer, 7 units + affine")
        ax.legend(fontsize=8)
        ax.set_title("the same function, proven equal on [0, 1] (exact rationals)", fontsize=9)
        write_atomic(args.plot, lambda temp: figure.savefig(temp, format=args.plot.rsplit(".", 1)[-1]))
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
