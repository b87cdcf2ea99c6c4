"""Benchmark: the batched width-search engine against the loop a user would write.

Default mode (CPU, minutes): for the same n, widths, seeds and step budget,

* baseline: one ``nn.Sequential(Linear, ReLU, Linear)`` at a time, its own
  ``torch.optim.Adam``, full batch on all 2^n inputs, stopping when every input
  is classified correctly (checked every step, as a user would);
* engine: :func:`expressivity.search.engine.train_models`, all models at once.

Both start from the same initial weights (``init_parameters``).  Prints
trials per second for both and their ratio, measured in the same run.  The
baseline can run on the first ``--baseline-seeds`` seeds of each width only
(it is slow); its rate is per trial, so the ratio stays like for like.

``--gpu-table``: the n = 2..16 search with >= 1024 seeds per width on a GPU,
timed per n, with the achieved FLOP rate (nominal matmul FLOPs of the steps
actually run, see ``flops_per_step``) as a fraction of the GPU's fp32 peak;
writes a markdown table.

    python benchmarks/bench_search.py --bits 3..5 --widths 2..6 --seeds 64 --steps 1000
    python benchmarks/bench_search.py --gpu-table --bits 2..16 --seeds 1024 --out table.md
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import torch
from torch import nn

from expressivity.results.atomic import write_text_atomic
from expressivity.search.engine import ModelSpec, TrainConfig, init_parameters, parity_signs, train_models
from expressivity.verify.exhaustive import input_bits

#: fp32 (non-tensor-core) peak in TFLOP/s by device name fragment; override with --peak-tflops.
FP32_PEAK_TFLOPS = {"H100 PCIe": 51.2, "H100": 66.9, "H200": 66.9, "A100": 19.5, "L40S": 91.6, "A10": 31.2}


def parse_span(text: str) -> list[int]:
    low, _, high = text.partition("..")
    return list(range(int(low), int(high or low) + 1))


def baseline_trial(n: int, width: int, index: int, config: TrainConfig, seed: int) -> tuple[bool, int]:
    """One model the ordinary way; returns (fitted, steps)."""
    p = init_parameters(n, width, index, seed=seed, init=config.init)
    net = nn.Sequential(nn.Linear(n, width), nn.ReLU(), nn.Linear(width, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(p["hidden_weight"]))
        net[0].bias.copy_(torch.tensor(p["hidden_bias"]))
        net[2].weight.copy_(torch.tensor(p["output_weight"])[None])
        net[2].bias.copy_(torch.tensor(p["output_bias"]))
    x = torch.tensor(input_bits(n, 0, 1 << n), dtype=torch.float32)
    x = 2 * x - 1 if config.encoding == "pm1" else x
    y = torch.tensor(parity_signs(n), dtype=torch.float32)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    for step in range(config.steps + 1):
        margin = net(x)[:, 0] * y
        if bool((margin > 0).all()):
            return True, step
        if step == config.steps:
            break
        if config.loss == "logistic":
            loss = nn.functional.softplus(-margin).mean()
        elif config.loss == "hinge":
            loss = torch.relu(1 - margin).mean()
        else:
            loss = (0.5 * (1 - margin) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return False, config.steps


def cpu_comparison(args, config: TrainConfig) -> dict:
    bits, widths = parse_span(args.bits), parse_span(args.widths)
    baseline_seeds = min(args.baseline_seeds or args.seeds, args.seeds)
    engine_trials = baseline_trials = 0
    engine_seconds = baseline_seconds = 0.0
    engine_fits = baseline_fits = agree = compared = 0
    for n in bits:
        specs = [ModelSpec(w, i) for w in widths for i in range(args.seeds)]
        train_models(n, specs[:8], TrainConfig(**{**config.to_dict(), "steps": 5}), seed=args.seed)  # warm-up
        started = time.perf_counter()
        trained = train_models(n, specs, config, seed=args.seed, device="cpu")
        engine_seconds += time.perf_counter() - started
        engine_trials += len(specs)
        engine_fits += sum(m.fitted for m in trained)
        by_key = {(m.width, m.index): m for m in trained}
        started = time.perf_counter()
        for w in widths:
            for i in range(baseline_seeds):
                fitted, steps = baseline_trial(n, w, i, config, args.seed)
                baseline_fits += fitted
                compared += 1
                agree += fitted == by_key[(w, i)].fitted and (not fitted or steps == by_key[(w, i)].steps)
        baseline_seconds += time.perf_counter() - started
        baseline_trials += len(widths) * baseline_seeds
        print(f"  n={n}: engine {len(specs)} trials so far {engine_seconds:.2f}s, baseline {baseline_trials} trials "
              f"{baseline_seconds:.2f}s", file=sys.stderr)
    engine_rate = engine_trials / engine_seconds
    baseline_rate = baseline_trials / baseline_seconds
    return {
        "engine_trials": engine_trials, "engine_seconds": engine_seconds, "engine_trials_per_s": engine_rate,
        "baseline_trials": baseline_trials, "baseline_seconds": baseline_seconds, "baseline_trials_per_s": baseline_rate,
        "ratio": engine_rate / baseline_rate, "engine_fits": engine_fits, "baseline_fits": baseline_fits,
        "same_outcome": f"{agree}/{compared}",
    }


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
        f"{args.seeds} seeds per width; {config.key()}",
        "",
        "| n | widths | trials | min width found (training fit) | seconds | trials/s | model-steps run | GFLOP/s | fraction of fp32 peak |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for n in bits:
        widths = parse_span(args.widths) if args.widths else list(range(1, n + 1))
        specs = [ModelSpec(w, i) for w in widths for i in range(args.seeds)]
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        trained = train_models(n, specs, config, seed=args.seed, device=device)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
        total += seconds
        # useful work: each model's own steps (a model stops when it fits)
        flops = sum(6 * (1 << n) * (n + 1) * m.width * max(m.steps, 1) for m in trained)
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
    parser.add_argument("--bits", default="3..5")
    parser.add_argument("--widths", default=None, help="A..B (default: 2..6 on CPU, 1..n in --gpu-table)")
    parser.add_argument("--seeds", type=int, default=64)
    parser.add_argument("--baseline-seeds", type=int, default=None, help="seeds per width for the (slow) baseline")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--loss", default="logistic")
    parser.add_argument("--init", default="uniform")
    parser.add_argument("--encoding", default="pm1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gpu-table", action="store_true")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--out", default=None, help="markdown file for --gpu-table")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = TrainConfig(loss=args.loss, init=args.init, encoding=args.encoding, steps=args.steps, lr=args.lr)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} threads; "
          f"{config.key()}", flush=True)
    if args.gpu_table:
        table = gpu_table(args, config)
        print(table)
        if args.out:
            write_text_atomic(args.out, table + "\n")
        return
    args.widths = args.widths or "2..6"
    result = cpu_comparison(args, config)
    print(f"bits {args.bits}, widths {args.widths}, {args.seeds} seeds per width (baseline: "
          f"{min(args.baseline_seeds or args.seeds, args.seeds)}), {args.steps} steps")
    print(f"engine:   {result['engine_trials']} trials in {result['engine_seconds']:.2f} s = "
          f"{result['engine_trials_per_s']:,.1f} trials/s ({result['engine_fits']} fits)")
    print(f"baseline: {result['baseline_trials']} trials in {result['baseline_seconds']:.2f} s = "
          f"{result['baseline_trials_per_s']:,.2f} trials/s ({result['baseline_fits']} fits)")
    print(f"ratio: {result['ratio']:,.0f}x   (same fit outcome and steps on the compared trials: {result['same_outcome']})")


if __name__ == "__main__":
    main()
