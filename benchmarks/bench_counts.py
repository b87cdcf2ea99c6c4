"""Counting a ResNet-50: parameters and receptive fields (traced, never run on data), next to one forward pass.

Run by hand: ``python benchmarks/bench_counts.py [--repeats 5] [--threads 1]`` (``--smoke``: one
repeat of a ResNet with one block per stage on a 3x64x64 input, seconds).

torchvision is not a dependency, so the ResNet-50 (He et al. 2016, the v1.5
layout torchvision uses: stride on the 3x3 convolution) is defined here; it
has torchvision's 25,557,032 parameters.  Prints the best of ``--repeats``
runs of each step.  The receptive fields are timed twice: as
``module_receptive_fields`` runs by default (first a shape check, one run of
the module on a meta or fake tensor, no data) and with ``check_shape=False``
(the torch.fx trace and the rules alone).
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from expressivity.counts.modules import count_module
from expressivity.counts.receptive import module_receptive_fields


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet50(nn.Module):
    def __init__(self, classes: int = 1000, blocks=(3, 4, 6, 3)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = 64
        self.layer1 = self._stage(64, blocks[0], 1)
        self.layer2 = self._stage(128, blocks[1], 2)
        self.layer3 = self._stage(256, blocks[2], 2)
        self.layer4 = self._stage(512, blocks[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, classes)

    def _stage(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def best_of(repeats: int, step) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="one repeat, one block per stage, a 3x64x64 input (seconds)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = (ResNet50(blocks=(1, 1, 1, 1)) if args.smoke else ResNet50()).eval()
    shape = (3, 64, 64) if args.smoke else (3, 224, 224)
    args.repeats = 1 if args.smoke else args.repeats

    count_s, count = best_of(args.repeats, lambda: count_module(model))
    field_s, layers = best_of(args.repeats, lambda: module_receptive_fields(model, shape))
    trace_s, traced = best_of(args.repeats, lambda: module_receptive_fields(model, shape, check_shape=False))
    assert [layer.field for layer in traced] == [layer.field for layer in layers]  # the check changes no field
    both_s, _ = best_of(args.repeats, lambda: (count_module(model), module_receptive_fields(model, shape)))
    with torch.no_grad():
        forward_s, out = best_of(args.repeats, lambda: model(torch.randn(1, *shape)))
    torch_numel = sum(p.numel() for p in model.parameters())

    last_spatial = [layer for layer in layers if not layer.field.whole][-1]
    print(f"{'ResNet, one block per stage (--smoke)' if args.smoke else 'ResNet-50'} (defined in this file), input 1x{'x'.join(map(str, shape))}, {args.threads} thread(s), best of {args.repeats}")
    print(f"  parameters             {count.parameters:,} (torch numel {torch_numel:,}), buffers {count.buffers:,}")
    print(f"  graph nodes with field {len(layers)}; last spatial node {last_spatial.name}: "
          f"field {last_spatial.field.text()}, stride {last_spatial.field.stride[0]}, padding {last_spatial.field.padding[0]}")
    print(f"  count_module           {count_s * 1e3:8.1f} ms")
    print(f"  receptive fields       {field_s * 1e3:8.1f} ms  (default: shape check on a meta/fake tensor, "
          "then torch.fx trace + rules; no data)")
    print(f"    without the check    {trace_s * 1e3:8.1f} ms  (check_shape=False: torch.fx trace + rules only)")
    print(f"  both                   {both_s * 1e3:8.1f} ms  ({'within' if both_s <= 1.0 else 'OVER'} the 1 s budget)")
    print(f"  one forward pass       {forward_s * 1e3:8.1f} ms  (batch 1, output {tuple(out.shape)})")


if __name__ == "__main__":
    main()
