"""The width search: for each n, the smallest hidden width at which training found a network for parity.

For every ``n`` and every width in a range, ``seeds`` networks are trained (all
of one ``n`` at once, see :mod:`expressivity.search.engine`); every network that
training calls a fit is re-checked by the exact verifier in float64 on all
``2^n`` inputs, and only verified networks count.  The best one (largest
margin) of each width is saved.

What the result means: a width at which some network verified is an *upper
bound* on the minimum width -- a network of that width exists.  A width at
which no run fit proves nothing: gradient descent can miss networks that exist.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from expressivity.results.atomic import write_atomic
from expressivity.results.records import RecordsError, append_records, read_records
from expressivity.search.budget import PIECE_BYTES, _span, check_search_size, held_model_bytes
from expressivity.search.engine import ModelSpec, TrainConfig, TrainedModel, resolve_device, train_models
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive

#: The exhaustive re-check runs on every input, so the search stops here.
MAX_SEARCH_BITS = 24

UPPER_BOUND_NOTE = (
    "Upper bounds only: 'width w' means a network with w hidden ReLU units that classifies every "
    "n-bit input correctly exists (found by training, re-checked exactly in float64). "
    "A width at which no run fit proves nothing: training can fail where a network exists."
)


@dataclass(frozen=True)
class WidthBatch:
    """What the search found for one ``(n, width, configuration)``: one JSON-lines record.

    Attributes
    ----------
    n, width : int
    config : str
        :meth:`TrainConfig.key`.
    seed, seeds : int
        The search's seed and the number of models trained (indices ``0 .. seeds-1``).
    successes : int
        Models that fit and passed the exact float64 re-check.
    train_fits : int
        Models that training arithmetic called a fit (``successes`` of them verified).
    fit_indices, steps_to_fit : list of int
        The verified models and the Adam steps each took.
    best_margin : float or None
        The exact float64 margin (least ``(2y-1) * out`` over the inputs) of the best
        verified model (largest margin as trained), as re-verified on ``best_inputs``.
    best_index : int or None
    weights_file : str or None
        The best model's weights (``.npz``), relative to the records file's folder.
    best_inputs : {"0/1", "-1/+1"} or None
        The inputs the best network (and its saved weights) reads: ``"0/1"`` unless
        its change from -1/+1 inputs failed the exact re-check.
    wall_seconds : float
        Training time of the joint batch this width was trained in (``batch_widths``).
    verify_seconds : float
    device : str
    versions : dict
    """

    n: int
    width: int
    config: str
    seed: int
    seeds: int
    successes: int
    train_fits: int
    fit_indices: tuple = ()
    steps_to_fit: tuple = ()
    best_margin: float | None = None
    best_index: int | None = None
    weights_file: str | None = None
    wall_seconds: float = 0.0
    verify_seconds: float = 0.0
    batch_widths: tuple = ()
    device: str = "cpu"
    versions: dict = field(default_factory=dict)
    config_fields: dict = field(default_factory=dict)
    best_inputs: str | None = None

    @property
    def key(self) -> tuple:
        """What ``--resume`` compares: the same work gives the same key."""
        return batch_key(self.n, self.width, self.config, self.seed, self.seeds)

    @property
    def success_rate(self) -> float:
        return self.successes / self.seeds if self.seeds else 0.0

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["kind"] = "search-width"
        for name in ("fit_indices", "steps_to_fit", "batch_widths"):
            record[name] = list(record[name])
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "WidthBatch":
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in record.items() if k in names}
        for name in ("fit_indices", "steps_to_fit", "batch_widths"):
            values[name] = tuple(values.get(name, ()))
        return cls(**values)


def batch_key(n: int, width: int, config: str, seed: int, seeds: int) -> tuple:
    return (int(n), int(width), str(config), int(seed), int(seeds))


@dataclass(frozen=True)
class WidthRow:
    """The summary of one ``n``: the smallest width found, and the success rate at every width tried."""

    n: int
    min_width_found: int | None
    lecture_width: int  # 2^(n-1): one unit per odd input pattern
    symmetric_width: int  # n: relu(s - j) units on the sum s
    success_rate: dict  # width -> verified fits / seeds
    counts: dict  # width -> (verified fits, seeds)
    best_margin: float | None
    weights_file: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def summarize(batches: Iterable[WidthBatch]) -> list[WidthRow]:
    """One row per ``n``, from the batches of one configuration.

    >>> b = [WidthBatch(2, 1, "c", 0, 4, 0, 0), WidthBatch(2, 2, "c", 0, 4, 3, 3, best_margin=0.5)]
    >>> row = summarize(b)[0]
    >>> row.min_width_found, row.lecture_width, row.symmetric_width, row.success_rate
    (2, 2, 2, {1: 0.0, 2: 0.75})
    """
    by_n: dict[int, list[WidthBatch]] = {}
    for batch in batches:
        by_n.setdefault(batch.n, []).append(batch)
    rows = []
    for n in sorted(by_n):
        group = sorted(by_n[n], key=lambda b: b.width)
        found = [b for b in group if b.successes > 0]
        first = found[0] if found else None
        rows.append(
            WidthRow(
                n=n,
                min_width_found=first.width if first else None,
                lecture_width=2 ** (n - 1),
                symmetric_width=n,
                success_rate={b.width: b.success_rate for b in group},
                counts={b.width: (b.successes, b.seeds) for b in group},
                best_margin=first.best_margin if first else None,
                weights_file=first.weights_file if first else None,
            )
        )
    return rows


def summary_text(rows: Sequence[WidthRow]) -> str:
    """The table and what it means, as printed by ``expressivity search-width``.

    >>> rows = summarize([WidthBatch(2, 1, "c", 0, 4, 0, 0), WidthBatch(2, 2, "c", 0, 4, 3, 3, best_margin=0.5)])
    >>> print(summary_text(rows))
    verified fits / runs at each width
    n  width found  2^(n-1)  n  w=1  w=2
    2            2        2  2  0/4  3/4
    <BLANKLINE>
    n=2: a network of width 2 exists (verified exactly); no run fit at width 1, which proves nothing about it.
    <BLANKLINE>
    Upper bounds only: 'width w' means a network with w hidden ReLU units that classifies every n-bit input correctly exists (found by training, re-checked exactly in float64). A width at which no run fit proves nothing: training can fail where a network exists.
    """
    from expressivity.cli.common import format_table

    widths = sorted({w for row in rows for w in row.success_rate})
    table = []
    lines = []
    for row in rows:
        found = row.min_width_found
        cells = [f"{row.counts[w][0]}/{row.counts[w][1]}" if w in row.counts else "-" for w in widths]
        table.append([row.n, found if found is not None else "none", row.lecture_width, row.symmetric_width] + cells)
        tried = sorted(row.success_rate)
        if found is None:
            lines.append(
                f"n={row.n}: no run fit at widths {_span(tried)}; this proves nothing (no upper bound found in this range)."
            )
        else:
            below = [w for w in tried if w < found]
            tail = f"; no run fit at width {_span(below)}, which proves nothing about it." if below else "."
            lines.append(f"n={row.n}: a network of width {found} exists (verified exactly){tail}")
    header = ["n", "width found", "2^(n-1)", "n"] + [f"w={w}" for w in widths]
    text = "verified fits / runs at each width\n" + format_table(header, table)
    return text + "\n\n" + "\n".join(lines) + "\n\n" + UPPER_BOUND_NOTE


def versions() -> dict[str, str]:
    try:
        ours = metadata.version("expressivity")
    except metadata.PackageNotFoundError:
        ours = "unknown"
    return {"torch": torch.__version__, "expressivity": ours, "numpy": np.__version__, "python": platform.python_version()}


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"


def weights_folder(records_path: str | os.PathLike) -> Path:
    """Where the winning weights of a records file go: ``runs/a.jsonl`` -> ``runs/a.weights/``."""
    path = Path(records_path)
    return path.with_name(path.stem + ".weights")


def save_weights(path: Path, model: TrainedModel, meta: dict[str, Any]) -> None:
    """Write one model's float64 weights and a JSON description to ``path`` (``.npz``), atomically.

    The description's ``inputs`` (``"0/1"`` or ``"-1/+1"``) is the model's encoding.
    """
    arrays = model.arrays()
    meta = {**meta, "inputs": "0/1" if model.encoding == "01" else "-1/+1"}

    def write(temp: str) -> None:
        with open(temp, "wb") as handle:  # a handle, so numpy adds no ".npz" to the temporary name
            np.savez(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)

    write_atomic(path, write)


def load_weights(path: str | os.PathLike) -> tuple[TrainedModel, dict[str, Any]]:
    """Read back what :func:`save_weights` wrote: the model (with the inputs it reads) and its description.

    Files written before ``inputs`` was recorded hold the trained network as it was
    trained: their ``encoding`` says what it reads.
    """
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        inputs = meta.get("inputs")
        encoding = {"0/1": "01", "-1/+1": "pm1"}.get(inputs) if inputs else meta.get("encoding", "01")
        if encoding is None:
            raise ValueError(f"{path}: unknown inputs {inputs!r}")
        model = TrainedModel(
            n=int(meta["n"]),
            width=int(meta["width"]),
            index=int(meta["index"]),
            fitted=True,
            steps=int(meta["steps"]),
            hidden_weight=data["hidden_weight"],
            hidden_bias=data["hidden_bias"],
            output_weight=data["output_weight"],
            output_bias=float(data["output_bias"][0]),
            encoding=encoding,
        )
    return model, meta


def search_width(
    bits: Iterable[int],
    widths: Iterable[int],
    seeds: int,
    config: TrainConfig = TrainConfig(),
    *,
    seed: int = 0,
    device: str = "cpu",
    records_path: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = False,
    max_elements: int | None = None,
    on_batch: Callable[[WidthBatch], None] | None = None,
) -> SearchResult:
    """Train ``seeds`` networks at every ``(n, width)``, re-check every fit exactly, record it all.

    Parameters
    ----------
    bits, widths : iterables of int
        Input sizes (2..24) and hidden widths (at least 1) to try.
    seeds : int
        Networks per ``(n, width)``.
    config : TrainConfig
    seed : int
        Fixes every initialisation (model ``i`` of width ``w`` on ``n`` bits
        depends only on ``(seed, n, w, i)``).
    device : {"auto", "cpu", "cuda"}
    records_path : path, optional
        JSON-lines file: one record per ``(n, width, configuration)``, appended
        atomically after each ``n``; winning weights go to a ``.weights`` folder
        beside it, always as a network on 0/1 inputs when its re-check there
        succeeds (the file's ``inputs`` says which).
    resume : bool
        Skip the ``(n, width, configuration)`` already in ``records_path``.
    progress : bool
        A progress bar with ETA on stderr.

    Sizes are checked first (:func:`~expressivity.search.budget.check_search_size`,
    which raises :class:`~expressivity.search.budget.SearchTooLarge`); trained models
    are held in pieces of at most :data:`~expressivity.search.budget.PIECE_BYTES`,
    which changes no result (see :mod:`expressivity.search.engine`).

    Examples
    --------
    >>> result = search_width([2], [1, 2], 8, TrainConfig(steps=300, lr=0.05))
    >>> [(b.width, b.successes > 0) for b in result.batches]
    [(1, False), (2, True)]
    >>> result.rows()[0].min_width_found, result.batches[1].best_inputs
    (2, '0/1')
    """
    bits = sorted(set(bits))
    if not (isinstance(widths, range) and widths.step == 1):
        widths = sorted(set(widths))
    if not bits or not widths:
        raise ValueError("bits and widths must not be empty")
    if bits[0] < 2 or bits[-1] > MAX_SEARCH_BITS:
        raise ValueError(f"bits must lie in 2..{MAX_SEARCH_BITS} (every fit is re-checked on all 2^n inputs)")
    if widths[0] < 1:
        raise ValueError("widths must be at least 1")
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    torch_device = resolve_device(device)
    check_search_size(bits, widths, seeds, config, device=torch_device, max_elements=max_elements)
    widths = list(widths)
    key = config.key()
    existing = read_records(records_path) if records_path is not None else []
    recorded = {}
    if resume:
        for record in existing:
            if record.get("kind") == "search-width":
                try:
                    batch = WidthBatch.from_record(record)
                except (TypeError, ValueError):
                    raise RecordsError(f"records file {records_path}: a search-width record lacks its fields") from None
                recorded[batch.key] = batch
    folder = weights_folder(records_path) if records_path is not None else None

    work = {n: [w for w in widths if batch_key(n, w, key, seed, seeds) not in recorded] for n in bits}
    total = sum(len(ws) * seeds * config.steps for ws in work.values())
    from expressivity.results.progress import progress_bar

    batches: list[WidthBatch] = []
    skipped = []
    bar = progress_bar(total, progress, desc="search-width", unit="model-step")
    try:
        for n in bits:
            skipped.extend(k for k in (batch_key(n, w, key, seed, seeds) for w in widths) if k in recorded)
            pending = work[n]
            if not pending:
                continue
            bar.set_postfix_str(f"n={n} widths {_span(pending)}")
            tallies = {w: _Tally(n, w, config) for w in pending}
            wall = 0.0
            for piece in pieces(n, pending, seeds, PIECE_BYTES):
                specs = [ModelSpec(w, i) for w, first, stop in piece for i in range(first, stop)]
                started = time.perf_counter()
                trained = train_models(
                    n, specs, config, seed=seed, device=torch_device, max_elements=max_elements,
                    on_progress=bar.update,
                )
                if torch_device.type == "cuda":
                    torch.cuda.synchronize()
                wall += time.perf_counter() - started
                for model in trained:
                    tallies[model.width].add(model)
                del trained, specs
            new = [tallies[w].batch(seed, seeds, wall, pending, device_name(torch_device), folder, records_path)
                   for w in pending]
            if records_path is not None:
                append_records(records_path, [b.to_record() for b in new])
            batches.extend(new)
            for batch in new:
                if on_batch is not None:
                    on_batch(batch)
    finally:
        bar.close()
    every = sorted(batches + [recorded[k] for k in skipped], key=lambda b: (b.n, b.width))
    return SearchResult(
        tuple(every), config, seeds, seed, None if records_path is None else str(records_path), tuple(skipped)
    )


def pieces(n: int, widths: Sequence[int], seeds: int, limit: int = PIECE_BYTES):
    """The models of one n, in training order, cut into pieces of at most ``limit`` bytes held.

    Each piece is a list of ``(width, first index, stop index)``; every piece holds
    at least one model.

    >>> list(pieces(3, [1, 2], 4))
    [[(1, 0, 4), (2, 0, 4)]]
    >>> list(pieces(3, [1, 2], 4, limit=3 * held_model_bytes(3, 2)))
    [[(1, 0, 3)], [(1, 3, 4), (2, 0, 2)], [(2, 2, 4)]]
    """
    piece: list[tuple[int, int, int]] = []
    used = 0
    for width in widths:
        cost = held_model_bytes(n, width)
        first = 0
        while first < seeds:
            room = (limit - used) // cost
            if room < 1 and piece:
                yield piece
                piece, used = [], 0
                continue
            stop = min(seeds, first + max(room, 1))
            piece.append((width, first, stop))
            used += (stop - first) * cost
            first = stop
    if piece:
        yield piece


class _Tally:
    """The fits of one ``(n, width)`` as its pieces come in: each re-checked exactly, the best kept."""

    def __init__(self, n: int, width: int, config: TrainConfig) -> None:
        self.n, self.width, self.config = n, width, config
        self.fits: list[tuple[int, int]] = []  # (index, steps) of verified models
        self.train_fits = 0
        self.best: tuple[float, int, TrainedModel] | None = None  # (margin, -index, model)
        self.verify_seconds = 0.0

    def add(self, model: TrainedModel) -> None:
        if not model.fitted:
            return
        self.train_fits += 1
        started = time.perf_counter()
        check = verify_exhaustive(model.to_layered(), parity_reference, mode="sign", encoding=model.encoding)
        self.verify_seconds += time.perf_counter() - started
        if check.verified:
            self.fits.append((model.index, model.steps))
            if self.best is None or (check.margin, -model.index) > self.best[:2]:
                self.best = (check.margin, -model.index, model)

    def batch(self, seed, seeds, wall, batch_widths, device, folder, records_path) -> WidthBatch:
        """The record of this width; the best network, on 0/1 inputs, saved in ``folder``."""
        config = self.config
        started = time.perf_counter()
        saved = None
        if self.best is not None:
            saved = _inputs_01(self.best[2], self.best[0])
        weights_file = None
        if saved is not None and folder is not None:
            model, margin, meta = saved
            folder.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256(f"{config.key()}|{seed}|{seeds}".encode()).hexdigest()[:10]
            path = folder / f"n{self.n}_w{self.width}_{digest}.npz"
            meta.update({"n": self.n, "width": self.width, "index": model.index, "seed": seed, "steps": model.steps,
                         "margin": margin, "config": config.key()})
            save_weights(path, model, meta)
            weights_file = os.path.relpath(path, Path(records_path).parent)
        self.fits.sort()
        return WidthBatch(
            n=self.n, width=self.width, config=config.key(), seed=seed, seeds=seeds,
            successes=len(self.fits), train_fits=self.train_fits,
            fit_indices=tuple(i for i, _ in self.fits), steps_to_fit=tuple(s for _, s in self.fits),
            best_margin=None if saved is None else float(saved[1]),
            best_index=None if saved is None else saved[0].index,
            weights_file=weights_file,
            wall_seconds=round(wall, 6),
            verify_seconds=round(self.verify_seconds + time.perf_counter() - started, 6),
            batch_widths=tuple(batch_widths), device=device, versions=versions(), config_fields=config.to_dict(),
            best_inputs=None if saved is None else saved[2]["inputs"],
        )


def _inputs_01(model: TrainedModel, margin: float) -> tuple[TrainedModel, float, dict[str, Any]]:
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
        check = verify_exhaustive(bits.to_layered(), parity_reference, mode="sign", encoding="01")
        meta["conversion"] = ("trained on x in {-1,+1}^n; saved for bits b in {0,1}^n via x = 2b - 1: "
                              "hidden_weight doubled, hidden_bias minus the row sums of the trained hidden_weight")
        meta["conversion_exact"] = exact
        if check.verified:
            model, margin = bits, check.margin
        else:
            meta["conversion_failed"] = check.reason
    inputs = "0/1" if model.encoding == "01" else "-1/+1"
    meta["inputs"] = inputs
    reads = "x_k = bit k, in {0, 1}" if inputs == "0/1" else "x_k = 2 * (bit k) - 1, in {-1, +1}"
    meta["meaning"] = ("out = output_weight . relu(hidden_weight @ x + hidden_bias) + output_bias > 0 "
                       f"iff the parity of the bits is 1; {reads}")
    return model, margin, meta
