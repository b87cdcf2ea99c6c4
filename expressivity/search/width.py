"""The width search: for each n, the smallest width at which training found a network of depth D for a function.

For every ``n``, every width in a range (``depth`` hidden layers of that width,
or one explicit ``shape``), ``seeds`` networks are trained (all of one ``n`` at
once, see :mod:`expressivity.search.engine`); every network that training
calls a fit is re-checked by the exact verifier in float64 on all ``2^n``
inputs, and only verified networks count.  The best one (largest margin) of
each shape is saved.  Records are described in :mod:`expressivity.search.records`,
summaries in :mod:`expressivity.search.summary`.

What the result means: a width at which some network verified is an *upper
bound* on the minimum width at that depth -- a network of that width exists.
A width at which no run fit proves nothing: gradient descent can miss networks
that exist.
"""
from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from expressivity.errors import InputError, check_int, check_type
from expressivity.functions import BooleanFunction, npn_canonical, parse_function
from expressivity.results.records import append_records
from expressivity.search.budget import PIECE_BYTES, check_search_size, held_model_bytes
from expressivity.search.engine import ModelSpec, resolve_device, train_models
from expressivity.search.models import MAX_DEPTH, TrainConfig, TrainedModel, check_shape, parameter_count, shape_text
from expressivity.search.records import (
    WidthBatch, batch_key, device_name, read_search_records, save_weights, versions, weights_file_name,
    weights_folder,
)
from expressivity.search.summary import UPPER_BOUND_NOTE, WidthRow, summarize, summary_text
from expressivity.verify.exhaustive import table_reference, verify_exhaustive

#: The exhaustive re-check runs on every input, so the search stops here.
MAX_SEARCH_BITS = 24
#: NPN canonical forms are computed up to this n (n! * 2^n transforms).
MAX_NPN_BITS = 6


@dataclass(frozen=True)
class SearchResult:
    """All batches of one search (including those read back with ``--resume``)."""

    batches: tuple
    config: TrainConfig
    seeds: int
    seed: int
    records_path: str | None = None
    skipped: tuple = ()  # keys already recorded, not trained again

    def rows(self) -> list[WidthRow]:
        return summarize(self.batches)

    def summary(self) -> str:
        """The table and what it means (:func:`~expressivity.search.summary.summary_text`)."""
        return summary_text(self.rows())

    def to_dict(self) -> dict[str, Any]:
        return {
            "note": UPPER_BOUND_NOTE,
            "config": self.config.to_dict(),
            "seeds": self.seeds,
            "seed": self.seed,
            "records": self.records_path,
            "resumed_batches": len(self.skipped),
            "rows": [row.to_dict() for row in self.rows()],
        }


def function_at(function, n: int) -> BooleanFunction:
    """The function to fit on ``n`` bits: a spec is parsed at ``n``; a :class:`BooleanFunction` must have ``n`` bits."""
    if isinstance(function, BooleanFunction):
        if function.n != n:
            raise ValueError(f"the function has {function.n} bits, but the search asks for n = {n}")
        return function
    return parse_function(function, n)


def function_reference(f: BooleanFunction) -> Callable[[np.ndarray], np.ndarray]:
    """The verifier's reference for ``f``: 0/1 rows ``(m, n)`` to expected outputs ``(m, 1)``."""
    return table_reference(f.table)


def search_shapes(widths: Iterable[int] | None, depth: int, shape) -> list[tuple[int, ...]]:
    """The shapes a search trains: ``depth`` layers of each width, or the one explicit ``shape``.

    Examples
    --------
    >>> search_shapes([1, 2], 2, None), search_shapes(None, None, (8, 4))
    ([(1, 1), (2, 2)], [(8, 4)])
    """
    if shape is not None:
        shape = check_shape(shape)
        if depth not in (None, len(shape)):
            raise ValueError(f"the shape {shape_text(shape)} has {len(shape)} hidden layers, but depth is {depth}")
        return [shape]
    depth = 1 if depth is None else depth
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must lie in 1..{MAX_DEPTH} (hidden layers), got {depth}")
    return [(int(w),) * depth for w in widths]


