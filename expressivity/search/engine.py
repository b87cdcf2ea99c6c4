"""Many ReLU networks of any depth trained at once on any Boolean function, as one tensor program.

Every model (hidden widths ``shape``, see :mod:`expressivity.search.models`) is
trained full batch, on all ``2^n`` inputs, with its own Adam state, until it
classifies every input correctly (``y * out > 0``, with ``y = +1`` where
``f = 1``) or the step budget ends.  Models of the same shape are stacked along a
leading *slot* axis and trained by a fixed sequence of whole-tensor operations
per step: batched matrix products (``bmm``) for every layer, forward and
backward, and elementwise operations; no Python loop over models.

The step program itself, how it is laid out and why each model's arithmetic
does not depend on its batch, is in :mod:`expressivity.search.chunk`; this
module decides which models share a chunk (:func:`slot_shape`,
:func:`chunk_slots`) and collects the results.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from expressivity.errors import InputError, check_int, check_items, check_type
from expressivity.functions.table import MAX_BITS as MAX_TABLE_BITS
from expressivity.search.chunk import MIN_SLOTS, PAD_UP_TO_BITS, Chunk
from expressivity.search.models import (  # noqa: F401  (re-exported: the engine's vocabulary)
    DTYPES, ENCODINGS, INITS, LOSSES, MAX_DEPTH, ModelSpec, TrainConfig, TrainedModel, check_shape, flops_per_step,
    init_parameters, model_rng, parameter_count, parity_signs, target_signs,
)

__all__ = [
    # the vocabulary, from expressivity.search.models
    "DTYPES", "ENCODINGS", "INITS", "LOSSES", "MAX_DEPTH", "ModelSpec", "TrainConfig", "TrainedModel", "check_shape",
    "flops_per_step", "init_parameters", "model_rng", "parameter_count", "parity_signs", "target_signs",
    # the engine
    "MAX_ELEMENTS", "CHECK_EVERY", "MIN_SLOTS", "PAD_UP_TO_BITS", "resolve_device", "next_power_of_two",
    "slot_shape", "chunk_slots", "function_target", "train_models",
]

#: Default bound on the activations of one chunk (``slots * sum(shape) * 2^n`` values), per device
#: type.  On a CPU the chunk's activations then fit in a core's L2/L3 cache (1 MiB in float32):
#: measured on the project's 2-core VM at n = 10..14, chunks of 2^16..2^18 values train 1.5-2x
#: faster per model than chunks of 2^20 and more.
MAX_ELEMENTS = {"cpu": 1 << 18, "cuda": 1 << 27}
#: How often (in steps) the engine looks at how many models are still training.
CHECK_EVERY = {"cpu": 8, "cuda": 64}


def resolve_device(device: str) -> torch.device:
    """``"auto"`` (a GPU when torch sees one), ``"cpu"`` or ``"cuda"``; ``ValueError`` if unusable.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda was asked for, but torch sees no CUDA GPU on this machine")
        return torch.device("cuda")
    raise ValueError(f"device must be auto, cpu or cuda; got {device!r}")


def next_power_of_two(value: int) -> int:
    return 1 << max(0, int(value) - 1).bit_length()


def slot_shape(n: int, shape) -> tuple[int, ...]:
    """The widths a model of hidden widths ``shape`` is trained with on ``n`` bits.

    For ``n <= PAD_UP_TO_BITS`` every layer is padded with zero units to a power of
    two, at least 8, so that models of widths 1..8 share one chunk; beyond that
    no padding.  A padded unit has zero weights in and out, so its activation is
    0, every gradient that touches it is exactly 0, and Adam leaves it at 0: the
    padded network computes the same function as the model, and the padding is
    cut off when the model is read out.  The slot shape depends on ``(n, shape)``
    alone, never on the batch.

    Examples
    --------
    >>> slot_shape(3, (5,)), slot_shape(3, (1, 9)), slot_shape(10, (5,))
    ((8,), (8, 16), (5,))
    """
    shape = check_shape(shape)
    if n > PAD_UP_TO_BITS:
        return shape
    return tuple(max(8, next_power_of_two(w)) for w in shape)


