"""Receptive-field arithmetic: :class:`Field` (per layer, per input axis), :func:`union`, :class:`LayerField`.

*The field* of an output position, along one input axis, is the hull of the
input positions it reads: from the first to the last input position its
value depends on (structurally: through the graph's ops, whatever the
weights), dilated holes included, as the receptive-field literature counts
it.  Zero padding is read as nothing: a position at the border reads the
real inputs its window covers, and one whose window covers only zero
padding reads nothing.

Along one input axis, the positions ``i = 0, 1, ...`` of a tensor axis read
the input positions ``i * stride - padding .. i * stride - padding + size - 1``
(the notation of Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019; the interval is *unclipped*,
as the literature writes it).  A window op with kernel ``k``, stride ``s``,
padding ``p`` and dilation ``d`` maps ``(size, stride, padding) = (r, j, P)``
to::

    r' = r + d (k - 1) j,    j' = j s,    P' = P + p j

This affine description is the field of every position whose window lies
inside the input (the centre); with the input's size known, the field of a
position is that interval clipped to the input where that holds, and
``windows`` gives every position's field exactly where it does not: at the
border of a dilated or strided window (``Conv1d(3, dilation=2, padding=2)``
on 14 positions: position 1 reads inputs 1 and 3, its field is ``(1, 3)``,
not the clipped ``(0, 3)``), at zero padding of a strided axis, after
reflect, replicate or circular padding.  Stride 0 means every position
reads the same interval, e.g. after a reduction; *whole* means that interval
is the entire input along the axis.  Where no single stride describes the
positions even at the centre (adaptive pooling from 14 to 4 positions,
branches of different strides meeting, mirrored border positions) the axis
is *irregular*: a :class:`Field` reports the largest field with stride and
padding ``None``, and ``windows`` every position's
(:class:`~expressivity.counts.receptive.span.Span` composes them).
"""
from __future__ import annotations

from expressivity.errors import InputError

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import sympy


class ReceptiveFieldError(InputError):
    """A module or graph node the analysis has no rule for, or cannot trace."""


