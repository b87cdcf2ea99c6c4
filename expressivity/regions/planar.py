"""Exact activation regions and linear pieces of a ReLU network on a convex polygon of a plane.

The plane is the input space of a two-input network, or the 2D slice
``x(u, v) = origin + u a + v b`` of a larger one.  The partition is a planar
graph refined one unit at a time (edge subdivision): a unit is affine on every
current face, so an edge whose ends have strictly opposite signs is cut where
the unit vanishes, and a face with vertices of both signs splits in two along
the new vertices (faces stay convex).  Vertices are exact: homogeneous integer
coordinates ``(p_u, p_v, q)``, ``(u, v) = (p_u / q, p_v / q)``, with the current
layer's unit values ``z / q``, and a cut is the 2x2 determinant of its ends, as
in :mod:`expressivity.regions.segment`.

Faces are the activation regions: every inner edge lies on the zero line of
the unit that cut it, with that unit on on one side and off on the other, so
two neighbouring faces always differ.  Linear pieces merge neighbouring faces
whose output maps are the same (exact gradients).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from expressivity.errors import InputError
from expressivity.regions.exact_matmul import exact_matmul
from expressivity.regions.networks import as_exact_net
from expressivity.regions.segment import RegionsLimit

#: Faces the partition may hold.
MAX_FACES = 1 << 20


@dataclass(eq=False)
class PlanePartition:
    """The exact partition of a convex polygon: vertices (homogeneous integers) and faces (vertex cycles, CCW)."""

    pu: list
    pv: list
    q: list
    outputs: list  # per vertex, the output numerators (y = z / q)
    faces: list
    origin: tuple | None = None
    axes: tuple | None = None
    _pieces: list | None = field(default=None, repr=False)

    @property
    def regions(self) -> int:
        """Activation regions (faces of the partition)."""
        return len(self.faces)

    def vertex(self, index: int) -> tuple[Fraction, Fraction]:
        return Fraction(self.pu[index], self.q[index]), Fraction(self.pv[index], self.q[index])

    def polygon(self, face: int) -> list[tuple[Fraction, Fraction]]:
        """Region ``face`` as its exact vertices, counter-clockwise."""
        return [self.vertex(v) for v in self.faces[face]]

    def area(self, face: int) -> Fraction:
        """The exact area of region ``face`` (shoelace formula)."""
        points = self.polygon(face)
        twice = sum((a[0] * b[1] - b[0] * a[1] for a, b in zip(points, points[1:] + points[:1])), Fraction(0))
        return twice / 2

    def edges(self) -> set[tuple[int, int]]:
        """Every edge of the planar graph, as ``(smaller vertex, larger vertex)``."""
        return {(min(a, b), max(a, b)) for face in self.faces for a, b in zip(face, face[1:] + face[:1])}

    def euler_characteristic(self) -> int:
        """``V - E + F`` with the inner faces only: 1 for a partition of a polygon."""
        used = {v for face in self.faces for v in face}
        return len(used) - len(self.edges()) + len(self.faces)

    def interior_point(self, face: int) -> tuple[Fraction, Fraction]:
        """A point inside region ``face``: the centroid of three of its vertices that are not collinear."""
        a, b, c = (self.vertex(v) for v in _corners(self, self.faces[face]))
        return (a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3

    def adjacency(self) -> dict[int, set[int]]:
        """For each region, the regions that share an edge with it."""
        owners: dict = {}
        for index, face in enumerate(self.faces):
            for a, b in zip(face, face[1:] + face[:1]):
                owners.setdefault((min(a, b), max(a, b)), []).append(index)
        neighbours: dict = {index: set() for index in range(len(self.faces))}
        for faces in owners.values():
            if len(faces) == 2:
                neighbours[faces[0]].add(faces[1])
                neighbours[faces[1]].add(faces[0])
        return neighbours

    def gradient(self, face: int) -> tuple:
        """The output's exact gradient ``(d/du, d/dv)`` per output on region ``face``."""
        a, b, c = _corners(self, self.faces[face])
        (ua, va), (ub, vb), (uc, vc) = self.vertex(a), self.vertex(b), self.vertex(c)
        det = (ub - ua) * (vc - va) - (uc - ua) * (vb - va)
        result = []
        for k in range(len(self.outputs[a])):
            ya, yb, yc = (Fraction(self.outputs[v][k], self.q[v]) for v in (a, b, c))
            result.append((((yb - ya) * (vc - va) - (yc - ya) * (vb - va)) / det,
                           ((ub - ua) * (yc - ya) - (uc - ua) * (yb - ya)) / det))
        return tuple(result)

    def piece_of(self) -> list[int]:
        """For each region, the index of its linear piece (neighbours with one affine map merged)."""
        if self._pieces is None:
            gradients = [self.gradient(face) for face in range(len(self.faces))]
            parent = list(range(len(self.faces)))

            def find(i):
                while parent[i] != i:
                    parent[i] = parent[parent[i]]
                    i = parent[i]
                return i

            for face, others in self.adjacency().items():
                for other in others:
                    if gradients[face] == gradients[other]:
                        parent[find(face)] = find(other)
            roots = {}
            self._pieces = [roots.setdefault(find(i), len(roots)) for i in range(len(self.faces))]
        return self._pieces

    @property
    def pieces(self) -> int:
        """Linear pieces: maximal connected unions of regions with one affine output map."""
        return len(set(self.piece_of()))