def _integers(values, name: str) -> list[int]:
    """``values`` as ints (numpy ints too); ``InputError`` for anything else, before any work."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InputError(f"{name} must be a sequence of integers, got {type(values).__name__}")
    return [check_int(value, f"every one of {name}") for value in values]


def search_width(
    function="parity",
    bits: Iterable[int] | None = None,
    widths: Iterable[int] | None = range(1, 9),
    seeds: int = 64,
    config: TrainConfig = TrainConfig(),
    *,
    depth: int | None = None,
    shape: Sequence[int] | None = None,
    seed: int = 0,
    device: str = "cpu",
    records_path: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = False,
    max_elements: int | None = None,
    on_batch: Callable[[WidthBatch], None] | None = None,
    backend=None,
) -> SearchResult:
    """Train ``seeds`` networks at every ``(n, shape)``, re-check every fit exactly, record it all.

    Parameters
    ----------
    function : str or BooleanFunction
        A spec (``"parity"``, ``"majority"``, ``"threshold:3"``, ``"hex:e8"``, ...;
        see :func:`~expressivity.functions.parse_function`), parsed at every ``n``,
        or one function (then ``bits`` defaults to its ``n``).
    bits : iterable of int
        Input sizes (2..24).
    widths : iterable of int
        Hidden widths to try: every hidden layer has the width.
    seeds : int
        Networks per ``(n, shape)``.
    config : TrainConfig
    depth : int, optional
        Hidden layers (1..4; default 1, or the length of ``shape``).
    shape : sequence of int, optional
        One explicit list of hidden widths instead of ``widths``.
    seed : int
        Fixes every initialisation (model ``i`` of hidden widths ``s`` on ``n``
        bits depends only on ``(seed, n, s, i)``, never on the function).
    device : {"auto", "cpu", "cuda"}
    records_path : path, optional
        JSON-lines file: one record per ``(n, function, shape, configuration)``,
        appended atomically after each ``n``; winning weights go to a
        ``.weights`` folder beside it, as networks on 0/1 inputs when their
        re-check there succeeds (the file's ``inputs`` says which).
    resume : bool
        Skip the work already in ``records_path``.
    progress : bool
        A progress bar with ETA on stderr.
    backend : Backend, optional
        Runs the pieces of each ``n`` (chunks of seeds of one or more shapes) as
        independent tasks (:mod:`expressivity.backends`; default: in this
        process, in order).  Models train bit for bit the same in any piece, so
        the records do not depend on the backend; they say which it was.

    Notes
    -----
    Sizes are checked first (:func:`~expressivity.search.budget.check_search_size`,
    which raises :class:`~expressivity.search.budget.SearchTooLarge`); trained models
    are held in pieces of at most :data:`~expressivity.search.budget.PIECE_BYTES`,
    which changes no result.

    Examples
    --------
    Three lines for a theory experiment: majority is a threshold function, so one
    unit fits it; 2-bit parity (XOR) needs two.

    >>> result = search_width("majority", bits=[3, 5], widths=[1], seeds=4)
    >>> [(row.n, row.min_width_found) for row in result.rows()]
    [(3, 1), (5, 1)]
    >>> result = search_width("parity", bits=[2], widths=[1, 2], seeds=8, config=TrainConfig(steps=300, lr=0.05))
    >>> [(b.width, b.successes > 0) for b in result.batches], result.batches[1].best_inputs
    ([(1, False), (2, True)], '0/1')
    """
    if isinstance(function, BooleanFunction) and bits is None:
        bits = [function.n]
    if bits is None:
        raise InputError("bits must be given for a function spec")
    bits = sorted(set(_integers(bits, "bits")))
    if shape is None:
        if widths is None:
            raise InputError("give widths, or one shape")
        if not (isinstance(widths, range) and widths.step == 1):
            widths = sorted(set(_integers(widths, "widths")))
        if not widths or widths[0] < 1:
            raise InputError("widths must not be empty, and every width must be at least 1")
    if not bits:
        raise InputError("bits must not be empty")
    if bits[0] < 2 or bits[-1] > MAX_SEARCH_BITS:
        raise InputError(f"bits must lie in 2..{MAX_SEARCH_BITS} (every fit is re-checked on all 2^n inputs)")
    check_int(seeds, "seeds", minimum=1)
    check_type(config, "config", TrainConfig, "a TrainConfig")
    check_int(seed, "seed", minimum=0)
    shapes = search_shapes(widths, depth, shape)
    targets = {n: function_at(function, n) for n in bits}  # bad specs fail here, before any work
    label = function if isinstance(function, str) else (function.spec or f"hex:{function.hex}")
    torch_device = resolve_device(device)
    check_search_size(bits, widths if shape is None else None, seeds, config, depth=len(shapes[0]), shape=shape,
                      device=torch_device, max_elements=max_elements)
    key = config.key()
    recorded = {}
    if resume and records_path is not None and Path(records_path).exists():
        recorded = {batch.key: batch for batch in read_search_records(records_path)}
    elif records_path is not None and Path(records_path).exists():
        read_search_records(records_path)  # refuse to append to a file of the first engine
    folder = weights_folder(records_path) if records_path is not None else None

    work = {n: [s for s in shapes if batch_key(n, targets[n].hex, s, key, seed, seeds) not in recorded]
            for n in bits}
    total = sum(len(ss) * seeds * config.steps for ss in work.values())
    from expressivity.results.progress import progress_bar

    batches: list[WidthBatch] = []
    skipped = []
    from expressivity.backends import LocalBackend

    backend = LocalBackend() if backend is None else backend
    bar = progress_bar(total, progress, desc="search-width", unit="model-step")
    try:
        for n in bits:
            target = targets[n]
            skipped.extend(k for k in (batch_key(n, target.hex, s, key, seed, seeds) for s in shapes)
                           if k in recorded)
            pending = work[n]
            if not pending:
                continue
            bar.set_postfix_str(f"n={n} {label} shapes {_shapes_text(pending)}")
            npn = npn_canonical(target)[0].hex if n <= MAX_NPN_BITS else None
            tallies = {s: _Tally(target, label, npn, s, config) for s in pending}
            started = time.perf_counter()
            local = backend.name == "local"
            train = functools.partial(_train_piece, target, config, seed, torch_device, max_elements,
                                      bar.update if local else None)
            listed = list(enumerate(pieces(n, pending, seeds, PIECE_BYTES)))
            finished: dict[int, list[TrainedModel]] = {}
            tallied = 0
            for (number, piece), trained in backend.map_unordered(train, listed):
                if not local:
                    bar.update(sum((stop - first) * config.steps for _, first, stop in piece))
                finished[number] = trained
                while tallied in finished:  # in piece order, whatever order they finish in
                    for model in finished.pop(tallied):
                        tallies[model.shape].add(model)
                    tallied += 1
            wall = time.perf_counter() - started
            new = [tallies[s].batch(seed, seeds, wall, pending, device_name(torch_device), folder, records_path)
                   for s in pending]
            if records_path is not None:
                append_records(records_path, [b.to_record() | backend.describe() for b in new])
            batches.extend(new)
            for batch in new:
                if on_batch is not None:
                    on_batch(batch)
    finally:
        bar.close()
    every = sorted(batches + [recorded[k] for k in skipped], key=lambda b: (b.n, b.shape))
    return SearchResult(
        tuple(every), config, seeds, seed, None if records_path is None else str(records_path), tuple(skipped)
    )


def _train_piece(target, config, seed, device, max_elements, on_progress, numbered_piece) -> list[TrainedModel]:
    """Train one piece (a module-level function, so that any backend can run it)."""
    _, piece = numbered_piece
    specs = [ModelSpec(s, i) for s, first, stop in piece for i in range(first, stop)]
    trained = train_models(target, specs, config, seed=seed, device=device, max_elements=max_elements,
                           on_progress=on_progress)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return trained


def _shapes_text(shapes: Sequence[tuple]) -> str:
    if all(len(set(s)) == 1 for s in shapes) and len({len(s) for s in shapes}) == 1:
        widths = [s[0] for s in shapes]
        if len(widths) > 1 and widths == list(range(widths[0], widths[-1] + 1)):
            return f"{widths[0]}..{widths[-1]}" + (f" x{len(shapes[0])}" if len(shapes[0]) > 1 else "")
    return "; ".join(shape_text(s) for s in shapes)


def pieces(n: int, shapes: Sequence, seeds: int, limit: int = PIECE_BYTES):
    """The models of one n, in training order, cut into pieces of at most ``limit`` bytes held.

    Each piece is a list of ``(shape, first index, stop index)``; every piece holds
    at least one model.

    Examples
    --------
    >>> list(pieces(3, [(1,), (2,)], 4))
    [[((1,), 0, 4), ((2,), 0, 4)]]
    >>> list(pieces(3, [(1,), (2,)], 4, limit=3 * held_model_bytes(3, (2,))))
    [[((1,), 0, 3)], [((1,), 3, 4), ((2,), 0, 2)], [((2,), 2, 4)]]
    """
    piece: list[tuple[tuple, int, int]] = []
    used = 0
    for shape in shapes:
        shape = check_shape(shape)
        cost = held_model_bytes(n, shape)
        first = 0
        while first < seeds:
            room = (limit - used) // cost
            if room < 1 and piece:
                yield piece
                piece, used = [], 0
                continue
            stop = min(seeds, first + max(room, 1))
            piece.append((shape, first, stop))
            used += (stop - first) * cost
            first = stop
    if piece:
        yield piece


class _Tally:
    """The fits of one ``(n, shape)`` as its pieces come in: each re-checked exactly, the best kept."""

    def __init__(self, target: BooleanFunction, label: str, npn: str | None, shape, config: TrainConfig) -> None:
        self.target, self.label, self.npn, self.shape, self.config = target, label, npn, shape, config
        self.n = target.n
        self.reference = function_reference(target)
        self.fits: list[tuple[int, int]] = []  # (index, steps) of verified models
        self.train_fits = 0
        self.best: tuple[float, int, TrainedModel] | None = None  # (margin, -index, model)
        self.verify_seconds = 0.0

    def add(self, model: TrainedModel) -> None:
        if not model.fitted:
            return
        self.train_fits += 1
        started = time.perf_counter()
        check = verify_exhaustive(model.to_layered(), self.reference, mode="sign", encoding=model.encoding)
        self.verify_seconds += time.perf_counter() - started
        if check.verified:
            self.fits.append((model.index, model.steps))
            if self.best is None or (check.margin, -model.index) > self.best[:2]:
                self.best = (check.margin, -model.index, model)

    def batch(self, seed, seeds, wall, batch_shapes, device, folder, records_path) -> WidthBatch:
        """The record of this shape; the best network, on 0/1 inputs, saved in ``folder``."""
        config = self.config
        started = time.perf_counter()
        saved = None
        if self.best is not None:
            saved = _inputs_01(self.best[2], self.best[0], self.reference, self.label)
        weights_file = None
        hex_table = self.target.hex
        if saved is not None and folder is not None:
            model, margin, meta = saved
            folder.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256(f"{config.key()}|{seed}|{seeds}|{hex_table}".encode()).hexdigest()[:10]
            path = folder / weights_file_name(self.n, hex_table, self.shape, digest)
            meta.update({"n": self.n, "width": self.shape[0], "index": model.index, "seed": seed,
                         "steps": model.steps, "margin": margin, "config": config.key(), "function": self.label,
                         "function_hex": hex_table})
            save_weights(path, model, meta)
            weights_file = os.path.relpath(path, Path(records_path).parent)
        self.fits.sort()
        return WidthBatch(
            n=self.n, shape=self.shape, function=self.label, function_hex=hex_table, config=config.key(),
            seed=seed, seeds=seeds, successes=len(self.fits), train_fits=self.train_fits,
            width=self.shape[0] if len(set(self.shape)) == 1 else None, npn_hex=self.npn,
            fit_indices=tuple(i for i, _ in self.fits), steps_to_fit=tuple(s for _, s in self.fits),
            best_margin=None if saved is None else float(saved[1]),
            best_index=None if saved is None else saved[0].index,
            weights_file=weights_file,
            best_inputs=None if saved is None else saved[2]["inputs"],
            parameters=parameter_count(self.n, self.shape),
            wall_seconds=round(wall, 6),
            verify_seconds=round(self.verify_seconds + time.perf_counter() - started, 6),
            batch_shapes=tuple(tuple(s) for s in batch_shapes), device=device, versions=versions(),
            config_fields=config.to_dict(),
        )


def _inputs_01(model: TrainedModel, margin: float, reference, label: str) -> tuple[TrainedModel, float, dict[str, Any]]:
    """The best network as it is saved: on 0/1 inputs when its exact re-check there succeeds.

    Returns the network, its margin as verified on the inputs it reads, and the
    description for its file.  The change of inputs (``x = 2b - 1``, folded into
    the first layer) is re-verified with ``verify_exhaustive`` on 0/1 inputs; in
    the unlikely case that rounding the new biases breaks it, the trained
    network is kept, and its file says it reads -1/+1.
    """
    meta: dict[str, Any] = {"trained_encoding": model.encoding, "trained_margin": margin}
    if model.encoding == "pm1":
        bits, exact = model.with_01_inputs()
        check = verify_exhaustive(bits.to_layered(), reference, mode="sign", encoding="01")
        meta["conversion"] = ("trained on x in {-1,+1}^n; saved for bits b in {0,1}^n via x = 2b - 1: "
                              "the first layer's weights doubled, its biases minus the row sums of its trained weights")
        meta["conversion_exact"] = exact
        if check.verified:
            model, margin = bits, check.margin
        else:
            meta["conversion_failed"] = check.reason
    inputs = "0/1" if model.encoding == "01" else "-1/+1"
    meta["inputs"] = inputs
    reads = "x_k = bit k, in {0, 1}" if inputs == "0/1" else "x_k = 2 * (bit k) - 1, in {-1, +1}"
    meta["meaning"] = ("h_0 = x, h_l = relu(weight_l @ h_(l-1) + bias_l), out = weight_D @ h_D + bias_D > 0 "
                       f"iff {label} is 1 on the bits; {reads}")
    return model, margin, meta
