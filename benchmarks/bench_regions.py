"""Exact regions against a float64 edge-subdivision count written here, and the 1D targets.

Run by hand: ``python benchmarks/bench_regions.py`` (``--smoke``: tiny sizes, seconds).

1. 2D: a 2-100-100-1 network (torch's default initialisation, seed 0) on
   [-1, 1]^2: the exact partition (rational vertices) against the same edge
   subdivision in float64 (a cut where the interpolated value changes sign,
   no tolerance), with both counts.  Target: <= 10 s and <= 5x the float one.
2. 1D: a 1-64x8-1 network on [-1, 1], exact pieces.  Target: <= 1 s.
3. The depth-20 sawtooth on [0, 1], its 2^20 pieces listed exactly.  Target: <= 10 s.

Prints the best of ``--repeats`` runs of each.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def float_plane_regions(layers, corners) -> int:
    """Regions of the box by edge subdivision in float64: the method of the float tools, written plainly."""
    points = [np.array(c, dtype=np.float64) for c in corners]
    values = [np.array(c, dtype=np.float64) for c in corners]  # the current layer's inputs at each vertex
    faces = [list(range(len(corners)))]
    for weight, bias, relu in layers:
        z = [weight @ h + bias for h in values]
        if relu:
            for unit in range(weight.shape[0]):
                made, result = {}, []
                for face in faces:
                    signs = [z[v][unit] for v in face]
                    if not (max(signs) > 0 and min(signs) < 0):
                        result.append(face)
                        continue
                    cycle = []
                    for a, b in zip(face, face[1:] + face[:1]):
                        cycle.append(a)
                        za, zb = z[a][unit], z[b][unit]
                        if za * zb < 0:
                            key = (min(a, b), max(a, b))
                            if key not in made:
                                s = za / (za - zb)
                                points.append(points[a] + s * (points[b] - points[a]))
                                row = z[a] + s * (z[b] - z[a])
                                row[unit] = 0.0
                                z.append(row)
                                made[key] = len(z) - 1
                            cycle.append(made[key])
                    result.append([v for v in cycle if z[v][unit] >= 0])
                    result.append([v for v in cycle if z[v][unit] <= 0])
                faces = result
            values = [np.maximum(row, 0.0) for row in z]
        else:
            values = z
    return len(faces)


def best(repeats, work):
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    import torch
    from torch import nn

    from expressivity.regions.networks import as_exact_net
    from expressivity.regions.planar import box, plane_partition
    from expressivity.regions.sawtooth import sawtooth
    from expressivity.regions.segment import segment_partition

    width2d, width1d, depth1d, k = (10, 8, 3, 10) if args.smoke else (100, 64, 8, 20)
    torch.manual_seed(0)
    module2d = nn.Sequential(nn.Linear(2, width2d), nn.ReLU(), nn.Linear(width2d, width2d), nn.ReLU(),
                             nn.Linear(width2d, 1))
    net2d = as_exact_net(module2d)
    layers = [(*layer.as_floats(), layer.relu) for layer in net2d.layers]
    corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    float_s, float_count = best(args.repeats, lambda: float_plane_regions(layers, corners))
    exact_s, part = best(args.repeats, lambda: plane_partition(net2d, box(-1, 1, -1, 1)))
    print(f"2D 2-{width2d}-{width2d}-1 on [-1,1]^2: exact {part.regions:,} regions in {exact_s:.3f} s; "
          f"float64 edge subdivision {float_count:,} regions in {float_s:.3f} s; ratio {exact_s / float_s:.2f}x "
          f"(targets: <= 10 s, <= 5x)")

    torch.manual_seed(0)
    stack = [nn.Linear(1, width1d), nn.ReLU()]
    for _ in range(depth1d - 1):
        stack += [nn.Linear(width1d, width1d), nn.ReLU()]
    net1d = as_exact_net(nn.Sequential(*stack, nn.Linear(width1d, 1)))
    seconds, line = best(args.repeats, lambda: segment_partition(net1d, -1, 1))
    print(f"1D 1-{width1d}x{depth1d}-1 on [-1,1]: {line.regions:,} regions, {line.pieces:,} pieces, exact, "
          f"in {seconds:.3f} s (target: <= 1 s)")

    saw = as_exact_net(sawtooth(k))
    seconds, line = best(args.repeats, lambda: segment_partition(saw, 0, 1))
    print(f"sawtooth k={k}: {line.pieces:,} pieces (2^{k} = {2**k:,}), every breakpoint exact, in {seconds:.3f} s "
          f"(target: <= 10 s)")


if __name__ == "__main__":
    main()
