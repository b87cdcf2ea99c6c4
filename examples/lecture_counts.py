"""The lecture's counts, counted by the toolkit and checked against torch.

Run: ``python examples/lecture_counts.py [--json]`` (``--smoke`` is the same run: it takes a second).

Three claims people quote, each counted twice: from a spec string
(:func:`expressivity.counts.spec.parse_spec`, closed forms) and from the torch module
itself (:func:`expressivity.counts.modules.count_module`), and compared with torch's own
``numel``:

* a ``[3, 4, 4, 1]`` MLP has 12 and 16 weights between its first layers and 41 parameters
  with the biases; ``[3, 4, 2]`` has 26;
* a 5x5 convolution has 25 weights, two stacked 3x3 convolutions 18, and both see a 5x5
  window of the input (the receptive field by :func:`expressivity.counts.receptive.module_receptive_fields`,
  and again from the gradient of one output with respect to the input).
"""
from __future__ import annotations

import argparse
import json

import torch
from torch import nn

from expressivity.counts.modules import count_module
from expressivity.counts.receptive import module_receptive_fields
from expressivity.counts.spec import parse_spec


def mlp(widths: list[int]) -> nn.Sequential:
    """The fully connected ReLU network with these layer widths."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def convs(kernels: list[int]) -> nn.Sequential:
    """One-channel convolutions without bias, stacked."""
    return nn.Sequential(*[nn.Conv2d(1, 1, k, bias=False) for k in kernels])


def gradient_field(module: nn.Module, size: int = 11) -> tuple[int, int]:
    """Height and width of the input window that the centre output reads, from its gradient."""
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand_like(p) + 0.5)   # positive weights: no cancellation hides a read
    y = module.double()(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows, cols = x.grad[0, 0].nonzero(as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def claims() -> dict:
    """Every count, from the spec, from the module and from torch."""
    out = {}
    for widths in ([3, 4, 4, 1], [3, 4, 2]):
        spec = parse_spec("mlp " + ",".join(map(str, widths)))
        module = mlp(widths)
        out[f"mlp {widths}"] = {
            "weights per layer": [layer.weights for layer in spec.layers],
            "parameters (spec)": sum(layer.weights + layer.biases for layer in spec.layers),
            "parameters (module)": count_module(module).parameters,
            "parameters (torch)": sum(p.numel() for p in module.parameters()),
        }
    for kernels in ([5], [3, 3]):
        module = convs(kernels)
        field = module_receptive_fields(module, (1, 11, 11))[-1].field.size
        out[f"conv {'+'.join(f'{k}x{k}' for k in kernels)}"] = {
            "parameters (spec)": sum(layer.weights for layer in parse_spec(
                "conv " + ",".join(f"{k}x{k}" for k in kernels)).layers),
            "parameters (module)": count_module(module).parameters,
            "parameters (torch)": sum(p.numel() for p in module.parameters()),
            "receptive field (toolkit)": list(field),
            "receptive field (gradient)": list(gradient_field(module)),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--smoke", action="store_true", help="the same run (it is already seconds)")
    args = parser.parse_args()
    result = claims()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, counts in result.items():
        print(name)
        for key, value in counts.items():
            print(f"  {key:28s} {value}")


if __name__ == "__main__":
    main()
