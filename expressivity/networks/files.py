"""Reading network files: one loader for every file the toolkit writes that holds a network.

Two formats hold networks:

* the torch file of :func:`~expressivity.networks.export.save_network`
  (``compile --out``, ``shallow --out``): a zip archive written by
  ``torch.save``, a dict of plain tensors (:data:`FORMAT`, each layer in COO
  form), read with ``torch.load(weights_only=True)`` so that nothing in the
  file can run code;
* the winning weights of a width search (``search-width`` and ``depth-width``
  with ``--records r.jsonl`` write them in ``r.weights/``): a numpy ``.npz`` of
  float64 arrays ``weight_l``, ``bias_l`` (output layer last) and a JSON
  description ``meta``, read with ``allow_pickle=False``.

``tied-width`` and ``prove-width`` write records (JSON lines), not network files.

:func:`load_network` reads both and returns a :class:`LayeredNet` on 0/1
inputs, like every other network of the toolkit: the exact integer weights of a
constructed network, or the float64 weights of a trained one exactly as saved
(never rounded), which the exact verifiers then judge (``verify_exhaustive``
re-checks a trained network on every input, with a rigorous bound on float64
rounding).  A trained file that reads -1/+1 inputs (its 0/1 form failed the
exact re-check when it was saved) is refused with a message pointing at
:func:`expressivity.search.records.load_weights`, which returns it with its
encoding.

Everything is checked before anything is read into memory, and every refusal
is an :class:`~expressivity.errors.InputError` with one line naming the file:
a missing file, a folder, something other than a regular file (a FIFO would
block, a device never ends), an empty file, a file (or zip content) larger than
``max_bytes``, a file that is neither format, a broken layout (shapes, indices
out of range), and weights in float16 or bfloat16 (the toolkit's arithmetic is
int64 or float64).
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
from typing import Any

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError, check_int, check_path, echo
from expressivity.networks.layered import LayeredNet

#: The ``format`` tag of :func:`~expressivity.networks.export.save_network`'s files.
FORMAT = "expressivity.LayeredNet/1"
#: The largest network file (and the largest content of its zip archive) read by default: 8 GiB, above the
#: largest file the toolkit writes (the shallow constructions stop at about 215 million weights, 24 bytes
#: each saved: 5.2 GB).  Loading takes about twice the file's size in memory.
MAX_NETWORK_FILE_BYTES = 8 << 30
#: Dtypes refused by name: the toolkit's networks hold int64 or float64 weights.
REFUSED_DTYPES = ("float16", "bfloat16")
#: What a message says the two formats are.
FORMATS_TEXT = ("expressivity writes networks as torch zip files (compile/shallow --out) and as .npz "
                "search weights (the .weights folder of --records)")


def file_name(path: str | os.PathLike) -> str:
    """``path`` as a message shows it: as it is when short and printable, else quoted and cut.

    Examples
    --------
    >>> file_name("runs/net.pt"), file_name("a\\nb")
    ('runs/net.pt', "'a\\\\nb'")
    """
    text = os.fspath(check_path(path))  # InputError for what is no path, before any file is touched
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return text if text.isprintable() and len(text) <= 200 else echo(text, 200)


def check_network_file(path: str | os.PathLike, max_bytes: int = MAX_NETWORK_FILE_BYTES) -> str:
    """Which format the file at ``path`` is, ``"torch"`` or ``"weights"`` (``.npz``), read from its zip directory.

    Reads only the zip archive's directory.  Raises :class:`InputError` (one
    line naming the file) for a file that does not exist, a folder, anything
    but a regular file, an empty file, a file or zip content over
    ``max_bytes``, and a file of neither format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("hello")
    >>> check_network_file(folder / "notes.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: .../notes.txt is not a network file: not a zip archive; expressivity writes ...
    """
    name = file_name(path)
    check_int(max_bytes, "max_bytes", minimum=1)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{name}: no such network file") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read the network file ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name} is a folder, not a network file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{name} is not a regular file; a network file is one")
    if info.st_size == 0:
        raise InputError(f"{name} is empty, not a network file")
    if info.st_size > max_bytes:
        raise InputError(f"{name} has {info.st_size:,} bytes, over the limit of {max_bytes:,} for a network file")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise InputError(f"{name} is not a network file: not a zip archive; {FORMATS_TEXT}") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read the network file ({error.strerror or error})") from None
    content = sum(member.file_size for member in members)
    if content > max_bytes:  # a compressed archive could hold far more than its size
        raise InputError(f"{name} unpacks to {content:,} bytes, over the limit of {max_bytes:,} for a network file")
    names = [member.filename for member in members]
    if any(entry.endswith("/data.pkl") for entry in names):
        return "torch"
    if "meta.npy" in names:
        return "weights"
    raise InputError(f"{name} is not a network file: a zip archive of neither format; {FORMATS_TEXT}")


def load_network(path: str | os.PathLike, max_bytes: int = MAX_NETWORK_FILE_BYTES) -> LayeredNet:
    """The network in any network file the toolkit writes, as a :class:`LayeredNet` on 0/1 inputs.

    A torch file of :func:`~expressivity.networks.export.save_network` gives the
    saved network (its gadget plan is not saved); a search's ``.npz`` weights
    give the trained network with its float64 weights exactly as saved, named
    after the file.  See the module docstring for what is refused;
    ``load_network(path).to_torch()`` is the torch module.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> from expressivity.networks.export import save_network
    >>> net = compile_network(xor_tree(5))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_network(net, folder / "net.pt")
    >>> load_network(folder / "net.pt").widths == net.widths
    True

    A search's weights (here written by hand: XOR with two units):

    >>> np.savez(folder / "xor.npz", meta=np.array('{"n": 2, "index": 0, "steps": 9, "inputs": "0/1"}'),
    ...          weight_0=np.array([[1.0, 1.0], [1.0, 1.0]]), bias_0=np.array([0.0, -1.0]),
    ...          weight_1=np.array([[1.0, -2.0]]), bias_1=np.array([-0.5]))
    >>> trained = load_network(folder / "xor.npz")
    >>> trained.forward(np.array([[0, 0], [0, 1], [1, 0], [1, 1]])).ravel().tolist()
    [-0.5, 0.5, 0.5, -0.5]
    """
    kind = check_network_file(path, max_bytes)
    if kind == "torch":
        return _network_from_torch(path)
    arrays, meta = read_weight_arrays(path, max_bytes)
    return _network_from_weights(path, arrays, meta)


# -- the torch file --------------------------------------------------------------------------

def _network_from_torch(path) -> LayeredNet:
    import torch

    name = file_name(path)
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - whatever torch's reader says, the file is not ours
        reason = " ".join(str(error).split())[:160]
        raise InputError(f"{name} is not a network file torch can read safely (weights only): "
                         f"{type(error).__name__}: {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(f"{name} is a torch file but not a network saved by expressivity "
                         f"(no format {FORMAT!r}); {FORMATS_TEXT}")
    if payload.get("inputs", "0/1") != "0/1":
        raise InputError(f"{name}: the network reads inputs {echo(payload.get('inputs'))}; expected 0/1")
    layers = payload.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{name}: the network file has no layers")
    weights, biases = [], []
    columns = None
    for number, layer in enumerate(layers, start=1):
        where = f"{name}: layer {number}"
        if not isinstance(layer, dict) or "weight" not in layer or "bias" not in layer:
            raise InputError(f"{where} lacks its weight or bias")
        bias = _numpy(layer["bias"], f"{where}'s bias", integer_only=False)
        weight = _coo(layer["weight"], f"{where}'s weight", rows=len(bias), columns=columns)
        columns = weight.shape[0]
        weights.append(weight)
        biases.append(bias)
    skip = payload.get("skip")
    if skip is not None:
        skip = _coo(skip, f"{name}: the skip connection", rows=weights[-1].shape[0], columns=weights[0].shape[1])
    label = payload.get("name", "")
    try:
        return LayeredNet(tuple(weights), tuple(biases), skip, None, label if isinstance(label, str) else "")
    except ValueError as error:
        raise InputError(f"{name}: {' '.join(str(error).split())}") from None


def _numpy(tensor, what: str, integer_only: bool) -> np.ndarray:
    """A 1-D tensor of the file as numpy: int64 for integers, float64 for float32/64; float16 is refused."""
    import torch

    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 1 or tensor.is_sparse:
        raise InputError(f"{what} is not a 1-D tensor")
    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype in REFUSED_DTYPES:
        raise InputError(f"{what} are {dtype}, which the toolkit does not take (it computes in int64 or float64): "
                         "save the network in float64")
    if tensor.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool):
        return tensor.numpy().astype(np.int64)
    if integer_only or tensor.dtype not in (torch.float32, torch.float64):
        raise InputError(f"{what} has dtype {dtype}; expected " + ("an integer dtype" if integer_only
                                                                     else "int64 or float64"))
    return tensor.numpy().astype(np.float64)  # float32 widens exactly


def _coo(entry, what: str, rows: int, columns: int | None) -> sp.csr_array:
    """A COO entry ``{"shape", "row", "col", "value"}`` as CSR, its shape and indices checked first."""
    if not isinstance(entry, dict) or not {"shape", "row", "col", "value"} <= set(entry):
        raise InputError(f"{what} is not a COO entry (shape, row, col, value)")
    shape = entry["shape"]
    if (not isinstance(shape, (list, tuple)) or len(shape) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape)):
        raise InputError(f"{what} has shape {echo(shape)}; expected two sizes")
    expected = (rows, shape[1] if columns is None else columns)
    if tuple(shape) != expected:
        raise InputError(f"{what} has shape {tuple(shape)}; its neighbours need {expected}")
    row, col = _numpy(entry["row"], f"{what}'s rows", True), _numpy(entry["col"], f"{what}'s columns", True)
    value = _numpy(entry["value"], f"{what}'s values", False)
    if not len(row) == len(col) == len(value):
        raise InputError(f"{what} has {len(row)} rows, {len(col)} columns and {len(value)} values; expected equal")
    for index, size, axis in ((row, shape[0], "row"), (col, shape[1], "column")):
        if len(index) and (index.min() < 0 or index.max() >= size):
            raise InputError(f"{what} has a {axis} index outside 0..{size - 1}")
    matrix = sp.csr_array((value, (row, col)), shape=tuple(shape))
    matrix.sum_duplicates()
    return matrix


# -- a search's weights (.npz) --------------------------------------------------------------

def read_weight_arrays(path: str | os.PathLike,
                       max_bytes: int = MAX_NETWORK_FILE_BYTES) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and the description (``meta``) of a search's ``.npz`` weights file, checked.

    The file checks of :func:`check_network_file`, then: ``meta`` must be a
    JSON object, and every array numeric (float16 refused by name).  No pickle
    is ever loaded.  Raises :class:`InputError` with one line.
    """
    name = file_name(path)
    if check_network_file(path, max_bytes) != "weights":
        raise InputError(f"{name} is a network saved by save_network, not a search's weights file "
                         "(read it with expressivity.networks.export.load_network)")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta_text = data["meta"]
            arrays = {key: data[key] for key in data.files if key != "meta"}
    except Exception as error:  # noqa: BLE001 - a damaged archive or a pickled array: not ours either way
        reason = " ".join(str(error).split())[:160]
        raise InputError(f"{name} is not a search's weights file numpy can read without pickles: "
                         f"{type(error).__name__}: {reason}") from None
    try:
        meta = json.loads(str(meta_text))
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise InputError(f"{name}: the weights file's meta is not a JSON object")
    for key, array in arrays.items():
        dtype = "bfloat16" if array.dtype.kind == "V" and array.dtype.itemsize == 2 else str(array.dtype)
        if dtype in REFUSED_DTYPES:
            raise InputError(f"{name}: array {echo(key)} is {dtype}, which the toolkit does not take "
                         "(it computes in int64 or float64): save the weights in float64")
        if array.dtype.kind not in "iuf":
            raise InputError(f"{name}: array {echo(key)} has dtype {dtype}; expected float64")
    return arrays, meta


def _network_from_weights(path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> LayeredNet:
    """The trained network of a search's weights, on 0/1 inputs, with its float64 weights as saved."""
    name = file_name(path)
    inputs = meta.get("inputs") or {"01": "0/1", "pm1": "-1/+1"}.get(meta.get("encoding", "01"))
    if inputs == "-1/+1":
        raise InputError(f"{name} holds a network trained on -1/+1 inputs (its 0/1 form failed the exact re-check "
                         "when saved); load_network gives networks on 0/1 inputs: read it with "
                         "expressivity.search.records.load_weights, which keeps its encoding")
    if inputs != "0/1":
        raise InputError(f"{name}: the weights file reads unknown inputs {echo(inputs)}")
    if "weight_0" in arrays:
        layers = sum(1 for key in arrays if key.startswith("weight_"))
        names = [(f"weight_{layer}", f"bias_{layer}") for layer in range(layers)]
    else:
        names = [("hidden_weight", "hidden_bias"), ("output_weight", "output_bias")]
    missing = [key for pair in names for key in pair if key not in arrays]
    if missing:
        raise InputError(f"{name}: the weights file lacks {', '.join(missing)}")
    weights = [np.atleast_2d(arrays[w]).astype(np.float64) for w, _ in names]
    biases = [np.asarray(arrays[b], dtype=np.float64).reshape(-1) for _, b in names]
    n = meta.get("n")
    if any(w.ndim != 2 for w in weights) or (isinstance(n, int) and weights[0].shape[1] != n):
        raise InputError(f"{name}: the first layer's weights have shape {weights[0].shape}; expected (width, n = {n})")
    label = f"trained {meta.get('function', 'function')} n={weights[0].shape[1]} " \
            f"shape={'x'.join(str(len(b)) for b in biases[:-1])} #{meta.get('index', '?')} ({os.path.basename(path)})"
    try:
        return LayeredNet.from_dense(weights, biases, name=label)
    except ValueError as error:
        raise InputError(f"{name}: {' '.join(str(error).split())}") from None
