"""Proven minimum widths of one-hidden-layer ReLU networks for n-bit Boolean functions, by mixed-integer programming.

The target is any function of ``n`` bits (``function=``: a spec or a
``BooleanFunction``), parity by default; the symmetry breaking follows the
function's symmetry group.

The stages, one module each: :mod:`~expressivity.prove.formulation` states the
question and the normal form that loses no network; :mod:`~expressivity.prove.program`
writes the program for one ``(n, width, P)`` from the ReLU rows of
:mod:`~expressivity.prove.rows`, adding the symmetry breaking of
:mod:`~expressivity.prove.symmetry` and the cuts of :mod:`~expressivity.prove.cuts`; :mod:`~expressivity.prove.solve` solves it with
HiGHS and reads the network back; :mod:`~expressivity.prove.certificate` makes that
network exact and verifies it on every input; :mod:`~expressivity.prove.width`
turns the programs for one width into a :class:`WidthProof`;
:mod:`~expressivity.prove.summary` combines widths 1, 2, ... with the known upper
bounds into a :class:`WidthSummary`; and :mod:`~expressivity.prove.tied` looks for
upper bounds among networks whose weights are tied within groups of bits.

A second, independent method shares no code with the MILP:
:mod:`~expressivity.prove.patterns` lists the activation patterns of one or two
units that could compute a function, :mod:`~expressivity.prove.duals` decides
each combination by an LP whose answer is checked exactly (Farkas multipliers
in integers, or a network in Fractions), :mod:`~expressivity.prove.by_patterns`
combines them, and :mod:`~expressivity.prove.separable` decides width 1 by
convex-hull certificates.  :mod:`~expressivity.prove.backing` records which
methods back each lower bound of the census (:mod:`~expressivity.prove.census`).
"""
from expressivity.prove.certificate import DENOMINATOR_LIMITS, Certificate, certify
from expressivity.prove.cuts import unit_correlation_bound
from expressivity.prove.formulation import (
    FORMULATIONS, NORMALISATIONS, PLAIN, STRONG, UNIT_ORDERS, VARIANTS, Formulation, check_groups,
    default_bound, grid_points, grid_targets, is_constant, is_tied, positive_counts, target_function,
)
from expressivity.prove.program import MilpModel, build_model
from expressivity.prove.solve import (
    TARGET_MARGIN, MilpSolution, RealNetwork, activation_pattern, read_network, solve_model,
)
from expressivity.prove.symmetry import MAX_GROUP_BITS, S2_FORMS, SymmetryPlan, symmetry_plan
from expressivity.prove.summary import (
    SUMMARY_STATUSES, WidthSummary, construction_upper_bound, constructions, prove_minimum_width, reusable_proofs,
    search_upper_bounds, summarize,
)
from expressivity.prove.tied import (
    MAX_GRID_POINTS, MAX_TIED_BITS, default_tied_width, grid_size, partitions, search_tied,
)
from expressivity.prove.width import (
    BUILD_SECONDS_PER_BINARY, MAX_BINARIES, MAX_CERTIFIED_PAIRS, STATUSES, ZERO_MARGIN, SplitOutcome,
    WidthProof, check_program_size, format_groups, program_binaries, prove_width,
)

__all__ = [
    # formulation
    "VARIANTS", "NORMALISATIONS", "UNIT_ORDERS", "Formulation", "STRONG", "PLAIN", "FORMULATIONS",
    "positive_counts", "check_groups", "is_tied", "grid_points", "default_bound", "target_function",
    "is_constant", "grid_targets",
    # program and cuts
    "MilpModel", "build_model", "unit_correlation_bound", "MAX_GROUP_BITS", "S2_FORMS", "SymmetryPlan",
    "symmetry_plan",
    # solving
    "TARGET_MARGIN", "MilpSolution", "solve_model", "activation_pattern", "RealNetwork", "read_network",
    # certificates
    "DENOMINATOR_LIMITS", "Certificate", "certify",
    # one width
    "ZERO_MARGIN", "MAX_BINARIES", "BUILD_SECONDS_PER_BINARY", "MAX_CERTIFIED_PAIRS", "STATUSES",
    "SplitOutcome", "WidthProof", "program_binaries", "check_program_size", "prove_width", "format_groups",
    # per n
    "SUMMARY_STATUSES", "WidthSummary", "construction_upper_bound", "constructions", "summarize", "reusable_proofs",
    "search_upper_bounds", "prove_minimum_width",
    # tied weights
    "MAX_GRID_POINTS", "MAX_TIED_BITS", "partitions", "grid_size", "default_tied_width", "search_tied",
]

# the census of classes (expressivity.prove.census): imported last, it builds on the summary.  Its
# function ``census`` is not re-exported: the name would hide the module expressivity.prove.census.
from expressivity.prove.census import (  # noqa: E402
    CENSUS_KINDS, MAX_CENSUS_BITS, CensusClass, CensusRow, HistogramBin, census_classes, class_names,
    npn_classes, symmetric_classes, symmetric_functions, width_histogram,
)

__all__ += [
    "CENSUS_KINDS", "MAX_CENSUS_BITS", "CensusClass", "CensusRow", "HistogramBin", "census_classes",
    "class_names", "npn_classes", "symmetric_classes", "symmetric_functions", "width_histogram",
]

# the exact methods that share no code with the MILP: separability (width 1) and activation patterns with
# exact LP duals (widths 1 and 2), and what backs each lower bound of the census (expressivity.prove.backing)
from expressivity.prove.backing import EXACT_METHOD, LowerBoundDisagreement, pattern_method  # noqa: E402
from expressivity.prove.by_patterns import PATTERN_METHOD, PatternProof, prove_width_by_patterns  # noqa: E402
from expressivity.prove.separable import (  # noqa: E402
    HullCertificate, Separability, ThresholdCertificate, check_hull_certificate, check_threshold_certificate,
    separability,
)

__all__ += [
    "EXACT_METHOD", "LowerBoundDisagreement", "HullCertificate", "Separability", "ThresholdCertificate",
    "check_hull_certificate", "check_threshold_certificate", "separability",
    "PATTERN_METHOD", "PatternProof", "prove_width_by_patterns", "pattern_method",
]

# cube-and-conquer (expressivity.prove.cubes).  Its function ``cubes`` is not re-exported: the name
# would hide the module expressivity.prove.cubes.
from expressivity.prove.cubes import (  # noqa: E402
    CUBE_FORMULATION, CUBE_STATUSES, MAX_CUBE_BITS, MAX_CUBES, THRESHOLD_COUNTS, WEIGHT_BOUNDS, Cube, CubeResult,
    cube_model, pattern_representatives, solve_cube, threshold_classes, threshold_count,
)
from expressivity.prove.cube_split import CubesProof, prove_width_by_cubes  # noqa: E402

__all__ += [
    "CUBE_FORMULATION", "CUBE_STATUSES", "MAX_CUBE_BITS", "MAX_CUBES", "THRESHOLD_COUNTS", "WEIGHT_BOUNDS", "Cube",
    "CubeResult", "CubesProof", "cube_model", "pattern_representatives", "prove_width_by_cubes", "solve_cube",
    "threshold_classes", "threshold_count",
]

# cubes settled by the cubes of n - 1 bits on a facet (expressivity.prove.facets)
from expressivity.prove.facets import LowerCubes, facet_drop, settle_by_facets  # noqa: E402

__all__ += ["LowerCubes", "facet_drop", "settle_by_facets"]
