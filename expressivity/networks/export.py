"""Saving networks: a torch file any torch can load, and ONNX."""
from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from expressivity.networks.layered import MAX_DENSE_PARAMETERS, LayeredNet
from expressivity.results.atomic import write_atomic

FORMAT = "expressivity.LayeredNet/1"


def save_network(net: LayeredNet, path: str | os.PathLike) -> None:
    """Save ``net`` with ``torch.save``, atomically, as sparse tensors.

    The file holds plain tensors only, so ``torch.load(path)`` works with
    ``weights_only=True``; :func:`load_network` rebuilds the ``LayeredNet``.
    Sparse storage lets networks with millions of units be saved.
    """
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
        "layers": [{"weight": sparse(w), "bias": torch.as_tensor(b)} for w, b in zip(net.weights, net.biases)],
        "skip": None if net.skip is None else sparse(net.skip),
    }
    write_atomic(path, lambda temp: torch.save(payload, temp))


def load_network(path: str | os.PathLike) -> LayeredNet:
    """Load a network written by :func:`save_network` (without its gadget plan).

    >>> import tempfile, pathlib
    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> net = compile_network(xor_tree(5))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.pt"
    >>> save_network(net, path)
    >>> load_network(path).widths == net.widths
    True
    """
    import torch

    payload = torch.load(path, weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a network saved by expressivity")

    def dense(entry):
        return sp.csr_array(
            (entry["value"].numpy(), (entry["row"].numpy(), entry["col"].numpy())), shape=tuple(entry["shape"])
        )

    weights = tuple(dense(layer["weight"]) for layer in payload["layers"])
    biases = tuple(layer["bias"].numpy() for layer in payload["layers"])
    skip = None if payload["skip"] is None else dense(payload["skip"])
    return LayeredNet(weights, biases, skip, None, payload.get("name", ""))


def export_onnx(net: LayeredNet, path: str | os.PathLike) -> None:
    """Write ``net`` as an ONNX model (float64 Gemm/Relu), atomically.

    The graph has one input ``x`` of shape ``(batch, n_inputs)`` and one output
    ``y``; integer weights are exact in float64.  Built with the ``onnx``
    helpers directly, so the file holds exactly these weights and nothing traced.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if net.parameters > MAX_DENSE_PARAMETERS:
        raise ValueError(
            f"ONNX export stores dense matrices; this network has {net.parameters:,} dense parameters, "
            f"over the limit of {MAX_DENSE_PARAMETERS:,} (save it with --out instead, which is sparse)"
        )
    nodes, initializers = [], []
    current = "x"
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases)):
        w_name, b_name, out = f"W{layer}", f"b{layer}", f"z{layer}"
        initializers.append(numpy_helper.from_array(weight.toarray().astype(np.float64), w_name))
        initializers.append(numpy_helper.from_array(np.asarray(bias, dtype=np.float64), b_name))
        nodes.append(helper.make_node("Gemm", [current, w_name, b_name], [out], transB=1))
        current = out
        if layer < net.depth:
            nodes.append(helper.make_node("Relu", [out], [f"h{layer}"]))
            current = f"h{layer}"
    if net.skip is not None:
        initializers.append(numpy_helper.from_array(net.skip.toarray().astype(np.float64).T.copy(), "S"))
        nodes.append(helper.make_node("MatMul", ["x", "S"], ["direct"]))
        nodes.append(helper.make_node("Add", [current, "direct"], ["y"]))
    else:
        nodes.append(helper.make_node("Identity", [current], ["y"]))
    graph = helper.make_graph(
        nodes,
        net.name or "expressivity",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", net.n_inputs])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", net.n_outputs])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="expressivity")
    onnx.checker.check_model(model)
    write_atomic(path, lambda temp: onnx.save(model, temp))
