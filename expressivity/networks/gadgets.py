"""Exact ReLU gadgets: each gate as a few ReLU units on {0,1} values.

A gadget of arity ``k`` reads operand values ``v_1 .. v_k`` in {0,1}, has
units ``u_i = relu(sum_j weights[i][j] * v_j + biases[i])``, and its value is
``sum_i readout[i] * u_i + offset``.  Every gadget here depends on its
operands only through ``s = v_1 + ... + v_k``:

=====  =====  =============================================  ===================
gate   units  units                                          value
=====  =====  =============================================  ===================
AND_k  1      relu(s - (k-1))                                u
OR_k   1      relu(1 - s)                                    1 - u
XOR_k  k      relu(s), relu(s-1), ..., relu(s-(k-1))         u_0 - 2u_1 + 2u_2 - ...
COPY   1      relu(v)                                        u  (carries a value one layer)
=====  =====  =============================================  ===================

NOT is affine (``1 - v``) and needs no unit: it folds into the next layer.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from expressivity.errors import InputError, check_int, check_type

#: Gadget kinds: the circuit's nonlinear gates plus "copy".
KINDS = ("and", "or", "xor", "copy")


@dataclass(frozen=True)
class Gadget:
    """The local weights of one gate's ReLU block (see the module docstring)."""

    kind: str
    arity: int
    weights: tuple[tuple[int, ...], ...]
    biases: tuple[int, ...]
    readout: tuple[int, ...]
    offset: int

    @property
    def units(self) -> int:
        return len(self.biases)

    def __call__(self, values) -> int:
        """The gadget's value on operand values, in exact integer arithmetic.

        Examples
        --------
        >>> xor = gadget("xor", 2)
        >>> [xor((a, b)) for a in (0, 1) for b in (0, 1)]
        [0, 1, 1, 0]
        """
        units = [
            max(0, sum(w * v for w, v in zip(row, values)) + bias)
            for row, bias in zip(self.weights, self.biases)
        ]
        return sum(r * u for r, u in zip(self.readout, units)) + self.offset


#: The most operands of one gadget: an XOR gadget of arity k is k units of k weights (16 million at 2^12).
MAX_GADGET_ARITY = 1 << 12


def gadget(kind: str, arity: int) -> Gadget:
    """The gadget for ``kind`` with ``arity`` operands.

    Examples
    --------
    >>> gadget("and", 3)
    Gadget(kind='and', arity=3, weights=((1, 1, 1),), biases=(-2,), readout=(1,), offset=0)
    >>> gadget("xor", 3).readout
    (1, -2, 2)
    """
    check_type(kind, "kind", str, f"a string, one of {', '.join(KINDS)}")  # before the cache: it hashes them
    check_int(arity, "arity")
    return _gadget(kind, arity)


@lru_cache(maxsize=None)
def _gadget(kind: str, arity: int) -> Gadget:
    if not isinstance(arity, bool) and isinstance(arity, int) and arity < 1:
        raise InputError(f"a gadget needs at least one operand, got arity {arity}")
    check_int(arity, "arity", minimum=1, maximum=MAX_GADGET_ARITY, why="(an XOR gadget has arity^2 weights)")
    ones = (1,) * arity
    if kind == "and":
        return Gadget("and", arity, (ones,), (-(arity - 1),), (1,), 0)
    if kind == "or":
        return Gadget("or", arity, ((-1,) * arity,), (1,), (-1,), 1)
    if kind == "xor":
        readout = (1,) + tuple(2 * (-1) ** j for j in range(1, arity))
        return Gadget("xor", arity, (ones,) * arity, tuple(-j for j in range(arity)), readout, 0)
    if kind == "copy":
        if arity != 1:
            raise InputError("a copy gadget has exactly one operand")
        return Gadget("copy", 1, ((1,),), (0,), (1,), 0)
    raise InputError(f"no gadget for {kind!r}; kinds are {KINDS}"[:200])


def gate_function(kind: str, values) -> int:
    """The Boolean function a gadget must compute, written independently of the gadgets."""
    values = list(values)
    if kind == "and":
        return int(all(values))
    if kind == "or":
        return int(any(values))
    if kind == "xor":
        return sum(values) % 2
    if kind == "copy":
        return values[0]
    raise ValueError(f"unknown gate {kind!r}")


#: Up to this arity, gadgets are checked on every one of their 2^k local inputs.
FULL_TABLE_ARITY = 12


def check_gadget(g: Gadget) -> tuple[int, ...] | None:
    """Check ``g`` exactly; return a failing local input, or ``None`` when it is correct.

    Arity up to ``FULL_TABLE_ARITY``: every local input.  Beyond, when every unit
    weighs all operands equally (so the gadget sees only ``s = sum(v)``), every
    ``s = 0..k`` through the input ``(1,)*s + (0,)*(k-s)``, which is then complete.

    Examples
    --------
    >>> check_gadget(gadget("xor", 4)) is None
    True
    >>> broken = Gadget("xor", 2, ((1, 1), (1, 1)), (0, -1), (1, -1), 0)
    >>> check_gadget(broken)
    (1, 1)
    """
    if len(g.weights) != len(g.biases) or len(g.readout) != len(g.biases):
        return ()
    if any(len(row) != g.arity for row in g.weights):
        return ()
    if g.arity <= FULL_TABLE_ARITY:
        inputs = itertools.product((0, 1), repeat=g.arity)
    else:
        if any(len(set(row)) != 1 for row in g.weights):
            return ()  # not symmetric: too many local inputs to check one by one
        inputs = ((1,) * s + (0,) * (g.arity - s) for s in range(g.arity + 1))
    for values in inputs:
        if g(values) != gate_function(g.kind, values):
            return tuple(values)
    return None
