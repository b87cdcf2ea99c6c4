"""Proven minimum widths of one-hidden-layer ReLU networks for n-bit Boolean functions, by subject.

The map, one subpackage per subject (each one's docstring gives the data flow between its modules):

* :mod:`expressivity.prove.milp`: the mixed-integer programs, from the question's normal form to one
  width's :class:`WidthProof`, a function's :class:`WidthSummary` over widths 1, 2, ..., and upper
  bounds with tied weights;
* :mod:`expressivity.prove.exact`: the second, exact lower-bound methods, which share no code with the
  MILP: activation patterns with exact LP duals (widths 1, 2 and 3), separability by hull certificates;
* :mod:`expressivity.prove.cubes`: cube-and-conquer, one width's program split into independent cubes,
  and the facet lemmas that settle or prune cubes by the cubes of ``n - 1`` bits;
* :mod:`expressivity.prove.census`: the census of classes (NPN, symmetric) and what backs each lower
  bound.

Two modules stay at this level: :mod:`expressivity.prove.highs`, the one silent HiGHS instance the MILP
and the exact methods share, and :mod:`expressivity.prove.check`, the standalone records checker
(``python -m expressivity.prove.check FILE...``, it imports nothing of the package).

``milp`` and ``exact`` import only themselves and ``highs``; ``cubes`` builds on ``milp``; ``census``
on ``milp`` and ``exact``.  The names below are re-exported from the modules that hold them.  The
functions ``cubes`` and ``census`` are not: each would hide the subpackage of its name.
"""
from expressivity.prove.census.backing import EXACT_METHOD, LowerBoundDisagreement, pattern_method
from expressivity.prove.census.table import (
    CENSUS_KINDS, MAX_CENSUS_BITS, CensusClass, CensusRow, HistogramBin, census_classes, class_names,
    npn_classes, symmetric_classes, symmetric_functions, width_histogram,
)
from expressivity.prove.cubes.cube import (
    CUBE_FORMULATION, CUBE_STATUSES, MAX_CUBE_BITS, MAX_CUBES, THRESHOLD_COUNTS, WEIGHT_BOUNDS, Cube, CubeResult,
    cube_model, pattern_representatives, solve_cube, threshold_classes, threshold_count,
)
from expressivity.prove.cubes.cube_split import CubesProof, prove_width_by_cubes
from expressivity.prove.cubes.facets import LowerCubes, facet_drop, settle_by_facets
from expressivity.prove.exact.by_patterns import PATTERN_METHOD, PatternProof, prove_width_by_patterns
from expressivity.prove.exact.separable import (
    HullCertificate, Separability, ThresholdCertificate, check_hull_certificate, check_threshold_certificate,
    separability,
)
from expressivity.prove.milp.certificate import DENOMINATOR_LIMITS, Certificate, certify
from expressivity.prove.milp.cuts import unit_correlation_bound
from expressivity.prove.milp.formulation import (
    FORMULATIONS, NORMALISATIONS, PLAIN, STRONG, UNIT_ORDERS, VARIANTS, Formulation, check_groups,
    default_bound, grid_points, grid_targets, is_constant, is_tied, positive_counts, target_function,
)
from expressivity.prove.milp.program import MilpModel, build_model
from expressivity.prove.milp.solve import (
    TARGET_MARGIN, MilpSolution, RealNetwork, activation_pattern, read_network, solve_model,
)
from expressivity.prove.milp.summary import (
    SUMMARY_STATUSES, WidthSummary, construction_upper_bound, constructions, prove_minimum_width, reusable_proofs,
    search_upper_bounds, summarize,
)
from expressivity.prove.milp.symmetry import MAX_GROUP_BITS, S2_FORMS, SymmetryPlan, symmetry_plan
from expressivity.prove.milp.tied import (
    MAX_GRID_POINTS, MAX_TIED_BITS, default_tied_width, grid_size, partitions, search_tied,
)
from expressivity.prove.milp.width import (
    BUILD_SECONDS_PER_BINARY, MAX_BINARIES, MAX_CERTIFIED_PAIRS, STATUSES, ZERO_MARGIN, SplitOutcome,
    WidthProof, check_program_size, format_groups, program_binaries, prove_width,
)

__all__ = [
    # milp: formulation
    "VARIANTS", "NORMALISATIONS", "UNIT_ORDERS", "Formulation", "STRONG", "PLAIN", "FORMULATIONS",
    "positive_counts", "check_groups", "is_tied", "grid_points", "default_bound", "target_function",
    "is_constant", "grid_targets",
    # milp: program and cuts
    "MilpModel", "build_model", "unit_correlation_bound", "MAX_GROUP_BITS", "S2_FORMS", "SymmetryPlan",
    "symmetry_plan",
    # milp: solving
    "TARGET_MARGIN", "MilpSolution", "solve_model", "activation_pattern", "RealNetwork", "read_network",
    # milp: certificates
    "DENOMINATOR_LIMITS", "Certificate", "certify",
    # milp: one width
    "ZERO_MARGIN", "MAX_BINARIES", "BUILD_SECONDS_PER_BINARY", "MAX_CERTIFIED_PAIRS", "STATUSES",
    "SplitOutcome", "WidthProof", "program_binaries", "check_program_size", "prove_width", "format_groups",
    # milp: per n
    "SUMMARY_STATUSES", "WidthSummary", "construction_upper_bound", "constructions", "summarize", "reusable_proofs",
    "search_upper_bounds", "prove_minimum_width",
    # milp: tied weights
    "MAX_GRID_POINTS", "MAX_TIED_BITS", "partitions", "grid_size", "default_tied_width", "search_tied",
    # census: the classes, their rows and histogram
    "CENSUS_KINDS", "MAX_CENSUS_BITS", "CensusClass", "CensusRow", "HistogramBin", "census_classes",
    "class_names", "npn_classes", "symmetric_classes", "symmetric_functions", "width_histogram",
    # census: what backs a lower bound; exact: separability (width 1), activation patterns (widths 1 to 3)
    "EXACT_METHOD", "LowerBoundDisagreement", "HullCertificate", "Separability", "ThresholdCertificate",
    "check_hull_certificate", "check_threshold_certificate", "separability",
    "PATTERN_METHOD", "PatternProof", "prove_width_by_patterns", "pattern_method",
    # cubes: cube-and-conquer
    "CUBE_FORMULATION", "CUBE_STATUSES", "MAX_CUBE_BITS", "MAX_CUBES", "THRESHOLD_COUNTS", "WEIGHT_BOUNDS", "Cube",
    "CubeResult", "CubesProof", "cube_model", "pattern_representatives", "prove_width_by_cubes", "solve_cube",
    "threshold_classes", "threshold_count",
    # cubes: settled by the cubes of n - 1 bits on a facet
    "LowerCubes", "facet_drop", "settle_by_facets",
]
