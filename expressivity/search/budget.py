"""What a width search will cost, estimated before any work: training memory and time, and size checks.

The engine (:mod:`expressivity.search.engine`) trains models in chunks; this
module predicts, from the sizes alone, how many chunks it will use, how much
memory the largest one needs and how long training takes
(:func:`training_cost`), and refuses searches that cannot fit this machine or
finish within :data:`MAX_SEARCH_SECONDS` (:func:`check_search_size`, raising
:class:`SearchTooLarge`).

Where the constants come from
-----------------------------
BYTES_PER_ELEMENT, BYTES_PER_PARAMETER, SECONDS_PER_MODEL, ELEMENT_STEPS_PER_SECOND, STEP_OVERHEAD
    The CPU figures were measured on the project's 2-core x86_64 VM (torch
    2.13 CPU, two threads, other jobs running) and rounded to the cautious
    side; the GPU figures are not measured but derived from memory bandwidth
    (~3 TB/s, about 100 bytes moved per value and step) and kernel-launch
    latency (~8 us).  The comment above them gives the measured ranges.
MAX_SEARCH_SECONDS
    A policy, not a measurement: one week is the longest search accepted.
PIECE_BYTES
    A policy: at most 256 MiB of trained models are held at once (the search
    trains each n in pieces); it changes no result.
BYTES_PER_HELD_MODEL
    Measured: a trained model held until its width is re-checked took
    2.1-2.2 kB at width 1 and 9.6 kB at width 64 for n = 6 (with the 32 bytes
    per padded unit and input bit of :func:`held_model_bytes`).
BYTES_PER_FIT
    An upper bound on one verified fit in a record (its index and steps, in
    memory and in the JSON line).

The chunking limit ``MAX_ELEMENTS`` and the padding rule are the engine's
own and are imported from :mod:`expressivity.search.engine`.  All figures are
estimates, good to a factor of two or three; what matters is that sizes which
cannot fit or finish are seen before any work.
"""
from __future__ import annotations

from expressivity.errors import InputError

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import torch

from expressivity.results.tables import span_text
from expressivity.search.engine import (
    MAX_ELEMENTS, MIN_SLOTS, PAD_UP_TO_BITS, TrainConfig, next_power_of_two, resolve_device, slot_shape,
)
from expressivity.search.models import check_shape, parameter_count

#: Longest search accepted, as estimated before it starts (every model running every step):
#: a week.  Longer requests are refused, not started; see :func:`check_search_size`.
MAX_SEARCH_SECONDS = 7 * 24 * 3600
#: Trained models held at once are kept under this (the search trains each n in pieces).
PIECE_BYTES = 1 << 28
#: A model held after training (object, arrays, read-out copies): this plus 32 bytes per
#: padded unit and input bit; measured 2.1-2.2 kB for width 1, 9.6 kB for width 64 at n = 6.
BYTES_PER_HELD_MODEL = 2560
#: A verified fit in a record (its index and steps, in memory and in the JSON line): at most.
BYTES_PER_FIT = 128

# -- what a batch will cost, before it starts ----------------------------------
#
# Measured on the project's 2-core x86_64 VM (torch 2.13 CPU): a chunk of activation values
# (slots x units x inputs) peaks at 35-40 bytes each in float32 and about 72 in float64
# (activations kept for the backward pass, masks, products, moments); the parameter vectors add
# about 80 bytes per parameter; one model costs 80-140 us of set-up and read-out (its generator,
# its initial weights, its TrainedModel).  A step goes through 1.5-1.8e8 activation values a
# second per thread in cache-sized chunks at n = 9..12 (benchmarks/bench_search.py), taken here
# as 5e7 to be cautious; each chunk-step costs 0.3-0.8 ms of fixed overhead at small n (about
# 40 tensor operations).  The GPU figures are not measured: about 100 bytes moved per value and
# step at ~3 TB/s, and ~8 us per kernel launch.
BYTES_PER_ELEMENT = {"float32": 40, "float64": 72}
BYTES_PER_PARAMETER = 80
SECONDS_PER_MODEL = 1e-4
ELEMENT_STEPS_PER_SECOND = {"cpu": 5e7, "cuda": 3e10}  # cpu: per thread
STEP_OVERHEAD = {"cpu": (8e-4, 2e-4), "cuda": (3e-4, 1e-4)}  # seconds per chunk-step: a + b * hidden layers
#: Widths listed one by one in a cost estimate; a longer range is estimated in closed form.
LISTED_WIDTHS = 1 << 16


