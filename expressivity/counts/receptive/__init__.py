"""Receptive fields: of every node of a torch module, of a spec, of each unit of a LayeredNet.

One import (this package) for three subjects, each in modules of its own:

* :mod:`expressivity.counts.fields`: the arithmetic per layer
  (:class:`Field`, :func:`union`, :class:`LayerField`), shared with the
  specs of :mod:`expressivity.counts.spec`, and
  :mod:`~expressivity.counts.receptive.span` along one axis (:class:`Span`,
  exact per position);
* torch modules (:func:`module_receptive_fields`), traced with torch.fx in
  eval mode and never run on data (an input shape is first checked on a fake
  tensor, :func:`check_input_shape`): :mod:`~expressivity.counts.receptive.fx` walks
  the graph; :mod:`~expressivity.counts.receptive.layout` models which
  tensor axis carries which input axis and the ops that only move positions,
  :mod:`~expressivity.counts.receptive.reads` the ops that change what
  positions read; the rules per op are in
  :mod:`~expressivity.counts.receptive.rules` (elementwise ops, mixing,
  normalisation, attention), :mod:`~expressivity.counts.receptive.windows`
  (convolution, pooling, padding) and
  :mod:`~expressivity.counts.receptive.moves` (reshapes, permutes,
  indexing, concatenation);
* :mod:`expressivity.counts.receptive.units`: the units of a layered network
  (:func:`unit_supports`, :func:`unit_field_summary`) and their closed form
  for the compiled XOR tree (:func:`xor_tree_unit_fields`).

Fields are structural: read off the graph's ops and sizes, never off weight
values, so a weight or constant that is zero (a pruned kernel, a mask of
zeros) can make the true field smaller; the tests compare every rule with
the support of an input gradient.

Examples
--------
>>> from torch import nn
>>> module_receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)), (1, 8, 8))[-1].field
Field(size=(5, 5), stride=(1, 1), padding=(0, 0), whole=False)
"""
from __future__ import annotations

from expressivity.counts.fields import Field, LayerField, ReceptiveFieldError, axis_names, union
from expressivity.counts.receptive.fx import check_input_shape, module_receptive_fields
from expressivity.counts.receptive.span import Span
from expressivity.counts.receptive.units import unit_field_summary, unit_supports, xor_tree_unit_fields, xor_tree_unit_inputs

__all__ = [
    "Field", "LayerField", "ReceptiveFieldError", "Span", "axis_names", "check_input_shape", "module_receptive_fields",
    "union",
    "unit_field_summary", "unit_supports", "xor_tree_unit_fields", "xor_tree_unit_inputs",
]