def _corners(partition: PlanePartition, face: list) -> tuple[int, int, int]:
    """Three vertices of ``face`` that are not collinear (a face may have vertices inside its edges)."""
    a = face[0]
    ua, va = partition.vertex(a)
    for i in range(1, len(face) - 1):
        ub, vb = partition.vertex(face[i])
        for c in face[i + 1:]:
            uc, vc = partition.vertex(c)
            if (ub - ua) * (vc - va) != (uc - ua) * (vb - va):
                return a, face[i], c
    raise AssertionError("a face without area")  # never: every face is cut from a polygon with area


def box(u0, u1, v0, v1) -> list[tuple[Fraction, Fraction]]:
    """The rectangle ``[u0, u1] x [v0, v1]`` as a counter-clockwise polygon."""
    u0, u1, v0, v1 = (Fraction(x) for x in (u0, u1, v0, v1))
    if not (u0 < u1 and v0 < v1):
        raise InputError(f"the box [{u0}, {u1}] x [{v0}, {v1}] is empty (each start must be below its end)")
    return [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]


def plane_partition(network, polygon, *, origin=None, axes=None, time_limit: float | None = None,
                    max_faces: int = MAX_FACES, progress=None) -> PlanePartition:
    """The exact regions of ``network`` on a convex ``polygon`` (vertices ``(u, v)``).

    For a two-input network ``(u, v)`` is the input; for more inputs give
    ``origin`` (a point) and ``axes`` (two directions): ``x = origin + u a + v b``.

    Examples
    --------
    Three lines in general position cut the square into 7 regions:

    >>> from expressivity.regions.networks import ExactNet
    >>> net = ExactNet.from_floats([[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]], [[-0.5, -0.5, -1.25], [0]])
    >>> part = plane_partition(net, box(0, 1, 0, 1))
    >>> part.regions, part.pieces, sum(part.area(f) for f in range(part.regions)), part.euler_characteristic()
    (7, 7, Fraction(1, 1), 1)
    """
    net = as_exact_net(network)
    corners = _convex(polygon)
    origin, axes = plane_axes(net, origin, axes)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    pu, pv, q, h = [], [], [], []
    for u, v in corners:
        x = [o + u * a + v * b for o, a, b in zip(origin, *axes)]
        common = math.lcm(u.denominator, v.denominator, *(c.denominator for c in x))
        pu.append(int(u * common))
        pv.append(int(v * common))
        q.append(common)
        h.append([int(c * common) for c in x])
    faces = [list(range(len(corners)))]
    for index, layer in enumerate(net.layers):
        table = np.array(h, dtype=object).reshape(len(q), -1)
        z = exact_matmul(table, layer.weight.T) + np.outer(np.array(q, dtype=object), layer.bias)
        scale = layer.denominator
        pu, pv, q = [x * scale for x in pu], [x * scale for x in pv], [x * scale for x in q]
        rows = z.tolist()
        for vertex in range(len(q)):
            pu[vertex], pv[vertex], q[vertex], rows[vertex] = _reduced(pu[vertex], pv[vertex], q[vertex], rows[vertex])
        if layer.relu:
            for unit in range(layer.width):
                faces = _cut(faces, unit, pu, pv, q, rows)
                if len(faces) > max_faces:
                    raise RegionsLimit(f"more than {max_faces:,} regions (layer {index + 1}, unit {unit + 1})")
                if deadline is not None and time.monotonic() > deadline:
                    raise RegionsLimit(f"stopped at layer {index + 1}, unit {unit + 1}: past the time limit "
                                       f"of {time_limit:g} s ({len(faces):,} regions so far)")
            h = [[max(v, 0) for v in row] for row in rows]
        else:
            h = rows
        if progress is not None:
            progress(index + 1, len(net.layers), len(faces))
    if net.skip is not None:
        h = _add_skip(net, origin, axes, pu, pv, q, h)
    return PlanePartition(pu, pv, q, h, faces, tuple(origin), tuple(tuple(a) for a in axes))


def _reduced(pu, pv, q, row):
    g = math.gcd(q, pu, pv, *row)
    if g == 1:
        return pu, pv, q, row
    return pu // g, pv // g, q // g, [v // g for v in row]