@dataclass(frozen=True)
class TrainingCost:
    """What :func:`~expressivity.search.engine.train_models` will need, from the sizes alone (no tensor is made).

    Attributes
    ----------
    elements : int
        Activation values per step (``2^n`` times the slot units), summed over the models.
    largest_chunk : int
        Values in the largest chunk (at least one whole model, whatever the budget).
    chunk_bytes : int
        Peak memory of training that chunk, on its device.
    chunks : int
        Chunks the models are trained in.
    seconds : float
        Training time if every model runs every step (models that fit stop early).
    """

    elements: int
    largest_chunk: int
    chunk_bytes: int
    chunks: int
    seconds: float


def slot_counts(n: int, widths, seeds: int, depth: int = 1) -> dict[tuple, int]:
    """Models per slot shape (:func:`~expressivity.search.engine.slot_shape`) for ``seeds`` models of each width.

    Every hidden layer has the width.  Up to ``PAD_UP_TO_BITS`` a huge ``range`` of
    widths is counted, never listed (slot widths are powers of two).

    Examples
    --------
    >>> slot_counts(3, range(1, 10), 2)
    {(8,): 16, (16,): 2}
    >>> slot_counts(8, [3, 5], 4, depth=2)
    {(3, 3): 4, (5, 5): 4}
    """
    counts: dict[tuple, int] = {}
    if isinstance(widths, range) and widths.step == 1 and n <= PAD_UP_TO_BITS:
        low, high = widths.start, widths.stop - 1
        while low <= high:
            slot = max(8, next_power_of_two(low))
            top = min(high, slot)
            counts[(slot,) * depth] = counts.get((slot,) * depth, 0) + (top - low + 1) * seeds
            low = top + 1
        return counts
    for width in widths:
        key = slot_shape(n, (int(width),) * depth)
        counts[key] = counts.get(key, 0) + seeds
    return counts


