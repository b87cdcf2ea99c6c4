"""Torch modules that hold only the nonzero weights: ``SparseLinear`` and ``to_torch_sparse``.

Apart from :mod:`expressivity.networks.export` so that ``LayeredNet.to_torch(sparse=True)``
can use it without an import circle: this module needs nothing from the rest of the package
at import time (``LayeredNet`` is only read through its ``weights``, ``biases``, ``depth`` and
``skip``).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def to_torch_sparse(net, dtype=None):
    """``net`` as a torch module whose layers are :class:`SparseLinear`: sparse COO weights, ``nn.ReLU`` between.

    ``nn.Sequential`` (or ``SkipNetwork`` with a skip connection), as
    ``net.to_torch()`` but holding only the nonzero weights, so networks with
    millions of units fit.  Default dtype float64, in which integer weights
    are exact; the weights are frozen (``requires_grad=False``).  Torch counts
    each sparse weight's ``numel()`` as its dense size, so the module's
    ``numel`` total is ``net.parameters``; ``_nnz()`` is the stored count.

    Examples
    --------
    >>> import torch
    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> net = compile_network(xor_tree(3))
    >>> module = to_torch_sparse(net)
    >>> module(torch.tensor([[0., 0., 0.], [1., 0., 1.], [1., 1., 1.]], dtype=torch.float64)).ravel().tolist()
    [0.0, 0.0, 1.0]
    >>> sum(p.numel() for p in module.parameters()) == net.parameters, module[0]
    (True, SparseLinear(in_features=3, out_features=3, nonzero=5))
    """
    import torch
    from torch import nn

    from expressivity.networks.torch_modules import SkipNetwork

    dtype = torch.float64 if dtype is None else dtype
    linear = __getattr__("SparseLinear")
    layers: list = []
    for layer, (weight, bias) in enumerate(zip(net.weights, net.biases)):
        layers.append(linear(weight, bias, dtype))
        if layer < net.depth:
            layers.append(nn.ReLU())
    body = nn.Sequential(*layers)
    return body if net.skip is None else SkipNetwork(body, linear(net.skip, None, dtype))


def _sparse_linear_class():
    """Define :class:`SparseLinear` on first use, so that importing this module does not import torch."""
    import torch
    from torch import nn

    class SparseLinear(nn.Module):
        """``y = x W^T + b`` with ``W`` a torch sparse COO tensor (frozen parameters), for inputs ``(..., in_features)``."""

        def __init__(self, weight, bias, dtype) -> None:
            super().__init__()
            csr = sp.csr_array(weight, copy=True)
            csr.sum_duplicates()  # canonical: row by row, columns sorted, no repeats (torch checks the claim)
            coo = csr.tocoo()
            indices = torch.as_tensor(np.vstack([coo.row, coo.col]).astype(np.int64))
            values = torch.as_tensor(np.asarray(coo.data), dtype=dtype)
            matrix = torch.sparse_coo_tensor(indices, values, coo.shape, dtype=dtype, check_invariants=True,
                                             is_coalesced=True)
            self.out_features, self.in_features = (int(v) for v in coo.shape)
            self.weight = nn.Parameter(matrix, requires_grad=False)
            self.bias = None if bias is None else nn.Parameter(torch.as_tensor(np.asarray(bias), dtype=dtype),
                                                               requires_grad=False)

        def forward(self, x):
            flat = x.reshape(-1, self.in_features)
            y = torch.sparse.mm(self.weight, flat.T).T
            if self.bias is not None:
                y = y + self.bias
            return y.reshape(*x.shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, nonzero={self.weight._nnz()}"

    SparseLinear.__module__, SparseLinear.__qualname__ = __name__, "SparseLinear"
    return SparseLinear


def __getattr__(name: str):
    # ``SparseLinear`` is made on first access (it needs torch); cached so that pickling finds the same class.
    if name == "SparseLinear":
        if name not in globals():
            globals()[name] = _sparse_linear_class()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["to_torch_sparse"]
