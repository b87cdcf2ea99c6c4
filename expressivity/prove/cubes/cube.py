"""Cube-and-conquer for "can ``w`` ReLU units sign-represent ``f``?": one independent program per cube.

The question, the class and the normal form are those of
:mod:`expressivity.prove.milp.formulation` (sign variant, one hidden layer, any
non-constant ``f`` of ``n <= 6`` bits, whose symmetry group is computed).  A
*cube* fixes the count ``P`` of +1 output weights and the whole activation
pattern of one unit, the *fixed unit*: the first unit of the smaller sign group
(the positive one on a tie, and whichever is not empty), written as an integer
``R`` whose bit ``k`` is input row ``k`` (``x_i = (k >> i) & 1``).  Its output
sign is ``Cube.sign``; in the program (positive units first) it is unit 0 when
the sign is +1 and unit ``P`` when it is -1 (``Cube.unit``).  Fixing a unit of
the smaller group leaves the larger group's units interchangeable, so S3 keeps
more of its force: at n = 5, w = 4, P = 3 the cubes on the one negative unit
took 6-25 s where those on a positive unit took 52-114 s (benchmarks/RESULTS.md).

The cubes lose no network
-------------------------
Let ``g`` be a network of at most ``w`` units whose sign is ``f``.  Each step
keeps a network computing ``f`` with a positive normalised margin:

1. *Normal form* (:mod:`expressivity.prove.milp.formulation`): exactly ``w`` units,
   output weights +-1, ``max |z_j(x)| = 1``; ``P`` of the weights are +1.
2. *S1* (:mod:`expressivity.prove.milp.symmetry`): if an input transform negates
   ``f``, applying it and negating the output swaps the sign groups, so
   ``P >= ceil(w/2)`` may be assumed; the counts solved are
   :func:`~expressivity.prove.milp.formulation.positive_counts`, as in the single program.
3. *The fixed unit*: units of one sign group are interchangeable (the output sums
   them), so any unit of the smaller sign group (as defined above) may be the
   one whose pattern the cube fixes.
4. *Its pattern is a threshold function*: ``R = {x : w . x + b > 0}`` is cut from
   the cube by an open half-space (the empty set and the whole cube included).
   :func:`~expressivity.prove.cubes.cube_patterns.threshold_classes` lists positive threshold functions with sorted
   integer weights at most :data:`~expressivity.prove.cubes.cube_patterns.WEIGHT_BOUNDS` ``[n]``; every image of a threshold
   function under an input transform (an affine bijection of the cube) is one,
   and the union of their orbits is checked, on every call, to hold exactly
   :data:`~expressivity.prove.cubes.cube_patterns.THRESHOLD_COUNTS` ``[n]`` functions (OEIS A000609, Muroga's enumeration):
   so the list reaches every threshold function.
5. *A representative*: a transform ``T`` that preserves ``f`` maps ``g`` to
   ``g o y``, which computes ``f`` with the same output weights and ``P`` and the
   same normalisation (pre-activations are permuted), and maps the fixed unit's pattern
   ``R`` to ``T R``.  The orbit of ``R`` under the preserving transforms holds
   exactly one representative (its smallest integer): choose ``T`` reaching it.
   The cubes are every ``P`` of step 2 with every representative.
6. *S3, the remaining units*: relabel the units of each sign group other than
   the fixed unit by decreasing bias (step 5 changed every bias, so the fixed unit
   stays out of the order, as in the single program when S2 holds).
7. Read into the program with ``d = [z > 0]`` (how :mod:`expressivity.prove.milp.program`
   reads every network), the network satisfies every row and the fixed unit has
   ``d = R``: it is a point of the cube ``(P, R)`` with a positive margin.

So if no cube holds a margin above ``ZERO_MARGIN`` (the statement of
:mod:`expressivity.prove.milp.width`, HiGHS's word in floating point), no network of
width ``w`` exists; a network found in any cube is certified on all ``2^n`` inputs
in exact arithmetic (:func:`~expressivity.prove.milp.certificate.certify`), whatever
the cube.

Cubes and the symmetry breaking S1, S2, S3
------------------------------------------
S1 is kept (step 2).  S2 is *not* used inside a cube, nor C2, which rests on
it: S2 spends the preserving transforms on unit 0's weights, step 5 spends the
same transforms on the fixed unit's pattern, and a network moved to the representative
pattern need not have canonical weights (nor a network with canonical weights
the representative pattern), so using both could lose every network of an orbit.
S3 is kept for every unit but the fixed one (step 6).  The programs are
:func:`~expressivity.prove.milp.program.build_model` with :data:`CUBE_FORMULATION`
(pre-activation normalisation, no symmetry rows) plus the rows of step 6 and
the fixed unit's binaries fixed by their bounds.

Cost: a cube is not much easier than the whole program (``benchmarks/RESULTS.md``,
"Cube-and-conquer": at n = 5, w = 3, 422 cubes took 59 times the single program's time on one core); what the split buys is
independence, cubes spread over any number of workers (:mod:`expressivity.backends`).
A cube can also be settled with no program at all, by the cubes of ``n - 1`` bits on
a facet (:mod:`expressivity.prove.cubes.facets`, ``prove_width_by_cubes(..., below=...)``).

Examples
--------
>>> from expressivity.functions import parity
>>> [len(cubes(parity(n), n - 1)) for n in (2, 3, 4)]
[7, 30, 88]
>>> from expressivity.prove.cubes.cube_split import prove_width_by_cubes
>>> proof = prove_width_by_cubes(parity(3), 2)
>>> proof.status, len(proof.results), {r.status for r in proof.results}
('proven-infeasible', 30, {'proven-infeasible'})
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import scipy.sparse as sp

from expressivity.prove.cubes.cube_patterns import (  # noqa: F401  (re-exported: the patterns a cube fixes)
    MAX_CUBE_BITS, MAX_CUBES, THRESHOLD_COUNTS, WEIGHT_BOUNDS, pattern_representatives, threshold_classes,
    threshold_count,
)
from expressivity.prove.milp.certificate import Certificate, certify
from expressivity.prove.milp.formulation import STRONG, Formulation, is_constant, positive_counts
from expressivity.prove.milp.program import MilpModel, build_model
from expressivity.prove.milp.solve import solve_model
from expressivity.prove.milp.width import ZERO_MARGIN, _proves_infeasible

#: The program inside a cube: no symmetry rows of its own (the cube adds S3 for units 1..w-1).
CUBE_FORMULATION = Formulation("cube", symmetry=False, canonical_cuts=False, unit_order="none")
CUBE_STATUSES = ("proven-infeasible", "feasible-certified", "unknown")


@dataclass(frozen=True)
class Cube:
    """One sub-program: ``positive`` +1 output weights, the fixed unit active exactly on the rows of ``pattern``.

    ``sign`` is the fixed unit's output weight; ``index`` the cube's place in :func:`cubes`.

    Examples
    --------
    >>> Cube(3, 2, 1, 0b1000).active, Cube(3, 2, 1, 0b1000).to_dict(), Cube(4, 3, -1, 7).unit
    (1, {'index': 3, 'positive': 2, 'sign': 1, 'pattern': 8}, 3)
    """

    index: int
    positive: int
    sign: int
    pattern: int

    @property
    def active(self) -> int:
        """How many inputs activate the fixed unit."""
        return bin(self.pattern).count("1")

    @property
    def unit(self) -> int:
        """The fixed unit's place in the program: positive units come first."""
        return 0 if self.sign > 0 else self.positive

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.positive, self.sign, self.pattern)

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Cube":
        return cls(int(data["index"]), int(data["positive"]), int(data["sign"]), int(data["pattern"]))