def training_cost(
    n: int, slots: dict[tuple, int], steps: int, dtype: str = "float32", device: str = "cpu",
    *, max_elements: int | None = None, threads: int | None = None,
) -> TrainingCost:
    """Memory and time of training ``slots`` (models per slot shape, :func:`slot_counts`) on ``n`` bits.

    Chunks are counted as :func:`~expressivity.search.engine.chunk_slots` makes them.
    The figures come from the measured constants above (``cpu``: scaled by the
    torch threads).  They are estimates, good to a factor of two or three; what
    matters is that sizes which cannot fit or finish are seen before any work.

    Examples
    --------
    >>> cost = training_cost(3, slot_counts(3, range(1, 9), 64), 1000)
    >>> cost.elements, cost.chunks, cost.largest_chunk  # one chunk, every model padded to 8 units
    (32768, 1, 32768)
    >>> training_cost(3, {(1 << 30,): 1}, 1).chunk_bytes > 300 * 10**9  # one model of width 2^30
    True
    """
    if dtype not in BYTES_PER_ELEMENT:
        raise ValueError(f"dtype must be one of {', '.join(BYTES_PER_ELEMENT)}; got {dtype!r}")
    kind = "cuda" if device == "cuda" else "cpu"
    budget = max_elements or MAX_ELEMENTS[kind]
    rate = ELEMENT_STEPS_PER_SECOND[kind] * (max(1, threads or torch.get_num_threads()) if kind == "cpu" else 1)
    fixed, per_layer = STEP_OVERHEAD[kind]
    inputs = 1 << n
    elements = chunks = largest = 0
    overhead = 0.0
    parameters = 0
    for shape, count in slots.items():
        per_model = inputs * sum(shape)
        most = max(1, budget // per_model)
        group_chunks = -(-count // most)
        per_chunk = -(-count // group_chunks)
        elements += per_model * count
        chunks += group_chunks
        overhead += group_chunks * (fixed + per_layer * len(shape))
        if per_model * max(per_chunk, MIN_SLOTS) > largest:
            largest = per_model * max(per_chunk, MIN_SLOTS)
            parameters = max(per_chunk, MIN_SLOTS) * parameter_count(n, shape)
    seconds = sum(slots.values()) * SECONDS_PER_MODEL + steps * (overhead + elements / rate)
    chunk_bytes = largest * BYTES_PER_ELEMENT[dtype] + parameters * BYTES_PER_PARAMETER
    return TrainingCost(elements, largest, chunk_bytes, chunks, seconds)


def _range_cost(n, widths: range, seeds, depth, config, kind, max_elements) -> TrainingCost:
    """A cautious closed form for a range too long to list (beyond ``PAD_UP_TO_BITS``): no chunk shares widths."""
    budget = max_elements or MAX_ELEMENTS[kind]
    inputs = 1 << n
    low, high = widths.start, widths.stop - 1
    total_width = (low + high) * len(widths) // 2
    elements = seeds * inputs * depth * total_width
    chunks = len(widths) + elements // budget  # at most one partial chunk per width
    fixed, per_layer = STEP_OVERHEAD[kind]
    rate = ELEMENT_STEPS_PER_SECOND[kind] * (torch.get_num_threads() if kind == "cpu" else 1)
    seconds = seeds * len(widths) * SECONDS_PER_MODEL + config.steps * (
        chunks * (fixed + per_layer * depth) + elements / rate)
    one = training_cost(n, {(high,) * depth: 1}, 1, config.dtype, kind, max_elements=max_elements)
    largest = max(one.largest_chunk, min(elements, budget))
    return TrainingCost(elements, largest, max(one.chunk_bytes, largest * BYTES_PER_ELEMENT[config.dtype]),
                        chunks, seconds)


# -- size checks for a whole search ------------------------------------------


class SearchTooLarge(InputError):
    """A search that cannot fit this machine's memory or finish in :data:`MAX_SEARCH_SECONDS`.

    ``option`` names the command-line option to change (``"--widths"``, ``"--seeds"``...).
    """

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def memory_budget(device: str | torch.device = "cpu") -> tuple[int, int | None]:
    """Bytes a search may use: half of this machine's memory, and 90% of the GPU's (``None`` on CPU).

    The machine's memory is the smaller of its physical memory and its cgroup limit.
    """
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        physical = 8 << 30
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            physical = min(physical, int(Path(limit_file).read_text().strip()))
        except (OSError, ValueError):
            pass
    gpu = None
    device = resolve_device(device) if isinstance(device, str) else device
    if device.type == "cuda":
        gpu = int(0.9 * torch.cuda.get_device_properties(device).total_memory)
    return physical // 2, gpu


def _bytes(value: float) -> str:
    """``1.5 GB``, ``310 GB``, ``20 TB``: a size for an error message."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value / 1e3:.3g} kB"


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:,.0f} days"
    return f"{seconds / 3600:,.1f} hours" if seconds >= 3600 else f"{seconds / 60:,.0f} minutes"


def _values(values) -> str:
    values = values if isinstance(values, range) else sorted(set(values))
    if isinstance(values, range) and len(values) > 1 and values.step == 1:
        return f"{values.start}..{values.stop - 1}"
    return span_text(list(values)) if len(values) < 10 else f"{values[0]}..{values[-1]} ({len(values)} values)"


def check_search_size(
    bits: Iterable[int], widths, seeds: int, config: TrainConfig = TrainConfig(), *,
    depth: int = 1, shape=None, device: str | torch.device = "cpu", max_elements: int | None = None,
) -> float:
    """Refuse, before any work, a search that cannot fit in memory or finish within a week.

    The search trains ``seeds`` networks of each width in ``widths`` with
    ``depth`` hidden layers of that width, or, with ``shape``, of those hidden
    widths only.  ``widths`` may be a huge ``range`` (it is counted, never
    listed).  Memory: the largest chunk the engine trains (at least one whole
    model) must fit the device's budget (:func:`memory_budget`), and the host must
    also hold one piece of trained models (:data:`PIECE_BYTES`) and the records of
    one n, every model a fit at worst.  Time: every model running every step, at
    the rates measured in this module, at most :data:`MAX_SEARCH_SECONDS`.  The
    re-check of fits (about 1.5 ms each) is not counted.  Returns the estimated
    seconds; raises :class:`SearchTooLarge` naming the option to change.

    Examples
    --------
    >>> 0 < check_search_size([3], range(1, 5), 64, TrainConfig(steps=1000)) < 60  # seconds
    True
    >>> check_search_size([3], range(10**9, 10**9 + 1), 1, TrainConfig(steps=1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expressivity.search.budget.SearchTooLarge: --widths 1000000000: one network of hidden widths 1000000000 (padded to 1073741824 at this n) at n = 3 needs about 1.55 TB to train, more than the ... budget (half of this machine's memory)
    """
    device = resolve_device(device) if isinstance(device, str) else device
    host, gpu = memory_budget(device)
    bits = sorted(set(bits))
    if shape is not None:
        shape = check_shape(shape)
        widths, depth, option = [max(shape)], len(shape), "--shape"
    else:
        option = "--widths"
    count = 1 if shape is not None else len(widths)
    widest = widths[-1] if isinstance(widths, range) and widths.step == 1 else max(widths)
    what = _values(widths) if shape is None else ",".join(map(str, shape))
    budget_text = f"{_bytes(gpu)} budget (90% of the GPU's memory)" if gpu else \
        f"{_bytes(host)} budget (half of this machine's memory)"
    seconds = 0.0
    for n in bits:
        real = shape if shape is not None else (widest,) * depth
        biggest = slot_shape(n, real)
        one = training_cost(n, {biggest: 1}, config.steps, config.dtype, device.type, max_elements=max_elements)
        if one.chunk_bytes > (gpu or host):
            padded = f" (padded to {','.join(map(str, biggest))} at this n)" if biggest != real else ""
            raise SearchTooLarge(option, (
                f"{option} {what}: one network of hidden widths {','.join(map(str, real))}{padded} at n = {n} "
                f"needs about {_bytes(one.chunk_bytes)} to train, more than the {budget_text}"))
        if shape is not None:
            cost = training_cost(n, {biggest: seeds}, config.steps, config.dtype, device.type,
                                 max_elements=max_elements)
        elif isinstance(widths, range) and len(widths) > LISTED_WIDTHS and n > PAD_UP_TO_BITS:
            cost = _range_cost(n, widths, seeds, depth, config, device.type, max_elements)
        else:
            cost = training_cost(n, slot_counts(n, widths, seeds, depth), config.steps, config.dtype, device.type,
                                 max_elements=max_elements)
        if cost.chunk_bytes > (gpu or host):
            raise SearchTooLarge(option, (
                f"{option} {what}: a chunk of {cost.largest_chunk} activation values at n = {n} "
                f"needs about {_bytes(cost.chunk_bytes)}, more than the {budget_text}"))
        held = max(PIECE_BYTES, held_model_bytes(n, biggest))
        records = seeds * count * BYTES_PER_FIT
        need = held + records + (0 if gpu else cost.chunk_bytes)
        if need > host:
            which = "--seeds" if records >= held else option
            raise SearchTooLarge(which, (
                f"{which} {seeds if which == '--seeds' else what}: the records of n = {n} could hold "
                f"{seeds * count:,} fits ({seeds:,} seeds x {count:,} shapes), about {_bytes(need)} in memory with "
                f"the networks in training, more than the {_bytes(host)} budget (half of this machine's memory)"))
        seconds += cost.seconds
    if seconds > MAX_SEARCH_SECONDS:
        threads = f", {torch.get_num_threads()} threads" if device.type == "cpu" else ""
        raise SearchTooLarge("--seeds", (
            f"--seeds {seeds:,} x {option} {what} x --steps {config.steps:,} at --bits {_values(bits)} "
            f"would take about {_duration(seconds)} on this machine ({device.type}{threads}, at the engine's "
            f"measured rates, every model running every step); at most {MAX_SEARCH_SECONDS // 86400} days are "
            f"accepted: lower --seeds, --steps, {option} or --bits"))
    return seconds


def held_model_bytes(n: int, shape) -> int:
    """Host memory of one trained model held until it is re-checked (see :data:`BYTES_PER_HELD_MODEL`)."""
    return BYTES_PER_HELD_MODEL + 16 * parameter_count(n, slot_shape(n, shape))
