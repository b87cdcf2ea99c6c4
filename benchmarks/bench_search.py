"""Benchmark: the batched search engine against the code a user would write, same run, same weights.

Default mode (CPU): for each n, all ``--seeds`` models of every width (``--depth``
hidden layers of that width) on ``--function``, with the same initial weights
(``init_parameters``) and the same early stop (a model stops at the first step
where it classifies every input), trained by

* the engine: :func:`expressivity.search.engine.train_models`, all at once;
* the stacked-autograd baseline: all models of one shape stacked as
  ``(models, fan_out, fan_in)``, ``einsum``/``bmm``, autograd, one
  ``torch.optim.Adam`` over the stacked tensors, a done mask (what an expert
  writes in 30 lines, :func:`stacked_autograd`);
* the naive loop (n <= ``--naive-up-to``): one ``nn.Sequential`` at a time with
  its own Adam (:func:`naive_trial`), on ``--naive-seeds`` seeds of every width
  spread evenly over all the seeds (:func:`naive_sample`; all of them when
  ``--naive-seeds`` >= ``--seeds``), so that its trials stop after as many
  steps as the engine's do on average.

Timing: the engine and the stacked baseline each run once untimed on every
model for a few steps (allocations, chunk shapes, lazy initialisation), then
``--repeats`` times in full (once a run takes 10 s, no more); the best time counts.  The naive loop runs one
untimed trial, then every sampled trial once (its time is a sum over many
trials).  Prints one markdown row per n: times, the ratios engine/stacked and
engine/naive (trials per second), how many models ended with the same outcome
and step in the engine and the stacked baseline, and the engine's achieved
GFLOP/s (the nominal matmul FLOPs of the steps actually run,
``flops_per_step``) as a fraction of this machine's peak, taken as the rate of
a large float32 matrix product measured in the same run.

The engine/naive ratio at n <= 5 is measured with the naive loop on every seed
(``--naive-seeds 128``, the first two commands below: a minute or two per n and
depth on one core); the default, 32 seeds per width, is a quicker estimate.

``--gpu-table``: the n = 2..16 search with >= 1024 seeds per width on a GPU,
timed per n, with the achieved FLOP rate as a fraction of the GPU's fp32 peak;
writes a markdown table.

    python benchmarks/bench_search.py --bits 3..5 --seeds 128 --steps 200 --threads 1 --naive-seeds 128
    python benchmarks/bench_search.py --bits 3..5 --seeds 128 --steps 200 --threads 1 --naive-seeds 128 --depth 2
    python benchmarks/bench_search.py --bits 3..14 --widths 4..7 --seeds 128 --steps 200 --threads 1
    python benchmarks/bench_search.py --bits 3..12 --widths 4..7 --seeds 128 --steps 200 --threads 1 --depth 2
    python benchmarks/bench_search.py --gpu-table --bits 2..16 --seeds 1024 --out table.md
    python benchmarks/bench_search.py --smoke      # n = 3, widths 2..3, 4 seeds, 20 steps: seconds
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

from expressivity.functions import parse_function
from expressivity.results.atomic import write_text_atomic
from expressivity.search.engine import (
    ModelSpec, TrainConfig, flops_per_step, function_target, init_parameters, target_signs, train_models,
)
from expressivity.verify.exhaustive import input_bits

#: fp32 (non-tensor-core) peak in TFLOP/s by device name fragment; override with --peak-tflops.
FP32_PEAK_TFLOPS = {"H100 PCIe": 51.2, "H100": 66.9, "H200": 66.9, "A100": 19.5, "L40S": 91.6, "A10": 31.2}


def parse_span(text: str) -> list[int]:
    low, _, high = text.partition("..")
    return list(range(int(low), int(high or low) + 1))


def reference_data(target, config: TrainConfig):
    """Inputs ``(2^n, n)`` in the configured encoding and targets ``+-1``, as a user would build them."""
    n, table = function_target(target)
    x = torch.tensor(input_bits(n, 0, 1 << n), dtype=torch.float32)
    x = 2 * x - 1 if config.encoding == "pm1" else x
    return n, x, torch.tensor(target_signs(table), dtype=torch.float32)


def loss_of(config: TrainConfig, margin: torch.Tensor) -> torch.Tensor:
    """The configured loss per model, averaged over the inputs (the last axis)."""
    if config.loss == "logistic":
        return nn.functional.softplus(-margin).mean(-1)
    if config.loss == "hinge":
        return torch.relu(1 - margin).mean(-1)
    return (0.5 * (1 - margin) ** 2).mean(-1)


def naive_trial(target, shape, index: int, config: TrainConfig, seed: int) -> tuple[bool, int]:
    """One model the ordinary way (``nn.Sequential``, its own ``torch.optim.Adam``); returns (fitted, steps)."""
    n, x, y = reference_data(target, config)
    p = init_parameters(n, shape, index, seed=seed, init=config.init)
    sizes = [n, *shape, 1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    with torch.no_grad():
        for layer, w, b in zip(net[::2], p["weights"], p["biases"]):
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    for step in range(config.steps + 1):
        margin = net(x)[:, 0] * y
        if bool((margin > 0).all()):
            return True, step
        if step == config.steps:
            break
        optimiser.zero_grad()
        loss_of(config, margin).backward()
        optimiser.step()
    return False, config.steps


def stacked_autograd(target, shape, indices, config: TrainConfig, seed: int) -> list[tuple[bool, int]]:
    """The strongest baseline a user would write in 30 lines: all models of one shape stacked.

    Weights stacked as ``(models, fan_out, fan_in)``, the forward pass as
    ``einsum``/``bmm``, autograd, one ``torch.optim.Adam`` over the stacked
    tensors, and a done mask: a model's loss stops counting once it classifies
    every input, and the loop ends when every model is done.
    """
    n, x, y = reference_data(target, config)
    params = [init_parameters(n, shape, i, seed=seed, init=config.init) for i in indices]
    weights = [torch.tensor(np.stack([p["weights"][l] for p in params]), dtype=torch.float32).requires_grad_()
               for l in range(len(shape) + 1)]
    biases = [torch.tensor(np.stack([p["biases"][l] for p in params]), dtype=torch.float32).requires_grad_()
              for l in range(len(shape) + 1)]
    optimiser = torch.optim.Adam(weights + biases, lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    models = len(indices)
    active = torch.ones(models, dtype=torch.bool)
    fit_step = torch.full((models,), -1)
    for step in range(config.steps + 1):
        h = torch.relu(torch.einsum("pi,moi->mpo", x, weights[0]) + biases[0][:, None, :])
        for w, b in zip(weights[1:-1], biases[1:-1]):
            h = torch.relu(torch.bmm(h, w.transpose(1, 2)) + b[:, None, :])
        out = torch.bmm(h, weights[-1].transpose(1, 2))[..., 0] + biases[-1]
        margin = out * y
        correct = (margin > 0).all(1)
        fit_step = torch.where(active & correct, step, fit_step)
        active = active & ~correct
        if not bool(active.any()) or step == config.steps:
            break
        loss = (loss_of(config, margin) * active).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return [(bool(s >= 0), int(s) if s >= 0 else config.steps) for s in fit_step.tolist()]


def cpu_peak_gflops(threads: int, size: int = 2048) -> float:
    """The rate of a large float32 matrix product on this machine (what "peak" means in the CPU table)."""
    a = torch.randn(size, size)
    torch.mm(a, a)
    started = time.perf_counter()
    for _ in range(5):
        torch.mm(a, a)
    return 5 * 2 * size**3 / (time.perf_counter() - started) / 1e9


def naive_sample(seeds: int, count: int) -> list[int]:
    """``count`` seed indices spread evenly over ``0 .. seeds - 1``, both ends included (all when ``count >= seeds``).

    >>> naive_sample(128, 4), naive_sample(3, 8), naive_sample(128, 1)
    ([0, 42, 85, 127], [0, 1, 2], [0])
    """
    if count >= seeds:
        return list(range(seeds))
    if count <= 1:
        return [0]
    return sorted({round(i * (seeds - 1) / (count - 1)) for i in range(count)})


def best_time(repeats: int, run, enough: float = 10.0):
    """The best wall time of up to ``repeats`` calls of ``run()``, and the last call's result.

    At least one call; no more once a call has taken ``enough`` seconds (a long run
    after the warm-up gains nothing from repeating, and a large n would take hours).
    """
    best = float("inf")
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
        if best >= enough:
            break
    return best, result


def cpu_comparison(args, config: TrainConfig) -> list[dict]:
    """Per n: engine, stacked-autograd baseline and (on a sample of seeds) the naive loop, same weights and stop."""
    rows = []
    peak = cpu_peak_gflops(args.threads, 256 if args.smoke else 2048)
    short = TrainConfig(**{**config.to_dict(), "steps": min(3, config.steps)})
    print(f"# float32 matmul peak on this machine ({args.threads} threads): {peak:.1f} GFLOP/s", flush=True)
    print(f"# engine and stacked: best of {max(1, args.repeats)} runs (no more once one takes 10 s) after a "
          f"warm-up; naive: {args.naive_seeds} seeds per width spread over 0..{args.seeds - 1}, after a warm-up trial",
          flush=True)
    print("| n | depth | trials | engine s | stacked s | engine / stacked | naive trials | engine / naive | "
          "same outcome (stacked) | engine GFLOP/s | fraction of peak |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in parse_span(args.bits):
        target = parse_function(args.function, n)
        widths = parse_span(args.widths)
        shapes = [tuple([w] * args.depth) for w in widths]
        specs = [ModelSpec(s, i) for s in shapes for i in range(args.seeds)]

        def engine_run(settings):
            return train_models(target, specs, settings, seed=args.seed, device="cpu")

        def stacked_run(settings):
            return {(shape, i): outcome for shape in shapes for i, outcome
                    in enumerate(stacked_autograd(target, shape, range(args.seeds), settings, args.seed))}

        engine_run(short)  # warm-up: every chunk, a few steps
        engine_seconds, trained = best_time(args.repeats, lambda: engine_run(config))
        stacked_run(short)
        stacked_seconds, stacked = best_time(args.repeats, lambda: stacked_run(config))
        same = sum((m.fitted, m.steps) == stacked[(m.shape, m.index)] for m in trained)
        naive_ratio, naive_trials = "-", 0
        if n <= args.naive_up_to:
            sample = naive_sample(args.seeds, args.naive_seeds)
            naive_trial(target, shapes[0], sample[0], config, args.seed)  # warm-up
            started = time.perf_counter()
            for shape in shapes:
                for i in sample:
                    naive_trial(target, shape, i, config, args.seed)
            naive_seconds = time.perf_counter() - started
            naive_trials = len(sample) * len(shapes)
            naive_ratio = f"{(len(specs) / engine_seconds) / (naive_trials / naive_seconds):,.0f}x"
        flops = sum(flops_per_step(n, [m.shape]) * max(m.steps, 1) for m in trained)
        rate = flops / engine_seconds / 1e9
        row = {"n": n, "depth": args.depth, "trials": len(specs), "engine_seconds": engine_seconds,
               "stacked_seconds": stacked_seconds, "ratio": stacked_seconds / engine_seconds,
               "naive_ratio": naive_ratio, "same": f"{same}/{len(specs)}", "gflops": rate, "peak": peak}
        rows.append(row)
        print(f"| {n} | {args.depth} | {len(specs)} | {engine_seconds:.3f} | {stacked_seconds:.3f} | "
              f"{row['ratio']:.2f}x | {naive_trials or '-'} | {naive_ratio} | {row['same']} | {rate:.2f} | "
              f"{rate / peak:.3f} |", flush=True)
    return rows


def peak_tflops(args) -> float | None:
    if args.peak_tflops:
        return args.peak_tflops
    if not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name()
    for fragment, value in FP32_PEAK_TFLOPS.items():
        if fragment in name:
            return value
    return None


def gpu_table(args, config: TrainConfig) -> str:
    device = args.device
    bits = parse_span(args.bits)
    peak = peak_tflops(args)
    lines = [
        f"device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}; torch {torch.__version__}; "
        f"{args.seeds} seeds per width; function {args.function}, depth {args.depth}; {config.key()}",
        "",
        "| n | widths | trials | min width found (training fit) | seconds | trials/s | model-steps run | GFLOP/s | fraction of fp32 peak |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for n in bits:
        widths = parse_span(args.widths) if args.widths else list(range(1, n + 1))
        specs = [ModelSpec(tuple([w] * args.depth), i) for w in widths for i in range(args.seeds)]
        target = parse_function(args.function, n)
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        trained = train_models(target, specs, config, seed=args.seed, device=device)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
        total += seconds
        # useful work: each model's own steps (a model stops when it fits)
        flops = sum(flops_per_step(n, [m.shape]) * max(m.steps, 1) for m in trained)
        steps_run = sum(m.steps for m in trained)
        fitted = sorted({m.width for m in trained if m.fitted})
        rate = flops / seconds / 1e9
        fraction = f"{rate / (peak * 1e3):.4f}" if peak else "n/a"
        lines.append(
            f"| {n} | {widths[0]}..{widths[-1]} | {len(specs)} | {fitted[0] if fitted else 'none'} | {seconds:.1f} | "
            f"{len(specs) / seconds:,.0f} | {steps_run:,} | {rate:,.1f} | {fraction} |"
        )
        print(lines[-1], file=sys.stderr)
        if args.out:  # after every n, so a run cut short by a time limit keeps its finished rows
            write_text_atomic(args.out, "\n".join(lines + ["", f"(partial: up to n = {n})"]) + "\n")
    lines += ["", f"total: {total:.1f} s for n = {bits[0]}..{bits[-1]}" + (f"; fp32 peak taken as {peak} TFLOP/s" if peak else "")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="3..10")
    parser.add_argument("--widths", default=None, help="A..B (default: 4..7 on CPU, 1..n in --gpu-table)")
    parser.add_argument("--depth", type=int, default=1, help="hidden layers, each of the width")
    parser.add_argument("--function", default="parity", help="a function spec (expressivity's grammar)")
    parser.add_argument("--seeds", type=int, default=128)
    parser.add_argument("--naive-seeds", type=int, default=32,
                        help="seeds per width for the (slow) naive loop, spread evenly over all seeds (all: --seeds)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the engine and the stacked baseline")
    parser.add_argument("--naive-up-to", type=int, default=5, help="largest n at which the naive loop runs")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--loss", default="logistic")
    parser.add_argument("--init", default="uniform")
    parser.add_argument("--encoding", default="pm1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gpu-table", action="store_true")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--out", default=None, help="markdown file for --gpu-table")
    parser.add_argument("--smoke", action="store_true", help="n = 3, widths 2..3, 4 seeds, 20 steps, CPU (seconds)")
    args = parser.parse_args()
    if args.smoke:
        args.bits, args.widths, args.seeds, args.steps, args.repeats, args.naive_seeds = "3", "2..3", 4, 20, 1, 2
        args.gpu_table, args.device, args.out = False, "cpu", None
    torch.set_num_threads(args.threads)
    config = TrainConfig(loss=args.loss, init=args.init, encoding=args.encoding, steps=args.steps, lr=args.lr)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} threads; "
          f"function {args.function}, depth {args.depth}, {args.seeds} seeds per width; {config.key()}", flush=True)
    if args.gpu_table:
        table = gpu_table(args, config)
        print(table)
        if args.out:
            write_text_atomic(args.out, table + "\n")
        return
    args.widths = args.widths or "4..7"
    cpu_comparison(args, config)


if __name__ == "__main__":
    main()
