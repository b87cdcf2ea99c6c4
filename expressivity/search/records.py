"""What a width search writes: one JSON-lines record per ``(n, function, shape, configuration)``, and weights.

Every record names the function three ways: the spec it was asked as
(``"parity"``, ``"threshold:3"``, ``"hex:e8"``...), its truth table in hex at that
``n`` (the key: the same table is the same work), and, for ``n <= 6``, the hex of
its NPN class's canonical form (:func:`~expressivity.functions.npn_canonical`),
so searches on equivalent functions can be compared.

Records written before functions and depth (engine 1: parity, one hidden
layer, a different summation order) cannot be resumed by this engine: the same
seeds would not train bit for bit the same.  :func:`read_search_records`
refuses a file that holds them, with a message saying so.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from expressivity.errors import InputError, echo
from expressivity.networks.files import file_name, read_weight_arrays
from expressivity.results.atomic import write_atomic
from expressivity.results.records import RecordsError, read_records
from expressivity.search.models import TrainedModel, shape_text

#: The engine's arithmetic, recorded in every batch: 2 = any function and depth, bmm-based.
ENGINE_VERSION = 2


@dataclass(frozen=True)
class WidthBatch:
    """What the search found for one ``(n, function, shape, configuration)``: one JSON-lines record.

    Attributes
    ----------
    n : int
    shape : tuple of int
        Hidden widths, one per hidden layer.
    width : int or None
        The width of every hidden layer when they are all equal (the search's
        ``--widths``), else ``None`` (an explicit ``--shape``).
    function : str
        The spec the function was asked as.
    function_hex : str
        Its truth table at this ``n`` (:meth:`BooleanFunction.hex`).
    npn_hex : str or None
        The hex of its NPN canonical form (``n <= 6``; else ``None``).
    config : str
        :meth:`TrainConfig.key`.
    seed, seeds : int
        The search's seed and the number of models trained (indices ``0 .. seeds-1``).
    successes : int
        Models that fit and passed the exact float64 re-check.
    train_fits : int
        Models that training arithmetic called a fit (``successes`` of them verified).
    fit_indices, steps_to_fit : tuple of int
        The verified models and the Adam steps each took.
    best_margin : float or None
        The exact float64 margin (least ``(2f - 1) * out`` over the inputs) of the
        best verified model (largest margin as trained), as re-verified on ``best_inputs``.
    best_index : int or None
    weights_file : str or None
        The best model's weights (``.npz``), relative to the records file's folder.
    best_inputs : {"0/1", "-1/+1"} or None
        The inputs the best network (and its saved weights) reads.
    parameters : int
        Weights and biases of one network of this shape.
    wall_seconds : float
        Training time of the joint batch this shape was trained in (``batch_shapes``).
    verify_seconds : float
    device : str
    engine : int
        :data:`ENGINE_VERSION`.
    versions : dict
    """

    n: int
    shape: tuple
    function: str
    function_hex: str
    config: str
    seed: int
    seeds: int
    successes: int
    train_fits: int
    width: int | None = None
    npn_hex: str | None = None
    fit_indices: tuple = ()
    steps_to_fit: tuple = ()
    best_margin: float | None = None
    best_index: int | None = None
    weights_file: str | None = None
    best_inputs: str | None = None
    parameters: int = 0
    wall_seconds: float = 0.0
    verify_seconds: float = 0.0
    batch_shapes: tuple = ()
    device: str = "cpu"
    engine: int = ENGINE_VERSION
    versions: dict = field(default_factory=dict)
    config_fields: dict = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return len(self.shape)

    @property
    def key(self) -> tuple:
        """What ``--resume`` compares: the same work gives the same key."""
        return batch_key(self.n, self.function_hex, self.shape, self.config, self.seed, self.seeds)

    @property
    def success_rate(self) -> float:
        return self.successes / self.seeds if self.seeds else 0.0

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["kind"] = "search-width"
        record["written_by"] = "search-width"  # the kind of records file (expressivity.results.records)
        for name in ("shape", "fit_indices", "steps_to_fit"):
            record[name] = list(record[name])
        record["batch_shapes"] = [list(s) for s in record["batch_shapes"]]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "WidthBatch":
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in record.items() if k in names}
        for name in ("shape", "fit_indices", "steps_to_fit"):
            values[name] = tuple(values.get(name, ()))
        values["batch_shapes"] = tuple(tuple(s) for s in values.get("batch_shapes", ()))
        return cls(**values)


def batch_key(n: int, function_hex: str, shape, config: str, seed: int, seeds: int) -> tuple:
    return (int(n), str(function_hex), tuple(int(w) for w in shape), str(config), int(seed), int(seeds))


def read_search_records(path: str | os.PathLike) -> list[WidthBatch]:
    """The search-width batches of a records file; :class:`RecordsError` (one line) for old or broken ones."""
    batches = []
    for record in read_records(path, kind="search-width"):  # another command's file: refused, never mixed
        if record.get("kind") != "search-width":
            continue
        if "engine" not in record or "function_hex" not in record:
            raise RecordsError(
                f"records file {path} holds search-width records of the first engine (parity, one hidden layer, "
                f"before functions and depth); this engine does not train those seeds bit for bit the same, so "
                f"they cannot be resumed or mixed: write to a new --records file")
        try:
            batches.append(WidthBatch.from_record(record))
        except (TypeError, ValueError):
            raise RecordsError(f"records file {path}: a search-width record lacks its fields") from None
    return batches


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


def weights_file_name(n: int, function_hex: str, shape, digest: str) -> str:
    """``n4_f6996_w3_<digest>.npz``; deeper networks ``..._w8-4_...``; long tables are shortened."""
    table = function_hex if len(function_hex) <= 16 else function_hex[:16] + "~"
    return f"n{n}_f{table}_w{shape_text(shape).replace(',', '-')}_{digest}.npz"


def save_weights(path: Path, model: TrainedModel, meta: dict[str, Any]) -> None:
    """Write one model's float64 weights and a JSON description to ``path`` (``.npz``), atomically.

    The arrays are ``weight_l``, ``bias_l`` for every layer (output last; one hidden
    layer also has ``hidden_weight``, ``hidden_bias``, ``output_weight``,
    ``output_bias``).  The description's ``inputs`` (``"0/1"`` or ``"-1/+1"``) is
    the model's encoding.
    """
    arrays = model.arrays()
    meta = {**meta, "inputs": "0/1" if model.encoding == "01" else "-1/+1", "shape": list(model.shape)}

    def write(temp: str) -> None:
        with open(temp, "wb") as handle:  # a handle, so numpy adds no ".npz" to the temporary name
            np.savez(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)

    write_atomic(path, write)


def load_weights(path: str | os.PathLike) -> tuple[TrainedModel, dict[str, Any]]:
    """Read back what :func:`save_weights` wrote: the model (with the inputs it reads) and its description.

    Files written before ``inputs`` was recorded hold the trained network as it was
    trained: their ``encoding`` says what it reads.  A file that is not a
    search's weights (a network saved by ``compile --out``, a folder, an empty
    or foreign file, float16 arrays) raises :class:`~expressivity.errors.InputError`
    with one line naming it; :func:`expressivity.networks.export.load_network`
    reads both kinds of network file.
    """
    arrays, meta = read_weight_arrays(path)
    name = file_name(path)
    inputs = meta.get("inputs")
    encoding = {"0/1": "01", "-1/+1": "pm1"}.get(inputs) if inputs else meta.get("encoding", "01")
    if encoding not in ("01", "pm1"):
        raise InputError(f"{name}: unknown inputs {echo(inputs or encoding)}")
    try:
        model = TrainedModel.from_arrays(arrays, n=int(meta["n"]), index=int(meta["index"]),
                                         steps=int(meta["steps"]), encoding=encoding)
    except KeyError as error:
        raise InputError(f"{name}: the weights file lacks {error.args[0]}") from None
    except (TypeError, ValueError, IndexError) as error:
        raise InputError(f"{name}: the weights file does not hold a network ({' '.join(str(error).split())})") from None
    return model, meta
