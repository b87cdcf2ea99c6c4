"""Solving one program with HiGHS, and reading a solution back: its activations and its real network."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from expressivity.errors import InputError, check_int, check_positive, check_type
from expressivity.prove.highs import new_highs
from expressivity.prove.milp.program import MilpModel
from expressivity.verify.exhaustive import input_bits

#: HiGHS's MIP stops as soon as it holds a network with at least this margin (the
#: certificate step then maximises the margin for that activation pattern).
TARGET_MARGIN = 1e-3


@dataclass(frozen=True, eq=False)
class MilpSolution:
    """What HiGHS returned for one program.

    Attributes
    ----------
    status : str
        HiGHS's model status in words: ``"Optimal"``, ``"Infeasible"``,
        ``"Time limit reached"``, ``"Objective target reached"``, ...
    objective : float or None
        Best margin found (sign variant; 0 for a feasible exact program), None
        when HiGHS holds no solution.
    dual_bound : float or None
        HiGHS's proven upper bound on the margin (sign variant), None if unknown.
    gap : float or None
        HiGHS's relative MIP gap.
    nodes : int
        Branch-and-bound nodes.
    seconds : float
        Wall time.
    values : ndarray or None
        The solution's column values.
    """

    status: str
    objective: float | None
    dual_bound: float | None
    gap: float | None
    nodes: int
    seconds: float
    values: np.ndarray | None = None

    def to_dict(self) -> dict:
        return {
            "solver_status": self.status, "objective": self.objective, "dual_bound": self.dual_bound,
            "gap": self.gap, "nodes": self.nodes, "seconds": round(self.seconds, 3),
        }


def solve_model(
    model: MilpModel,
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    fixed_pattern: np.ndarray | None = None,
    target_margin: float | None = TARGET_MARGIN,
) -> MilpSolution:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    time_limit : float or None
        Seconds; None for no limit.
    threads : int
        HiGHS threads (1 on a shared machine).
    seed : int
        HiGHS's random seed (runs are reproducible for a fixed seed and thread count).
    fixed_pattern : ndarray of 0/1, shape ``(width, 2^n)``, or None
        Fix every activation and solve the remaining linear program (the
        certificate step: it maximises the margin of one activation pattern).
    target_margin : float or None
        Sign variant: stop as soon as a network with this margin is held.

    Examples
    --------
    Two units and a positive margin for XOR:

    >>> from expressivity.prove.milp.program import build_model
    >>> s = solve_model(build_model(2, 2, 1), target_margin=None)
    >>> s.status, round(s.objective, 6) > 0
    ('Optimal', True)
    """
    check_type(model, "model", MilpModel, "a MilpModel (from build_model)")
    check_positive(time_limit, "time_limit", optional=True)
    check_int(threads, "threads", minimum=1)
    check_int(seed, "seed", minimum=0, maximum=2**31 - 1, why="(HiGHS's random seed)")
    check_positive(target_margin, "target_margin", optional=True, finite=True)
    if fixed_pattern is not None:
        pattern = np.asarray(fixed_pattern)
        if pattern.size != model.d_index.size or pattern.dtype.kind not in "biuf" or not np.isin(pattern, (0, 1)).all():
            raise InputError(f"fixed_pattern must be None or 0/1 activations of shape {model.d_index.shape}, "
                             f"got shape {pattern.shape}, dtype {pattern.dtype}")
    import highspy

    started = time.perf_counter()
    cost = model.cost
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    integer = model.integer
    if fixed_pattern is not None:
        pattern = np.asarray(fixed_pattern, dtype=float).reshape(model.d_index.shape)
        lower[model.d_index] = pattern
        upper[model.d_index] = pattern
        integer = np.zeros_like(integer)
    highs = new_highs()
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("random_seed", int(seed))
    # A relative gap measured against an incumbent of 0 means nothing; absolute gap only.
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1e-7)
    if time_limit is not None:
        highs.setOptionValue("time_limit", max(float(time_limit), 0.01))
    if target_margin is not None and model.variant == "sign" and fixed_pattern is None:
        highs.setOptionValue("objective_target", -float(target_margin))
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_columns
    lp.num_row_ = model.n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.where(np.isinf(lower), -highspy.kHighsInf, lower)
    lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -highspy.kHighsInf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), highspy.kHighsInf, model.row_upper)
    matrix = model.matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = model.n_columns
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                           for flag in integer]
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.array(highs.getSolution().col_value) if has_solution else None
    is_mip = bool(integer.any())
    objective = dual = gap = None
    if has_solution:
        objective = float(-info.objective_function_value) if model.variant == "sign" else 0.0
    if model.variant == "sign":
        if is_mip:
            bound_value = float(info.mip_dual_bound)
            dual = -bound_value if math.isfinite(bound_value) else None
            gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
        elif status == "Optimal":
            dual = objective
    nodes = int(info.mip_node_count) if is_mip else 0
    return MilpSolution(status, objective, dual, gap, max(nodes, 0), time.perf_counter() - started, values)


def activation_pattern(model: MilpModel, values: np.ndarray) -> np.ndarray:
    """The 0/1 activations of a solution, shape ``(width, 2^n)``."""
    return (np.asarray(values)[model.d_index] > 0.5).astype(np.int64)


@dataclass(frozen=True)
class RealNetwork:
    """A solution read back as floats: ``f(x) = sum_j signs_j relu(weights_j . x + biases_j) + bias``."""

    weights: np.ndarray
    biases: np.ndarray
    signs: np.ndarray
    bias: float

    def outputs(self, n: int) -> np.ndarray:
        """``f`` on all ``2^n`` inputs (float64, for diagnostics only)."""
        x = input_bits(n, 0, 1 << n)
        return np.maximum(x @ self.weights.T + self.biases, 0.0) @ self.signs + self.bias


def read_network(model: MilpModel, values: np.ndarray) -> RealNetwork:
    """The network in a solution vector, on all ``n`` bits (tied weights repeated over their group)."""
    values = np.asarray(values, dtype=float)
    weights = values[model.w_index]
    if model.tied:
        weights = np.repeat(weights, model.groups, axis=1)
    return RealNetwork(
        weights.copy(), values[model.b_index].copy(), model.output_signs.copy(), float(values[model.c_index]),
    )


__all__ = ["TARGET_MARGIN", "MilpSolution", "solve_model", "activation_pattern", "RealNetwork", "read_network"]
