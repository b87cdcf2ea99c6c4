"""The symmetry group of a function: the input transforms that fix it, up to output negation (n <= 6).

An element is an :class:`~expressivity.functions.npn.NPNTransform`
``(perm, flips, negate_output)`` with ``T.apply(f) == f``, in the convention of
:mod:`expressivity.functions.npn`: for every input ``x``, with
``y[perm[i]] = x[i] XOR flips[i]``,

    ``f(y) == f(x)``        when ``negate_output`` is False (the input transform preserves f),
    ``f(y) == NOT f(x)``    when ``negate_output`` is True  (it preserves f up to negating the output).

For each input transform ``(perm, flips)`` at most one of the two holds, so
the group lists each input transform at most once.  It is a group under
:meth:`NPNTransform.after` (the stabiliser of ``f`` in the NPN group), which is
what makes it safe for symmetry breaking: if ``f`` has a representation (a
network, a circuit) reading ``x``, then reading ``y`` instead computes ``f``
itself, or ``NOT f`` when ``negate_output`` is set.

Examples
--------
>>> from expressivity.functions.families import majority, parity, threshold
>>> symmetry_group(parity(3)).size, symmetry_group(threshold(3, 3)).size, symmetry_group(majority(3)).size
(48, 6, 12)
>>> [t.flips for t in symmetry_group(majority(3)).negating]
[(1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1)]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expressivity.functions.npn import NPNTransform, _check_npn_bits, _function, input_transforms, transform_number
from expressivity.functions.table import BooleanFunction


@dataclass(frozen=True)
class SymmetryGroup:
    """The transforms fixing a function of ``n <= 6`` bits (see the module docstring).

    Attributes
    ----------
    n : int
        The number of input bits.
    spec : str
        The spec of the function whose group this is.
    elements : tuple of NPNTransform
        Every ``(perm, flips, negate_output)`` with ``T.apply(f) == f``, ordered by
        ``perm`` (``itertools.permutations`` order) and then by the flip mask
        ``sum_i flips[i] 2^i``.  Always contains the identity.
    """

    n: int
    spec: str
    elements: tuple[NPNTransform, ...]

    @property
    def size(self) -> int:
        """The number of elements (the order of the group)."""
        return len(self.elements)

    @property
    def preserving(self) -> tuple[NPNTransform, ...]:
        """The elements with ``f(y) == f(x)``: a subgroup (index 1 or 2)."""
        return tuple(t for t in self.elements if not t.negate_output)

    @property
    def negating(self) -> tuple[NPNTransform, ...]:
        """The elements with ``f(y) == NOT f(x)`` (empty, or a coset of :attr:`preserving`)."""
        return tuple(t for t in self.elements if t.negate_output)

    def __contains__(self, transform) -> bool:
        return transform in set(self.elements)


def symmetry_group(f: BooleanFunction) -> SymmetryGroup:
    """All input transforms ``(perm, flips)`` with ``f o T == f`` or ``f o T == NOT f``, for ``n <= 6``.

    One vectorised comparison of ``f`` with its ``n! * 2^n`` images
    (:func:`~expressivity.functions.npn.input_transforms`).

    Examples
    --------
    >>> from expressivity.functions.expression import function_from_expression
    >>> group = symmetry_group(function_from_expression("x0 & ~x1", 2))
    >>> for t in group.elements: print(t)        # y1 = NOT x0, y0 = NOT x1: y0 & ~y1 = x0 & ~x1
    NPNTransform(perm=(0, 1), flips=(0, 0), negate_output=False)
    NPNTransform(perm=(1, 0), flips=(1, 1), negate_output=False)
    """
    _check_npn_bits(_function(f).n)
    _, index = input_transforms(f.n)
    images = f.table[index]
    same = (images == f.table).all(axis=1)
    opposite = (images != f.table).all(axis=1)
    elements = tuple(
        transform_number(f.n, int(t), bool(opposite[t])) for t in np.flatnonzero(same | opposite)
    )
    return SymmetryGroup(f.n, f.spec, elements)
