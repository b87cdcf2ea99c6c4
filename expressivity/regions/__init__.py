"""Real-valued ReLU networks as exact piecewise-linear maps: regions and pieces, exactly.

- :func:`segment_partition` -- every breakpoint on a segment (1D), exact rationals;
  :func:`equal_on_segment` proves two networks equal there.
- :func:`plane_partition` -- the regions of a convex polygon of a plane (2D), exact vertices.
- :func:`traverse_regions` -- the regions of a box in a few dimensions, one LP per region.
- :mod:`~expressivity.regions.sawtooth` -- the sawtooth, its one-hidden-layer twin, zigzags, interpolants.

Every count says which it is: *activation regions* (one on/off pattern) or
*linear pieces* (one affine map; neighbouring regions with the same map merged).
"""
from expressivity.regions.linear1d import PiecewiseLinear
from expressivity.regions.networks import ExactNet, NetworkFormError, as_exact_net
from expressivity.regions.planar import PlanePartition, box, plane_partition
from expressivity.regions.sawtooth import sawtooth, shallow_sawtooth, zigzag
from expressivity.regions.segment import RegionsLimit, SegmentPartition, equal_on_segment, segment_partition
from expressivity.regions.traversal import Traversal, traverse_regions

__all__ = [
    "PiecewiseLinear", "ExactNet", "NetworkFormError", "as_exact_net", "PlanePartition", "box", "plane_partition",
    "sawtooth", "shallow_sawtooth", "zigzag", "RegionsLimit", "SegmentPartition", "equal_on_segment",
    "segment_partition", "Traversal", "traverse_regions",
]
