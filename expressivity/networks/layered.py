"""A layered ReLU network with exact (integer) weights, and its torch and ONNX forms.

``LayeredNet`` is the record every construction in the toolkit produces: the
compiler (circuits of any depth), the shallow constructions, and networks found
by search.  It computes

    h_0 = x,   h_l = relu(W_l h_{l-1} + b_l)  (l = 1..D),   y = W_out h_D + b_out [+ S x]

with ``D`` hidden layers, an affine output, and an optional direct (skip)
connection ``S`` from the input to the output.  Weight matrices are
``scipy.sparse.csr_array`` so that networks with a million units stay small;
their dtype is int64 for exact constructions and float64 for trained ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError, check_type
from expressivity.networks import bounds

#: Largest dense parameter count that ``to_torch`` will materialise.
MAX_DENSE_PARAMETERS = 200_000_000
#: Weight matrices up to this many entries are multiplied densely (BLAS), larger ones sparsely.
DENSE_ENTRIES = 1 << 22
#: Integers below this magnitude are exact in float64.
FLOAT64_EXACT = bounds.FLOAT64_EXACT


#: The weight dtypes a network may have (by name, numpy's or torch's): integers, float32 and float64.
ACCEPTED_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")

_ACCEPTED = frozenset(np.dtype(name) for name in ACCEPTED_DTYPES)


def check_dtype(array: Any, where: str) -> None:
    """Raise :class:`~expressivity.errors.InputError` (one line naming ``where`` and the dtype) unless
    ``array`` (numpy, scipy, torch, or a nested list) has one of :data:`ACCEPTED_DTYPES`.

    float16 and bfloat16 are refused by name: every construction and verifier of the
    toolkit computes in int64 or float64, and a half-precision network is a
    different object from the float64 network with the same values.

    Examples
    --------
    >>> check_dtype(np.zeros(2, dtype=np.float32), "layer 1 weights")
    >>> check_dtype(np.zeros(2, dtype=np.float16), "layer 1 weights")
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: layer 1 weights: dtype float16 is not supported (the toolkit takes integer, float32 or float64 weights)
    """
    dtype = getattr(array, "dtype", None)
    if dtype in _ACCEPTED:
        return
    if dtype is None:
        dtype = np.asarray(array).dtype
    name = str(getattr(dtype, "name", dtype)).removeprefix("torch.")
    if name not in ACCEPTED_DTYPES:
        raise InputError(f"{where}: dtype {name} is not supported (the toolkit takes integer, float32 or float64 weights)")


def as_csr(matrix: Any, dtype=None) -> sp.csr_array:
    """Any dense or sparse matrix as a ``csr_array`` (int64 if integral, else float64)."""
    csr = sp.csr_array(matrix)
    if dtype is None:
        dtype = np.int64 if np.issubdtype(csr.dtype, np.integer) or csr.dtype == bool else np.float64
    csr = csr.astype(dtype)
    csr.eliminate_zeros()
    csr.sort_indices()
    return csr


@dataclass(frozen=True, eq=False)
class LayeredNet:
    """A ReLU network as weight matrices and bias vectors.

    Parameters
    ----------
    weights : tuple of csr_array
        ``weights[l]`` has shape ``(width_l, width_{l-1})``; the last one is the
        output layer.  ``len(weights) == depth + 1``.
    biases : tuple of ndarray
        One vector per entry of ``weights``.
    skip : csr_array or None
        Optional direct connection from the input to the output, shape
        ``(n_outputs, n_inputs)``.
    plan : ArrayPlan, tuple or None
        For compiled circuits: per hidden layer, the gadgets it is made of
        (an :class:`~expressivity.networks.compiler.ArrayPlan`, or a tuple of
        ``PlacedGadget`` tuples); the compositional certificate reads it.
        ``None`` for other networks.
    name : str
        A short description.

    Examples
    --------
    XOR of two bits with one hidden layer of two units:

    >>> net = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]])
    >>> net.forward(np.array([[0, 0], [0, 1], [1, 0], [1, 1]])).ravel().tolist()
    [0, 1, 1, 0]
    >>> net.depth, net.widths, net.parameters
    (1, (2,), 9)
    """

    weights: tuple
    biases: tuple
    skip: sp.csr_array | None = None
    plan: tuple | None = field(default=None, repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        check_type(self.weights, "weights", (tuple, list), "a tuple of scipy sparse matrices (or use from_dense)")
        check_type(self.biases, "biases", (tuple, list), "a tuple of numpy vectors")
        if len(self.weights) != len(self.biases) or not self.weights:
            raise InputError("a LayeredNet needs as many bias vectors as weight matrices, at least one")
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            if not ((sp.issparse(weight) or isinstance(weight, np.ndarray)) and weight.ndim == 2):
                raise InputError(f"layer {layer + 1} weights must be a 2-D scipy sparse matrix (or use from_dense), "
                                 f"got a {type(weight).__name__}")
            check_type(bias, f"layer {layer + 1} biases", np.ndarray, "a numpy vector")
        check_type(self.name, "name", str, "a string")
        if not (self.plan is None or isinstance(self.plan, (tuple, list)) or hasattr(self.plan, "layers")):
            raise InputError(f"plan must be None, a tuple of placed gadgets or an ArrayPlan, got a {type(self.plan).__name__}")
        previous = self.weights[0].shape[1]
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            if weight.shape[1] != previous:
                raise InputError(f"layer {layer + 1} reads {weight.shape[1]} values, the previous has {previous}")
            if bias.shape != (weight.shape[0],):
                raise InputError(f"layer {layer + 1} bias has shape {bias.shape}, expected ({weight.shape[0]},)")
            previous = weight.shape[0]
            check_dtype(weight, f"layer {layer + 1} weights")
            check_dtype(bias, f"layer {layer + 1} biases")
        if self.skip is not None:
            check_dtype(self.skip, "skip weights")
        if self.skip is not None and not (sp.issparse(self.skip) and self.skip.shape == (self.n_outputs, self.n_inputs)):
            raise InputError(f"skip must be None or a scipy sparse matrix of shape (n_outputs, n_inputs) = "
                             f"({self.n_outputs}, {self.n_inputs})")

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_dense(cls, weights, biases, skip=None, plan=None, name: str = "") -> "LayeredNet":
        """Build from nested lists or arrays; integral values stay int64."""
        check_type(weights, "weights", (tuple, list, np.ndarray), "a list of weight matrices")
        check_type(biases, "biases", (tuple, list, np.ndarray), "a list of bias vectors")
        for layer, (w, b) in enumerate(zip(weights, biases)):
            check_dtype(w, f"layer {layer + 1} weights")
            check_dtype(b, f"layer {layer + 1} biases")
        if skip is not None:
            check_dtype(skip, "skip weights")
        matrices = tuple(as_csr(np.atleast_2d(np.asarray(w))) for w in weights)
        integral = all(np.issubdtype(m.dtype, np.integer) for m in matrices)
        vectors = tuple(np.asarray(b, dtype=np.int64 if integral else np.float64).reshape(-1) for b in biases)
        if not integral:
            matrices = tuple(m.astype(np.float64) for m in matrices)
        skip_matrix = None if skip is None else as_csr(np.atleast_2d(np.asarray(skip)))
        return cls(matrices, vectors, skip_matrix, plan, name)

    # -- shape and counts -----------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return int(self.weights[0].shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.weights[-1].shape[0])

    @property
    def depth(self) -> int:
        """Number of hidden (ReLU) layers."""
        return len(self.weights) - 1

    @property
    def widths(self) -> tuple[int, ...]:
        """Width of each hidden layer."""
        return tuple(int(w.shape[0]) for w in self.weights[:-1])

    @property
    def neurons(self) -> int:
        """Hidden units in all."""
        return sum(self.widths)

    @property
    def parameters(self) -> int:
        """Parameters as torch counts them for the dense ``to_torch`` module (weights and biases)."""
        total = sum(int(w.shape[0]) * int(w.shape[1]) + int(w.shape[0]) for w in self.weights)
        if self.skip is not None:
            total += int(self.skip.shape[0]) * int(self.skip.shape[1])
        return total

    @property
    def nonzero_weights(self) -> int:
        """Nonzero entries of the weight matrices (biases not included)."""
        total = sum(int(w.count_nonzero()) for w in self.weights)
        return total + (int(self.skip.count_nonzero()) if self.skip is not None else 0)

    @property
    def is_integral(self) -> bool:
        """True when every weight and bias is an integer (exact arithmetic applies)."""
        arrays = [w.data for w in self.weights] + list(self.biases)
        if self.skip is not None:
            arrays.append(self.skip.data)
        return all(np.issubdtype(a.dtype, np.integer) for a in arrays)

    def counts(self) -> dict[str, Any]:
        """The network's counts as a plain dict (for tables and ``--json``)."""
        return {
            "hidden_layers": self.depth,
            "widths": list(self.widths),
            "neurons": self.neurons,
            "parameters": self.parameters,
            "nonzero_weights": self.nonzero_weights,
        }

    # -- exact evaluation -----------------------------------------------------
    def magnitude_bound(self, input_bound: float = 1.0) -> float:
        """An upper bound on ``|value|`` of every unit, output and partial sum for inputs in [-input_bound, input_bound].

        Rigorous at every magnitude, whatever the dtype: summed in float64 (no
        int64 wrap) and rounded upwards (:func:`expressivity.networks.bounds.magnitude_bound`).
        """
        return bounds.magnitude_bound(self.weights, self.biases, self.skip, input_bound)

    def rounding_error_bound(self, input_bound: float = 1.0) -> float:
        """An upper bound on the float64 rounding error of any output, for inputs exact in float64.

        The classical bound for dot products computed in any order, with or
        without fused multiply-adds, with an absolute term for underflow, carried
        through the layers and rounded upwards
        (:func:`expressivity.networks.bounds.rounding_error_bound`).  Zero for
        integer-valued networks whose every partial sum is an integer below 2^53
        (:meth:`arithmetic` is then ``"float64-exact"`` or ``"int64"``).
        """
        integral = self.integer_form()
        if integral is not None and integral.magnitude_bound(input_bound) < FLOAT64_EXACT:
            return 0.0
        return bounds.rounding_error_bound(self.weights, self.biases, self.skip, input_bound)

    def nonfinite(self) -> str | None:
        """Where the first NaN or infinite weight or bias is, in words, or None when every value is finite.

        Examples
        --------
        >>> LayeredNet.from_dense([[[1.0, 2.0]], [[float("nan")]]], [[0.0], [0.0]]).nonfinite()
        'layer 2 has a weight of nan (unit 0, input 0)'
        """
        matrices = list(self.weights) + ([self.skip] if self.skip is not None else [])
        for layer, matrix in enumerate(matrices):
            name = f"layer {layer + 1}" if layer < len(self.weights) else "the skip connection"
            csr = matrix if sp.issparse(matrix) and matrix.format == "csr" else sp.csr_array(matrix)
            bad = np.flatnonzero(~np.isfinite(csr.data)) if csr.data.dtype.kind == "f" else []
            if len(bad):
                at = int(bad[0])
                unit = int(np.searchsorted(csr.indptr, at, side="right")) - 1
                return f"{name} has a weight of {float(csr.data[at])} (unit {unit}, input {int(csr.indices[at])})"
            if layer < len(self.biases) and self.biases[layer].dtype.kind == "f":
                bad = np.flatnonzero(~np.isfinite(self.biases[layer]))
                if len(bad):
                    return f"{name} has a bias of {float(self.biases[layer][bad[0]])} (unit {int(bad[0])})"
        return None

    def integer_form(self) -> "LayeredNet | None":
        """This network with int64 weights and biases when every value is an integer below 2^62, else None.

        Decided by the values, not the dtype: float64 weights such as ``2.0**54``
        are integers too, and must be computed as integers, not rounded.

        Examples
        --------
        >>> LayeredNet.from_dense([[[2.0, 1.0]], [[1.0]]], [[0.0], [0.0]]).integer_form().weights[0].dtype
        dtype('int64')
        >>> LayeredNet.from_dense([[[0.5, 1.0]], [[1.0]]], [[0.0], [0.0]]).integer_form() is None
        True
        """
        if self.is_integral:
            return self
        arrays = [w.data for w in self.weights] + list(self.biases) + ([self.skip.data] if self.skip is not None else [])
        for array in arrays:
            array = np.asarray(array)
            if array.dtype.kind in "iub":  # compared, not abs'd: abs(-2^63) wraps in int64
                if not np.all((array < 2**62) & (array > -2**62)):
                    return None
            elif not (np.all(np.isfinite(array)) and np.all(np.abs(array) < 2.0**62) and np.all(array == np.round(array))):
                return None
        cast = lambda matrix: sp.csr_array(matrix.astype(np.int64))  # noqa: E731 - exact: integers below 2^62
        return LayeredNet(
            tuple(cast(w) for w in self.weights), tuple(b.astype(np.int64) for b in self.biases),
            None if self.skip is None else cast(self.skip), self.plan, self.name,
        )

    def arithmetic(self, input_bound: float = 1.0) -> str:
        """How :meth:`forward` computes: ``"float64-exact"``, ``"int64"`` or ``"float64"``.

        Integer networks whose every intermediate value stays below 2^53 in
        magnitude are computed in float64, which is then exact (every partial
        sum is an integer below 2^53); larger integer networks use int64.
        Networks with float weights use float64 (rounded; see
        :meth:`integer_form` for integer values stored as floats).  Every
        partial sum is bounded by the row sums of ``|W|`` times the previous
        bound, which is what :meth:`magnitude_bound` adds up.
        """
        if not self.is_integral:
            return "float64"
        bound = self.magnitude_bound(input_bound)
        if bound < FLOAT64_EXACT:
            return "float64-exact"
        if bound < 2**63:
            return "int64"
        raise OverflowError(f"values of this network may reach {bound:.3g}, beyond int64")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Outputs for the rows of ``x`` (shape ``(m, n_inputs)``), exactly for integer networks.

        Returns int64 for integer networks and inputs, float64 otherwise.
        """
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ValueError(f"expected inputs of shape (m, {self.n_inputs}), got {x.shape}")
        integral_input = np.issubdtype(x.dtype, np.integer) or x.dtype == bool
        bound = float(np.max(np.abs(x), initial=0)) if x.size else 0.0
        mode = self.arithmetic(bound) if integral_input else "float64"
        dtype = np.int64 if mode == "int64" else np.float64
        out = self.forward_columns(np.ascontiguousarray(x.T, dtype=dtype)).T
        if mode == "float64-exact":
            out = out.astype(np.int64)
        return np.ascontiguousarray(out)

    def forward_columns(self, h: np.ndarray) -> np.ndarray:
        """Outputs ``(n_outputs, m)`` for inputs given as columns ``(n_inputs, m)`` of dtype float64 or int64.

        The caller picks the dtype (see :meth:`arithmetic`); this is the fast path
        the exhaustive verifier uses.  Small layers use dense BLAS products, which
        stay exact for integer networks under the bound of :meth:`arithmetic`
        because every partial sum, in any order, is an integer within it.
        """
        matrices = self._matrices(h.dtype)
        x = h
        for layer, (weight, bias) in enumerate(zip(matrices, self.biases)):
            h = weight @ h
            h += bias.astype(h.dtype)[:, None]
            if layer < self.depth:
                np.maximum(h, 0, out=h)
        if self.skip is not None:
            h = h + self.skip.astype(h.dtype) @ x
        return h

    def _matrices(self, dtype) -> tuple:
        cache = self.__dict__.setdefault("_matrix_cache", {})
        key = np.dtype(dtype).str
        if key not in cache:
            cache[key] = tuple(
                w.astype(dtype).toarray() if w.shape[0] * w.shape[1] <= DENSE_ENTRIES else w.astype(dtype)
                for w in self.weights
            )
        return cache[key]

    # -- torch ----------------------------------------------------------------
    def to_torch(self, dtype=None, sparse: bool = False):
        """A torch module with exactly these weights.

        Without a skip connection: ``nn.Sequential`` of ``Linear`` and ``ReLU``.
        With one: a :class:`SkipNetwork` holding that ``Sequential`` and a bias-free
        ``Linear`` from input to output.  Default dtype float64, in which integer
        weights are exact.  ``sparse=True`` gives the same module with
        :class:`~expressivity.networks.sparse_torch.SparseLinear` layers (torch sparse
        COO weight matrices), for networks too large to hold densely
        (:func:`~expressivity.networks.sparse_torch.to_torch_sparse`).
        """
        if sparse:
            from expressivity.networks.sparse_torch import to_torch_sparse

            return to_torch_sparse(self, dtype)
        import torch
        from torch import nn

        from expressivity.networks.torch_modules import SkipNetwork

        if self.parameters > MAX_DENSE_PARAMETERS:
            raise ValueError(
                f"this network has {self.parameters:,} dense parameters; to_torch stops at "
                f"{MAX_DENSE_PARAMETERS:,} (use to_torch(sparse=True), or the sparse LayeredNet record)"
            )
        dtype = torch.float64 if dtype is None else dtype
        layers: list[nn.Module] = []
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.as_tensor(weight.toarray(), dtype=dtype))
                linear.bias.copy_(torch.as_tensor(bias, dtype=dtype))
            layers.append(linear)
            if layer < self.depth:
                layers.append(nn.ReLU())
        body = nn.Sequential(*layers)
        if self.skip is None:
            return body
        direct = nn.Linear(self.n_inputs, self.n_outputs, bias=False, dtype=dtype)
        with torch.no_grad():
            direct.weight.copy_(torch.as_tensor(self.skip.toarray(), dtype=dtype))
        return SkipNetwork(body, direct)
