"""Exact region counts along a line and on a plane, at initialisation and after training (Hanin & Rolnick).

Run: ``python examples/regions_trained.py [--plot regions.png]`` (``--smoke``: tiny, seconds, writes nothing).

Hanin and Rolnick (2019) observed that at initialisation the number of regions
along a line grows with the number of neurons, not exponentially with depth,
and that training changes it little.  Here every count is exact (rational
breakpoints), for networks of equal neuron count and growing depth, fitted to
sin(3x) on [-2, 2] by Adam; the 2D counts are on [-1, 1]^2 for a two-input twin
fitted to sin(3u) cos(2v).
"""
from __future__ import annotations

import argparse


def make(inputs: int, widths, seed: int):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    layers, previous = [], inputs
    for width in widths:
        layers += [nn.Linear(previous, width), nn.ReLU()]
        previous = width
    return nn.Sequential(*layers, nn.Linear(previous, 1)).double()


def train(module, inputs: int, steps: int, seed: int) -> float:
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(512, inputs, generator=generator, dtype=torch.float64) * 4 - 2
    y = torch.sin(3 * x[:, :1]) * (torch.cos(2 * x[:, 1:2]) if inputs == 2 else 1)
    optimiser = torch.optim.Adam(module.parameters(), lr=3e-3)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = torch.mean((module(x) - y) ** 2)
        loss.backward()
        optimiser.step()
    return float(loss.detach())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny networks, a few steps, writes nothing")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--neurons", type=int, default=48, help="hidden neurons of every network")
    parser.add_argument("--plot", default=None, help="regions along the line per depth, before and after training")
    args = parser.parse_args()
    neurons, steps = (12, 20) if args.smoke else (args.neurons, args.steps)
    depths = (1, 2, 3) if args.smoke else (1, 2, 3, 4, 6)

    from expressivity.regions.planar import box, plane_partition
    from expressivity.regions.segment import segment_partition

    rows = []
    print(f"{'depth':>5} {'widths':>18} {'1D regions init':>15} {'after':>6} {'pieces after':>12} "
          f"{'2D regions init':>15} {'after':>6} {'loss':>9}")
    for depth in depths:
        widths = [neurons // depth] * depth
        line = make(1, widths, seed=depth)
        plane = make(2, widths, seed=100 + depth)
        before = segment_partition(line, -2, 2).regions
        before2d = plane_partition(plane, box(-1, 1, -1, 1)).regions
        loss = train(line, 1, steps, seed=depth)
        train(plane, 2, steps, seed=depth)
        after = segment_partition(line, -2, 2)
        after2d = plane_partition(plane, box(-1, 1, -1, 1)).regions
        rows.append((depth, before, after.regions))
        print(f"{depth:>5} {','.join(map(str, widths)):>18} {before:>15,} {after.regions:>6,} {after.pieces:>12,} "
              f"{before2d:>15,} {after2d:>6,} {loss:>9.2e}")
    print(f"(all counts exact; {neurons} neurons each: a depth-d network could have up to "
          f"(2 n/d)^d pieces on a line, Telgarsky's bound, yet the counts stay near the neuron count)")

    if args.plot and not args.smoke:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from expressivity.results.atomic import write_atomic

        figure = Figure(figsize=(6, 3.5), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.subplots()
        ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label="at initialisation")
        ax.plot([r[0] for r in rows], [r[2] for r in rows], "s--", label=f"after {steps} Adam steps")
        ax.axhline(neurons, color="gray", lw=0.8, label=f"{neurons} neurons")
        ax.set_xlabel("depth (same neuron count)")
        ax.set_ylabel("activation regions on [-2, 2] (exact)")
        ax.legend(fontsize=8)
        write_atomic(args.plot, lambda temp: figure.savefig(temp, format=args.plot.rsplit(".", 1)[-1]))
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
