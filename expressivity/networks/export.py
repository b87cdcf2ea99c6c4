"""Saving networks: a torch file any torch can load, and ONNX.

:func:`load_network` (defined in :mod:`expressivity.networks.files`, the one
loader for every network file the toolkit writes) is re-exported here.
"""
from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError, check_path, check_type, shown
from expressivity.networks.files import FORMAT, load_network  # noqa: F401 - load_network: re-exported
from expressivity.networks.layered import MAX_DENSE_PARAMETERS, LayeredNet
from expressivity.networks.sparse_torch import to_torch_sparse  # noqa: F401 - re-exported
from expressivity.results.atomic import write_atomic


def save_network(net: LayeredNet, path: str | os.PathLike) -> None:
    """Save ``net`` with ``torch.save``, atomically, as COO triplets.

    The file is a dict ``{"format", "name", "inputs", "layers", "skip"}``;
    each layer is ``{"weight": {"shape", "row", "col", "value"}, "bias"}``
    (the nonzero weights as row indices, column indices and values: a sparse
    matrix in COO form), and ``inputs`` says the network reads 0/1 bits.  It
    holds plain tensors only, so ``torch.load(path, weights_only=True)``
    works; :func:`load_network` rebuilds the ``LayeredNet`` and
    ``load_network(path).to_torch()`` gives the torch module.  Sparse storage
    lets networks with millions of units be saved.
    """
    check_network_and_path(net, path)
    import torch

    def sparse(matrix):
        coo = sp.coo_array(matrix)
        return {
            "shape": list(coo.shape),
            "row": torch.as_tensor(coo.row.astype(np.int64)),
            "col": torch.as_tensor(coo.col.astype(np.int64)),
            "value": torch.as_tensor(coo.data),
        }

    payload = {
        "format": FORMAT,
        "name": net.name,
        "inputs": "0/1",
        "layers": [{"weight": sparse(w), "bias": torch.as_tensor(b)} for w, b in zip(net.weights, net.biases)],
        "skip": None if net.skip is None else sparse(net.skip),
    }
    write_atomic(path, lambda temp: torch.save(payload, temp))


def check_network_and_path(net, path) -> None:
    """:class:`~expressivity.errors.InputError` (one line) unless ``net`` is a LayeredNet and ``path`` a path.

    Examples
    --------
    >>> check_network_and_path(42, "net.pt")
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: net must be a LayeredNet, got 42
    """
    check_type(net, "net", LayeredNet, "a LayeredNet")
    check_path(path)


def __getattr__(name: str):
    # ``SparseLinear`` lives in :mod:`expressivity.networks.sparse_torch` (made on first use, it needs torch).
    if name == "SparseLinear":
        from expressivity.networks import sparse_torch

        return sparse_torch.SparseLinear
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: float32 holds every integer below this exactly.
FLOAT32_EXACT = 2**24
ONNX_DTYPES = ("float64", "float32")


def onnx_problem(net: LayeredNet, dtype: str = "float64") -> str | None:
    """Why ``net`` cannot be exported as ONNX in ``dtype`` (None if it can): checked before any work.

    float32 is offered only where it is exact: integer weights, and every
    value the network reaches on 0/1 (or -1/+1) inputs below 2^24 in magnitude,
    so that every partial sum is an integer float32 holds.

    Examples
    --------
    >>> from expressivity.networks.shallow import minterm
    >>> onnx_problem(minterm(6), "float32") is None
    True
    >>> onnx_problem(LayeredNet.from_dense([[[0.5]], [[1.0]]], [[0.0], [0.0]]), "float32")[:40]
    'float32 would round this network: its we'
    """
    if not isinstance(dtype, str) or dtype not in ONNX_DTYPES:
        return f"ONNX dtype must be one of {', '.join(ONNX_DTYPES)}, got {shown(dtype)}"
    if net.parameters > MAX_DENSE_PARAMETERS:
        return (f"ONNX export stores dense matrices; this network has {net.parameters:,} dense parameters, "
                f"over the limit of {MAX_DENSE_PARAMETERS:,} (save it with --out instead, which is sparse)")
    if dtype == "float32":
        integral = net.integer_form()
        if integral is None:
            return "float32 would round this network: its weights are not all integers (use float64)"
        bound = integral.magnitude_bound(1.0)
        if bound >= FLOAT32_EXACT:
            return (f"float32 would round this network: its values may reach {bound:.3g}, "
                    f"beyond 2^24 where float32 stops holding every integer (use float64)")
    return None