def _cut(faces, unit, pu, pv, q, rows):
    """Split every face that ``unit`` crosses; new vertices are appended to the vertex lists."""
    sign = [(row[unit] > 0) - (row[unit] < 0) for row in rows]
    made: dict = {}
    result = []
    for face in faces:
        signs = [sign[v] for v in face]
        if not (1 in signs and -1 in signs):
            result.append(face)
            continue
        cycle = []
        for a, b in zip(face, face[1:] + face[:1]):
            cycle.append(a)
            if sign[a] * sign[b] < 0:
                key = (min(a, b), max(a, b))
                if key not in made:
                    made[key] = _new_vertex(a, b, unit, pu, pv, q, rows)
                    sign.append(0)
                cycle.append(made[key])
        result.append([v for v in cycle if sign[v] >= 0])
        result.append([v for v in cycle if sign[v] <= 0])
    return result


def _new_vertex(a, b, unit, pu, pv, q, rows) -> int:
    za, zb = rows[a][unit], rows[b][unit]
    if za < 0:  # the same point; with z_a > 0 > z_b its q comes out positive
        za, zb = -za, -zb
    # z_a X_b - z_b X_a: the point of edge (a, b) where unit ``unit`` vanishes, exactly
    new_u = za * pu[b] - zb * pu[a]
    new_v = za * pv[b] - zb * pv[a]
    new_q = za * q[b] - zb * q[a]
    new_row = [za * rb - zb * ra for ra, rb in zip(rows[a], rows[b])]
    new_u, new_v, new_q, new_row = _reduced(new_u, new_v, new_q, new_row)
    pu.append(new_u)
    pv.append(new_v)
    q.append(new_q)
    rows.append(new_row)
    return len(q) - 1


def _add_skip(net, origin, axes, pu, pv, q, h):
    scale = Fraction(1, net.skip.denominator)
    terms = [[sum((int(w) * c for w, c in zip(row, vector)), Fraction(0)) * scale for row in net.skip.weight]
             for vector in (origin, axes[0], axes[1])]
    common = math.lcm(*(v.denominator for t in terms for v in t))
    c0, cu, cv = ([int(v * common) for v in t] for t in terms)
    out = []
    for i in range(len(q)):
        out.append([y * common + a * q[i] + b * pu[i] + c * pv[i] for y, a, b, c in zip(h[i], c0, cu, cv)])
        pu[i], pv[i], q[i], out[i] = _reduced(pu[i] * common, pv[i] * common, q[i] * common, out[i])
    return out


def _convex(polygon) -> list[tuple[Fraction, Fraction]]:
    """The polygon's vertices as Fractions, counter-clockwise; one line if it is not a convex polygon."""
    try:
        points = [(Fraction(u), Fraction(v)) for u, v in polygon]
    except (TypeError, ValueError, OverflowError):
        raise InputError("a polygon is a list of (u, v) pairs of finite numbers") from None
    if len(points) < 3:
        raise InputError(f"a polygon needs at least 3 vertices, got {len(points)}")
    crosses = []
    for i in range(len(points)):
        (ax, ay), (bx, by), (cx, cy) = points[i - 1], points[i], points[(i + 1) % len(points)]
        crosses.append((bx - ax) * (cy - by) - (by - ay) * (cx - bx))
    if any(c == 0 for c in crosses) or len(set(points)) != len(points):
        raise InputError("the polygon has repeated or collinear consecutive vertices")
    rises = [(b[1] > a[1]) - (b[1] < a[1]) for a, b in zip(points, points[1:] + points[:1])]
    rises = [r for r in rises if r]
    turns = sum(1 for r, s in zip(rises, rises[1:] + rises[:1]) if r != s)
    if not (all(c > 0 for c in crosses) or all(c < 0 for c in crosses)) or turns > 2:
        raise InputError("the polygon must be convex (and simple: a star winds more than once)")
    twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(points, points[1:] + points[:1]))
    if twice_area < 0:
        points.reverse()
    return points


def plane_axes(net, origin, axes):
    """``(origin, axes)`` as Fractions: the input plane of a two-input network, or a checked 2D slice."""
    if origin is None and axes is None:
        if net.n_inputs != 2:
            raise InputError(f"the network has {net.n_inputs} inputs: give origin and axes for a 2D slice")
        return [Fraction(0), Fraction(0)], [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
    if origin is None or axes is None or len(axes) != 2:
        raise InputError("a 2D slice needs an origin and exactly two axes")
    try:
        point = [Fraction(v) for v in origin]
        directions = [[Fraction(v) for v in axis] for axis in axes]
    except (TypeError, ValueError, OverflowError):
        raise InputError("origin and axes must be finite numbers") from None
    if any(len(v) != net.n_inputs for v in [point] + directions):
        raise InputError(f"origin and axes need {net.n_inputs} coordinates (the network's inputs)")
    independent = any(directions[0][i] * directions[1][j] != directions[0][j] * directions[1][i]
                      for i in range(net.n_inputs) for j in range(i + 1, net.n_inputs))
    if not independent:
        raise InputError("the two axes are parallel: they span no plane")
    return point, directions