# -- one layer, per axis ----------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """What one output position reads, per input spatial axis (see the module docstring).

    ``size``, ``stride`` and ``padding`` are tuples over the input's spatial
    axes (ints, or sympy expressions for specs with symbols).  ``whole_axes``
    marks the axes along which every position reads the entire input (size:
    the input's extent, 0 when unknown; stride and padding 0); ``whole`` is
    true when that holds for every axis.  ``windows`` holds, for an
    *irregular* axis (its size is the largest, its stride and padding
    ``None``) and for a regular axis whose border positions the affine
    description, clipped to the input, does not give, every position's
    field: an inclusive ``(low, high)`` inside the input, ``None`` where the
    position reads nothing.

    Examples
    --------
    >>> Field((5, 5), (1, 1), (0, 0))
    Field(size=(5, 5), stride=(1, 1), padding=(0, 0), whole=False)
    """

    size: tuple
    stride: tuple
    padding: tuple
    whole: bool = False
    whole_axes: tuple | None = dataclasses.field(default=None, repr=False)
    windows: tuple | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self):
        if self.whole_axes is None:
            object.__setattr__(self, "whole_axes", (self.whole,) * len(self.size))
        if self.windows is None:
            object.__setattr__(self, "windows", (None,) * len(self.size))

    @classmethod
    def identity(cls, dims: int) -> "Field":
        return cls((1,) * dims, (1,) * dims, (0,) * dims)

    @property
    def irregular(self) -> tuple[bool, ...]:
        """Per axis: no single stride describes the positions (see ``windows``)."""
        return tuple(s is None for s in self.stride)

    def window(self, kernel, stride, padding, dilation) -> "Field":
        """The field after a window op (all arguments per axis; symbols allowed).

        Examples
        --------
        >>> Field.identity(1).window((3,), (1,), (0,), (1,)).window((3,), (1,), (0,), (1,))
        Field(size=(5,), stride=(1,), padding=(0,), whole=False)
        """
        if self.whole:
            return self
        if any(self.irregular):
            raise ReceptiveFieldError("Field.window applies to regular fields; irregular axes need the tracer's spans")
        return Field(
            tuple(r if w else r + d * (k - 1) * j
                  for r, k, d, j, w in zip(self.size, kernel, dilation, self.stride, self.whole_axes)),
            tuple(j if w else j * s for j, s, w in zip(self.stride, stride, self.whole_axes)),
            tuple(pad if w else pad + p * j for pad, p, j, w in zip(self.padding, padding, self.stride, self.whole_axes)),
            False, self.whole_axes,
        )

    def text(self, names: Sequence[str] | None = None) -> str:
        """``"5x5"``-style size, ``"whole input"``, or a size with notes on whole or irregular axes.

        Examples
        --------
        >>> Field((3, 12), (1, 0), (0, 0), whole_axes=(False, True)).text()
        '3x12 (whole along W)'
        """
        names = list(names) if names is not None else axis_names(len(self.size))
        if self.whole:
            return "whole input" + (f" ({'x'.join(map(str, self.size))})" if all(self.size) else "")
        text = "x".join("?" if v == 0 and w else str(v) for v, w in zip(self.size, self.whole_axes))
        notes = []
        if any(self.whole_axes):
            notes.append("whole along " + ", ".join(n for n, w in zip(names, self.whole_axes) if w))
        if any(self.irregular):
            notes.append("irregular along " + ", ".join(n for n, i in zip(names, self.irregular) if i) + ": the largest")
        return text + (f" ({'; '.join(notes)})" if notes else "")

    def to_dict(self) -> dict[str, Any]:
        """Plain values: sizes, strides and paddings per axis (``None`` where whole or irregular)."""
        def plain(v):
            return str(v) if isinstance(v, sympy.Basic) else v

        return {
            "field": [plain(v) for v in self.size],
            "stride": None if self.whole else [None if w else plain(v) for v, w in zip(self.stride, self.whole_axes)],
            "padding": None if self.whole else [None if w else plain(v) for v, w in zip(self.padding, self.whole_axes)],
            "whole_input": self.whole,
            "whole_axes": list(self.whole_axes),
            "windows": [None if w is None else [None if pair is None else list(pair) for pair in w]
                        for w in self.windows],
        }


def axis_names(dims: int) -> list[str]:
    """Names of the input's spatial axes: ``L``; ``H, W``; ``D, H, W``; else ``S0, S1, ...``.

    Examples
    --------
    >>> axis_names(2)
    ['H', 'W']
    """
    return {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}.get(dims, [f"S{i}" for i in range(dims)])


def _max(values):
    values = list(values)
    if all(isinstance(v, (int, np.integer)) for v in values):
        return max(values)
    return sympy.Max(*values)


def union(fields: Sequence[Field], where: str = "") -> Field:
    """The field of a node reading all of ``fields`` (branches meeting), for regular fields.

    With equal strides the union of the intervals: ``P = max P_b`` and
    ``size = max (size_b - P_b) + P``.  Symbols allowed.

    Examples
    --------
    >>> union([Field((5,), (1,), (2,)), Field((1,), (1,), (0,))])
    Field(size=(5,), stride=(1,), padding=(2,), whole=False)
    >>> union([Field((3,), (2,), (1,)), Field((1,), (2,), (0,))])
    Field(size=(3,), stride=(2,), padding=(1,), whole=False)
    """
    fields = list(fields)
    if len(fields) == 1:
        return fields[0]
    if any(f.whole for f in fields):
        return [f for f in fields if f.whole][0]
    dims = len(fields[0].size)
    size, stride, padding, whole = [], [], [], []
    for a in range(dims):
        wholes = [f for f in fields if f.whole_axes[a]]
        if wholes:
            axis = (wholes[0].size[a], 0, 0, True)
        else:
            strides = {f.stride[a] for f in fields}
            if len(strides) != 1 or None in strides:
                raise ReceptiveFieldError(
                    f"branches with different strides {sorted(map(str, strides))} meet at {where or 'a node'}")
            pad = _max(f.padding[a] for f in fields)
            axis = (_max(f.size[a] - f.padding[a] for f in fields) + pad, strides.pop(), pad, False)
        for values, value in zip((size, stride, padding, whole), axis):
            values.append(value)
    return Field(tuple(size), tuple(stride), tuple(padding), all(whole), tuple(whole))


@dataclass(frozen=True)
class LayerField:
    """One graph node's receptive field.

    ``field`` is what one output position reads (the true dependence).
    ``local`` is the field when every value computed by mixing all positions
    along a spatial axis (global pooling, a mean, a squeeze-and-excite gate,
    normalisation statistics, attention over positions) is held constant:
    the field "through the main path"; ``None`` where no path avoids such a
    value.  ``output_size`` is the number of positions along each input
    spatial axis where each has its own; ``axes`` names the tensor's axes
    (``N`` batch, ``C`` channels or features, ``H``/``W`` spatial, ``HW`` both
    flattened into one, ``*`` positions concatenated with others);
    ``shape`` is the tensor's shape for a batch of one, where known.
    """

    name: str
    op: str
    field: Field
    output_size: tuple | None = None
    local: Field | None = None
    axes: tuple | None = None
    shape: tuple | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "op": self.op, **self.field.to_dict()}
        data["local"] = None if self.local is None else self.local.to_dict()
        data["axes"] = None if self.axes is None else list(self.axes)
        data["output_size"] = None if self.output_size is None else list(self.output_size)
        data["shape"] = None if self.shape is None or None in self.shape else list(self.shape)
        return data


__all__ = ["Field", "LayerField", "ReceptiveFieldError", "axis_names", "union"]