def export_onnx(net: LayeredNet, path: str | os.PathLike, dtype: str = "float64") -> None:
    """Write ``net`` as an ONNX model (Gemm/Relu in float64 or float32), atomically.

    The graph has one input ``x`` of shape ``(batch, n_inputs)`` and one output
    ``y``; integer weights are exact in float64, and in float32 where
    :func:`onnx_problem` allows it (raises :class:`~expressivity.errors.InputError`
    otherwise, before any work).  Built with the ``onnx`` helpers directly, so
    the file holds exactly these weights and nothing traced.
    """
    check_network_and_path(net, path)
    problem = onnx_problem(net, dtype)
    if problem:
        raise InputError(problem)
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    numpy_dtype = np.float64 if dtype == "float64" else np.float32
    element = TensorProto.DOUBLE if dtype == "float64" else TensorProto.FLOAT
    nodes, initializers = [], []
    current = "x"
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases)):
        w_name, b_name, out = f"W{layer}", f"b{layer}", f"z{layer}"
        initializers.append(numpy_helper.from_array(weight.toarray().astype(numpy_dtype), w_name))
        initializers.append(numpy_helper.from_array(np.asarray(bias, dtype=numpy_dtype), b_name))
        nodes.append(helper.make_node("Gemm", [current, w_name, b_name], [out], transB=1))
        current = out
        if layer < net.depth:
            nodes.append(helper.make_node("Relu", [out], [f"h{layer}"]))
            current = f"h{layer}"
    if net.skip is not None:
        initializers.append(numpy_helper.from_array(net.skip.toarray().astype(numpy_dtype).T.copy(), "S"))
        nodes.append(helper.make_node("MatMul", ["x", "S"], ["direct"]))
        nodes.append(helper.make_node("Add", [current, "direct"], ["y"]))
    else:
        nodes.append(helper.make_node("Identity", [current], ["y"]))
    graph = helper.make_graph(
        nodes,
        net.name or "expressivity",
        [helper.make_tensor_value_info("x", element, ["batch", net.n_inputs])],
        [helper.make_tensor_value_info("y", element, ["batch", net.n_outputs])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="expressivity")
    onnx.checker.check_model(model)
    write_atomic(path, lambda temp: onnx.save(model, temp))


#: Edges a DOT drawing of a network may have: past this it is unreadable and huge.
MAX_DOT_EDGES = 20_000


def dot_problem(net: LayeredNet) -> str | None:
    """Why ``net`` is too large to draw as DOT (None if it is not)."""
    if net.nonzero_weights > MAX_DOT_EDGES:
        return f"a DOT drawing of {net.nonzero_weights:,} weights is unreadable; the limit is {MAX_DOT_EDGES:,}"
    return None


def network_dot(net: LayeredNet) -> str:
    """The network as a Graphviz digraph: inputs, units with their biases, outputs, weights on the edges.

    Examples
    --------
    >>> print(network_dot(LayeredNet.from_dense([[[1, 1]], [[2]]], [[-1], [0]])))
    digraph network {
      rankdir=LR;
      x0 [shape=box];
      x1 [shape=box];
      h1_0 [label="relu\\nb=-1"];
      x0 -> h1_0 [label="1"];
      x1 -> h1_0 [label="1"];
      y0 [shape=doublecircle, label="y0\\nb=0"];
      h1_0 -> y0 [label="2"];
    }
    """
    problem = dot_problem(net)
    if problem:
        raise ValueError(problem)
    lines = ["digraph network {", "  rankdir=LR;"]
    lines += [f"  x{i} [shape=box];" for i in range(net.n_inputs)]
    previous = [f"x{i}" for i in range(net.n_inputs)]
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases), start=1):
        output = layer == len(net.weights)
        names = [f"y{u}" if output else f"h{layer}_{u}" for u in range(weight.shape[0])]
        csr = sp.csr_array(weight)
        for unit, name in enumerate(names):
            shape = "shape=doublecircle, " if output else ""
            kind = name if output else "relu"
            lines.append(f'  {name} [{shape}label="{kind}\\nb={_number(bias[unit])}"];')
            row = slice(csr.indptr[unit], csr.indptr[unit + 1])
            lines += [f'  {previous[col]} -> {name} [label="{_number(value)}"];'
                      for col, value in zip(csr.indices[row].tolist(), csr.data[row].tolist())]
        previous = names
    if net.skip is not None:
        coo = sp.coo_array(net.skip)
        lines += [f'  x{col} -> y{row} [style=dashed, label="{_number(value)}"];'
                  for row, col, value in sorted(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))]
    lines.append("}")
    return "\n".join(lines)


def write_network_dot(net: LayeredNet, path: str | os.PathLike) -> None:
    """Write :func:`network_dot` to ``path`` atomically."""
    from expressivity.results.atomic import write_text_atomic

    write_text_atomic(path, network_dot(net) + "\n")


def _number(value) -> str:
    value = value.item() if hasattr(value, "item") else value
    return str(int(value)) if float(value).is_integer() else repr(float(value))