def chunk_slots(n: int, shape, models: int, budget: int) -> list[int]:
    """How many models each chunk of ``models`` models of one shape holds: balanced, within ``budget``.

    A chunk holds at least one model (padded to :data:`MIN_SLOTS` slots when alone);
    otherwise ``slots * sum(shape) * 2^n <= budget``.

    Examples
    --------
    >>> chunk_slots(10, (6,), 128, 1 << 18)
    [32, 32, 32, 32]
    >>> chunk_slots(3, (4,), 7, 1 << 18)
    [7]
    """
    per_model = (1 << n) * sum(check_shape(shape))
    most = max(1, budget // per_model)
    chunks = -(-models // most)
    base, extra = divmod(models, chunks)
    return [base + (i < extra) for i in range(chunks)]


def function_target(target) -> tuple[int, np.ndarray]:
    """``(n, table)`` from what :func:`train_models` accepts: a Boolean function, or ``n`` meaning parity."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        n = check_int(target, "n", minimum=1, maximum=MAX_TABLE_BITS, why="(a table of 2^n rows)")
        return n, parity_signs(n) > 0
    table = getattr(target, "table", None)
    if table is None:
        raise InputError(f"train_models needs a BooleanFunction or an int n (parity), got {type(target).__name__}")
    return int(target.n), np.asarray(table, dtype=bool)


def train_models(
    target,
    specs: Sequence[ModelSpec],
    config: TrainConfig = TrainConfig(),
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    max_elements: int | None = None,
    check_every: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[TrainedModel]:
    """Train the models ``specs`` on the function ``target``, all at once; one result per spec, in order.

    Parameters
    ----------
    target : BooleanFunction or int
        The function to fit (an int ``n`` means ``n``-bit parity).
    specs : sequence of ModelSpec
        Shapes and seed indices; model ``(shape, index)`` starts from
        :func:`~expressivity.search.models.init_parameters` ``(n, shape, index, seed=seed)``.
    config : TrainConfig
    seed : int
        The search's seed.
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``.
    max_elements : int, optional
        Bound on the activations of one chunk, ``slots * sum(shape) * 2^n``
        (:func:`chunk_slots`); default from :data:`MAX_ELEMENTS`.  Does not
        change any result.
    check_every : int, optional
        Steps between looks at how many models still train (a chunk whose
        models have mostly finished is then compacted).  Does not change any result.
    on_progress : callable, optional
        Called with a number of model-steps done (of ``len(specs) * config.steps``).

    Examples
    --------
    Some networks of width 2 fit XOR; width 1 never can (XOR is not linearly
    separable); majority of 3 bits is a threshold function, one unit suffices:

    >>> done = train_models(2, [ModelSpec(2, i) for i in range(6)] + [ModelSpec(1, 0)],
    ...                     TrainConfig(steps=300, lr=0.05))
    >>> [(m.width, m.fitted, m.steps) for m in done if m.fitted]
    [(2, True, 44), (2, True, 3)]
    >>> done[-1].fitted, done[-1].steps
    (False, 300)
    >>> from expressivity.functions import parse_function
    >>> [m.fitted for m in train_models(parse_function("majority", 3), [ModelSpec(1, i) for i in range(4)])]
    [True, True, True, True]
    """
    n, table = function_target(target)
    if len(table) != 1 << n:
        raise ValueError(f"the truth table has {len(table)} rows, not 2^{n}")
    specs = check_items(specs, "specs", "a sequence of ModelSpec", lambda spec: isinstance(spec, ModelSpec))
    check_type(config, "config", TrainConfig, "a TrainConfig")
    check_int(seed, "seed", minimum=0)
    for name, value in (("max_elements", max_elements), ("check_every", check_every)):
        if value is not None:
            check_int(value, name, minimum=1)
    device = resolve_device(device) if isinstance(device, str) else device
    budget = max_elements or MAX_ELEMENTS.get(device.type, MAX_ELEMENTS["cuda"])
    every = check_every or CHECK_EVERY.get(device.type, CHECK_EVERY["cuda"])
    by_slot: dict[tuple, list[int]] = {}
    for position, spec in enumerate(specs):
        by_slot.setdefault(slot_shape(n, spec.shape), []).append(position)
    results: list[TrainedModel | None] = [None] * len(specs)
    signs = target_signs(table)
    for padded in sorted(by_slot, key=lambda s: (len(s), s)):
        positions = sorted(by_slot[padded], key=lambda i: (specs[i].shape, specs[i].index))
        start = 0
        for size in chunk_slots(n, padded, len(positions), budget):
            chunk = positions[start : start + size]
            start += size
            members = [(specs[i].shape, specs[i].index) for i in chunk]
            trained = Chunk(n, padded, members, signs, config, seed, device).train(every, on_progress)
            for i, model in zip(chunk, trained):
                results[i] = model
    return results  # type: ignore[return-value]