def cubes(f, width: int) -> list[Cube]:
    """Every cube for ``width`` units and the function ``f`` (a ``BooleanFunction``): counts ``P``, then patterns.

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> [(c.positive, c.sign, c.pattern) for c in cubes(parity(2), 1)][:3]
    [(1, 1, 0), (1, 1, 1), (1, 1, 2)]
    >>> sorted({(c.positive, c.sign) for c in cubes(parity(3), 4)})  # the smaller sign group, positive on a tie
    [(2, 1), (3, -1), (4, 1)]
    """
    if is_constant(f):
        raise ValueError(f"{f.spec} is constant: width 0 computes it and there is nothing to split")
    counts = positive_counts(width, STRONG, function=f)
    patterns = pattern_representatives(f)
    if len(counts) * len(patterns) > MAX_CUBES:
        raise ValueError(f"{len(counts) * len(patterns):,} cubes for {f.spec} at width {width}; at most {MAX_CUBES:,}")
    pairs = [(p, r) for p in counts for r in patterns]
    return [Cube(i, p, fixed_sign(width, p), r) for i, (p, r) in enumerate(pairs)]


def fixed_sign(width: int, positive: int) -> int:
    """The output sign of the unit a cube fixes: that of the smaller non-empty sign group, +1 on a tie.

    Examples
    --------
    >>> [fixed_sign(4, p) for p in range(5)]
    [-1, 1, 1, -1, 1]
    """
    negative = width - positive
    return 1 if positive >= 1 and (negative == 0 or positive <= negative) else -1


def cube_model(f, width: int, cube: Cube) -> MilpModel:
    """The program of ``cube``: :data:`CUBE_FORMULATION`, S3 for the other units, the fixed unit's binaries fixed."""
    model = build_model(f.n, width, cube.positive, formulation=CUBE_FORMULATION, function=f)
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    fixed = np.array([(cube.pattern >> k) & 1 for k in range(1 << f.n)], dtype=float)
    lower[model.d_index[cube.unit]] = fixed
    upper[model.d_index[cube.unit]] = fixed
    groups = [[j for j in range(cube.positive) if j != cube.unit],
              [j for j in range(cube.positive, width) if j != cube.unit]]
    order = [(a, b) for group in groups for a, b in zip(group, group[1:])]  # b_a >= b_b, the fixed unit left out
    rows = np.repeat(np.arange(len(order)), 2)
    cols = np.array([model.b_index[j] for pair in order for j in pair], dtype=np.int64)
    extra = sp.csr_array((np.tile([1.0, -1.0], len(order)), (rows, cols)), shape=(len(order), model.n_columns))
    return dataclasses.replace(
        model, col_lower=lower, col_upper=upper, matrix=sp.csr_array(sp.vstack([model.matrix, extra])),
        row_lower=np.concatenate([model.row_lower, np.zeros(len(order))]),
        row_upper=np.concatenate([model.row_upper, np.full(len(order), math.inf)]))


@dataclass(frozen=True)
class CubeResult:
    """What one cube's program said: ``status`` is one of :data:`CUBE_STATUSES`, read as in :mod:`~.width`.

    ``n``, ``width`` and ``function_hex`` name the question, so a record read back
    (:meth:`from_dict`) is matched to the run it belongs to.
    """

    n: int
    width: int
    function_hex: str
    cube: Cube
    status: str
    solver_status: str
    seconds: float
    nodes: int
    dual_bound: float | None
    objective: float | None
    time_limit: float | None
    reason: str = ""
    certificate: Certificate | None = None

    def __post_init__(self) -> None:
        if self.status not in CUBE_STATUSES:
            raise ValueError(f"status must be one of {CUBE_STATUSES}, got {self.status!r}")
        if (self.status == "feasible-certified") != (self.certificate is not None):
            raise ValueError("a certificate comes with 'feasible-certified' and only with it")

    def to_dict(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["cube"] = self.cube.to_dict()
        data["certificate"] = None if self.certificate is None else self.certificate.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CubeResult":
        values = {field.name: data.get(field.name) for field in dataclasses.fields(cls)}
        values["cube"] = Cube.from_dict(data["cube"])
        values["certificate"] = None if data.get("certificate") is None else Certificate.from_dict(data["certificate"])
        values["nodes"], values["seconds"] = int(values["nodes"]), float(values["seconds"])
        values["n"], values["width"], values["function_hex"] = int(data["n"]), int(data["width"]), str(data["function_hex"])
        values["reason"] = str(values["reason"] or "")
        return cls(**values)


def solve_cube(f, width: int, cube: Cube, time_limit: float | None = 60.0, *, threads: int = 1,
               seed: int = 0, model: MilpModel | None = None) -> CubeResult:
    """Solve one cube with HiGHS (``model``: its program with rows added, default :func:`cube_model`); certify a network.

    XOR with two units: unit 0 never active leaves one unit, which cannot; unit 0
    active on ``x0 AND NOT x1`` (row 1, pattern ``0b0010``) can:

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> dead, lone = cubes(parity(2), 2)[0], cubes(parity(2), 2)[2]
    >>> solve_cube(parity(2), 2, dead).status, lone.pattern
    ('proven-infeasible', 2)
    >>> result = solve_cube(parity(2), 2, lone)
    >>> result.status, result.certificate.verification.status
    ('feasible-certified', 'verified')
    """
    started = time.perf_counter()
    model = cube_model(f, width, cube) if model is None else model
    solution = solve_model(model, time_limit=time_limit, threads=threads, seed=seed)
    certificate, why = None, ""
    if solution.values is not None and solution.objective is not None and (
            solution.objective > ZERO_MARGIN or (solution.objective > 0 and solution.status == "Optimal")):
        certificate, why = certify(model, solution.values)
    if certificate is not None:
        status, reason = "feasible-certified", f"network verified on all {1 << f.n} inputs"
    elif _proves_infeasible("sign", solution):
        status, reason = "proven-infeasible", "HiGHS: Optimal, dual bound on the margin <= 1e-6"
    else:
        status = "unknown"
        reason = solution.status + (f", margin {solution.objective:.3g} but {why}" if why else "")
    return CubeResult(f.n, width, f.hex, cube, status, solution.status, time.perf_counter() - started, solution.nodes,
                      solution.dual_bound, solution.objective, time_limit, reason, certificate)


def _solve_task(spec: tuple[str, int], width: int, time_limit: float | None, threads: int, cube: Cube) -> CubeResult:
    from expressivity.functions import function_from_hex

    hex_digits, n = spec
    return solve_cube(function_from_hex(hex_digits, n), width, cube, time_limit, threads=threads)


__all__ = [
    "THRESHOLD_COUNTS", "WEIGHT_BOUNDS", "MAX_CUBE_BITS", "MAX_CUBES", "CUBE_FORMULATION", "CUBE_STATUSES",
    "threshold_classes", "threshold_count", "pattern_representatives", "Cube", "cubes", "cube_model",
    "CubeResult", "solve_cube",
]
