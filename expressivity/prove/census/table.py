"""A census of proven minimum widths: every NPN class of ``n <= 4`` bits, or every symmetric function of ``n <= 7``.

For each class the minimum width of one hidden ReLU layer, sign variant (output
``> 0`` exactly where ``f = 1``, an output of exactly 0 is wrong), is settled by
:func:`~expressivity.prove.milp.summary.prove_minimum_width` on one representative
and reported with its class size, so the rows add up to a statement about
every function: "how many of the 65,536 functions of 4 variables need each
width" (:func:`width_histogram`).

Which classes, why one representative of each is enough, and their names: see
:mod:`expressivity.prove.census.classes`.

Records and ``--resume``
------------------------
One record per class (``kind: "census"``), appended atomically as each class
finishes, holding the row and its width proofs (certificates included).  A
record is keyed by ``(n, census kind, representative hex, formulation,
variant)``, later records winning; with ``resume`` a class is skipped when its
record is ``"exact"`` or had at least the time limit now asked (``None``:
unlimited), as ``prove-width`` reuses ``"unknown"`` proofs.  A record with less
time gives its settled widths to the new run, which proves only the rest.  A
records file of another command is refused (:mod:`expressivity.results.records`).

What backs a lower bound
------------------------
``lower_methods``: HiGHS, the trivial count, and two exact methods that share
no code with the MILP; see :mod:`expressivity.prove.census.backing`.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from expressivity.prove.census.classes import (  # noqa: F401  (re-exported: what a census is made of)
    CENSUS_KINDS, EXTRA_FAMILIES, MAX_CENSUS_BITS, CensusClass, all_tables, census_classes, census_universe,
    check_census_bits, class_names, named_functions, npn_classes, symmetric_classes, symmetric_functions,
    symmetric_names,
)
from expressivity.prove.census.backing import (  # noqa: F401  (re-exported: what backs a row's lower bound)
    EXACT_METHOD, HIGHS_METHOD, PATTERN_TIME_LIMIT, TRIVIAL_METHOD, LowerBoundDisagreement, lower_methods,
    pattern_method, short_method, with_exact_methods,
)
from expressivity.prove.census.by_cubes import CubeBound, with_cube_bound
from expressivity.prove.census.restriction import rows_by_hex, with_restriction_bound
from expressivity.prove.milp.formulation import STRONG, Formulation
from expressivity.prove.milp.summary import prove_minimum_width
from expressivity.prove.milp.width import WidthProof

@dataclass(frozen=True)
class CensusRow:
    """What is proven for one class: the bounds of :class:`~expressivity.prove.WidthSummary`, and the class.

    ``status``: ``"exact"``, ``"gap"``, ``"unknown"`` (or ``"conflict"``, a bug to
    look at), as in :data:`~expressivity.prove.SUMMARY_STATUSES`.
    ``lower_methods``: what backs ``lower`` (module docstring).  ``widths``: the
    width proofs of the representative, certificates included.  ``seconds``:
    proving time (reused widths' own seconds included).  ``resumed``: read back
    from records, not proven in this run (not stored).  ``evidence``: the exact
    certificates behind the lower bound, in integers, for a reader to re-check
    (:mod:`expressivity.prove.check`): ``"hull"``, a point in the convex hulls of
    the ones and of the zeros (width 1 is not enough), see
    :func:`~expressivity.prove.census.backing.with_exact_methods`.
    """

    n: int
    kind: str
    hex: str
    name: str
    size: int
    lower: int
    upper: int
    upper_source: str
    status: str
    seconds: float
    lower_methods: tuple[str, ...]
    time_limit: float | None
    formulation: str
    variant: str = "sign"
    values: str = ""
    npn_hex: str = ""
    widths: tuple[WidthProof, ...] = field(default=(), repr=False)
    second: Mapping[str, Any] | None = field(default=None, repr=False)
    resumed: bool = field(default=False, compare=False)
    evidence: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple:
        """What a record is found by: ``(n, kind, hex, formulation, variant)``."""
        return (self.n, self.kind, self.hex, self.formulation, self.variant)

    @property
    def one_method_only(self) -> bool:
        """Whether a lower bound that needs a proof (``> 1``) rests on HiGHS alone (no exact method for width L-1)."""
        return self.lower > 1 and not any(m.endswith(f"(width {self.lower - 1})") for m in self.lower_methods)

    @property
    def minimum_width(self) -> int | None:
        """The minimum width where it is settled (``"exact"``), else ``None``."""
        return self.lower if self.status == "exact" else None

    def widths_text(self) -> str:
        """The widths tried: ``1- 2+`` (``-`` proven infeasible, ``+`` certified, ``?`` unknown).

        Examples
        --------
        >>> [row.widths_text() for row in census(2)]  # XOR: 1 unit impossible; 2 from the minterm construction
        ['-', '-', '1+', '1-']
        """
        marks = {"proven-infeasible": "-", "feasible-certified": "+"}
        return " ".join(f"{p.width}{marks.get(p.status, '?')}" for p in self.widths) or "-"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "census", "written_by": "census", "census_kind": self.kind, "n": self.n, "hex": self.hex,
            "name": self.name, "size": self.size, "values": self.values, "npn_hex": self.npn_hex,
            "lower_bound": self.lower, "upper_bound": self.upper, "upper_source": self.upper_source,
            "status": self.status, "lower_methods": list(self.lower_methods), "seconds": self.seconds,
            "time_limit": self.time_limit, "formulation": self.formulation, "variant": self.variant,
            "widths": [p.to_dict() for p in self.widths], "second_method": self.second,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, resumed: bool = False) -> "CensusRow":
        limit = data.get("time_limit")
        return cls(
            int(data["n"]), str(data["census_kind"]), str(data["hex"]), str(data.get("name", "")), int(data["size"]),
            int(data["lower_bound"]), int(data["upper_bound"]), str(data["upper_source"]), str(data["status"]),
            float(data.get("seconds", 0.0)), tuple(str(m) for m in data.get("lower_methods", ())),
            None if limit is None else float(limit), str(data["formulation"]), str(data.get("variant", "sign")),
            str(data.get("values", "")), str(data.get("npn_hex", "")),
            tuple(WidthProof.from_dict(p) for p in data.get("widths", ())), data.get("second_method"), resumed,
            data.get("evidence"),
        )


def reusable_rows(records: Iterable[Mapping[str, Any]], n: int, kind: str, formulation: str,
                  variant: str = "sign") -> dict[str, CensusRow]:
    """The census records of ``(n, kind, formulation, variant)``, by representative hex (later records win).

    Other records are skipped; ``ValueError`` for a census record that cannot be read.

    Examples
    --------
    >>> rows = census(2)
    >>> again = reusable_rows([r.to_dict() for r in rows] + [{"kind": "prove-width"}], 2, "npn", "strong")
    >>> sorted(again) == sorted(r.hex for r in rows) and all(row.resumed for row in again.values())
    True
    """
    found: dict[str, CensusRow] = {}
    for record in records:
        if record.get("kind") != "census":
            continue
        if (record.get("n"), record.get("census_kind"), record.get("formulation"), record.get("variant", "sign")) \
                != (n, kind, formulation, variant):
            continue
        try:
            row = CensusRow.from_dict(record, resumed=True)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"a census record cannot be read: {error!r}") from error
        found[row.hex] = row
    return found


def _had_enough(had: float | None, limit: float | None) -> bool:
    had = math.inf if had is None else had
    return had >= (math.inf if limit is None else limit)


@dataclass(frozen=True)
class _ClassTask:
    """One class to prove: what a worker needs (small and picklable, for any backend)."""

    n: int
    kind: str
    cls: CensusClass
    time_limit: float | None
    formulation: Formulation
    known: Mapping[int, WidthProof]
    threads: int
    pattern_time_limit: float | None


def _prove_class(task: _ClassTask) -> tuple:
    """``("row", CensusRow)``, or ``("disagreement", n, hex, width, message)``: returned as data, so that any
    backend hands it back to the driver unchanged, which raises it before recording the row."""
    cls = task.cls
    started = time.perf_counter()
    summary = prove_minimum_width(task.n, variant="sign", time_limit=task.time_limit, formulation=task.formulation,
                                  known=dict(task.known), threads=task.threads, function=cls.function)
    seconds = time.perf_counter() - started + sum(p.seconds for p in task.known.values())
    row = CensusRow(task.n, task.kind, cls.hex, cls.name, cls.size, summary.lower_bound, summary.upper_bound,
                    summary.upper_source, summary.status, seconds, lower_methods(summary), task.time_limit,
                    task.formulation.name, "sign", cls.values, cls.npn_hex, summary.widths)
    try:
        return ("row", with_exact_methods(row, task.pattern_time_limit))
    except LowerBoundDisagreement as error:
        return ("disagreement", error.n, error.hex, error.width, error.why)


def census(
    n: int,
    kind: str = "npn",
    *,
    time_limit: float | None = 60.0,
    formulation: Formulation = STRONG,
    records_path=None,
    resume: bool = False,
    progress: bool = False,
    on_row: Callable[[CensusRow], None] | None = None,
    classes: Sequence[CensusClass] | None = None,
    threads: int = 1,
    pattern_time_limit: float | None = PATTERN_TIME_LIMIT,
    backend=None,
    below: Iterable[CensusRow] = (),
    cube_bounds: Mapping[str, CubeBound] | None = None,
) -> list[CensusRow]:
    """Prove the minimum width (sign variant) of every class of ``kind`` on ``n`` bits; one row per class.

    ``time_limit``: seconds per width (see :func:`~expressivity.prove.prove_minimum_width`).
    ``records_path``: one JSON-lines record per class, appended atomically as it
    finishes (by this process only, whatever the backend); ``resume`` skips the
    classes already settled there (module docstring).  ``progress``: a bar and
    one line per class on stderr.  ``on_row``: called with each row, read back
    or proven, in class order, as soon as it and the rows before it are ready.
    ``classes``: a subset of :func:`census_classes` to do (default: all).
    ``pattern_time_limit``: seconds for the second method per class (``0``: not run).
    ``backend``: an :class:`expressivity.backends.Backend` running the classes
    as independent tasks (default: in this process, one after another); each
    record says which backend and how many workers.  ``below``: rows of the
    census of ``n - 1`` bits (same kind); a class whose restriction to a facet
    has a higher lower bound there gets it (:mod:`~expressivity.prove.census.restriction`),
    and a row read back that this raises is written again.  ``cube_bounds``: closed cube
    splits by class (:func:`~expressivity.prove.census.by_cubes.cube_bounds`); a class
    whose every cube of width ``w`` is closed gets the lower bound ``w + 1``, the same way.

    Examples
    --------
    >>> [(r.hex, r.name, r.size, r.lower, r.upper, r.status) for r in census(2)]  # doctest: +NORMALIZE_WHITESPACE
    [('0', 'constant', 2, 0, 0, 'exact'), ('1', 'AND/OR of 2', 8, 1, 1, 'exact'),
     ('3', 'literal x0', 4, 1, 1, 'exact'), ('6', 'parity of 2', 2, 2, 2, 'exact')]
    """
    check_census_bits(n, kind)
    if resume and records_path is None:
        raise ValueError("resume needs a records file")
    from expressivity.backends import LocalBackend
    from expressivity.results.progress import progress_bar
    from expressivity.results.records import append_records, read_records

    backend = LocalBackend() if backend is None else backend
    classes = census_classes(n, kind) if classes is None else list(classes)
    previous = read_records(records_path, kind="census") if records_path is not None else []  # no mixed files
    reuse = reusable_rows(previous, n, kind, formulation.name) if resume else {}
    lower_rows = rows_by_hex(below, n - 1, kind)
    ready: dict[str, CensusRow] = {}
    tasks = []
    for cls in classes:
        old = reuse.get(cls.hex)
        if old is not None and (old.status == "exact" or _had_enough(old.time_limit, time_limit)):
            row = with_cube_bound(with_restriction_bound(with_exact_methods(old, pattern_time_limit), lower_rows),
                                  cube_bounds or {})
            if row.lower != old.lower and records_path is not None:
                append_records(records_path, [row.to_dict() | backend.describe()])
            ready[cls.hex] = row
        else:
            known = {p.width: p for p in (old.widths if old is not None else ())
                     if p.status != "unknown" or _had_enough(p.time_limit, time_limit)}
            tasks.append(_ClassTask(n, kind, cls, time_limit, formulation, known, threads, pattern_time_limit))
    bar = progress_bar(len(classes), progress, desc=f"census n={n} {kind}", unit="class", unit_scale=False)
    order = [cls.hex for cls in classes]
    emitted = 0

    def emit_ready() -> None:
        nonlocal emitted
        while emitted < len(order) and order[emitted] in ready:
            if on_row is not None:
                on_row(ready[order[emitted]])
            emitted += 1

    try:
        bar.update(len(ready))
        emit_ready()
        for _, answer in backend.map_unordered(_prove_class, tasks):
            if answer[0] == "disagreement":
                raise LowerBoundDisagreement(*answer[1:])
            row = with_cube_bound(with_restriction_bound(answer[1], lower_rows), cube_bounds or {})
            if records_path is not None:
                append_records(records_path, [row.to_dict() | backend.describe()])
            if progress:
                bar.write(f"n={n} {row.hex} {row.name or '-'}: {row.status}, width "
                          f"{_bounds_text(row)} ({row.seconds:.1f} s)", file=sys.stderr)
            ready[row.hex] = row
            bar.update(1)
            emit_ready()
    finally:
        bar.close()
    return [ready[h] for h in order]


# -- what the rows add up to -------------------------------------------------------

@dataclass(frozen=True)
class HistogramBin:
    """Classes and functions (classes weighted by size) with one outcome.

    ``label``: the minimum width (``"2"``) for settled classes, ``"gap L..U"``,
    ``"unknown (<= U)"`` or ``"conflict L > U"`` for the others; ``width`` is the
    minimum width, ``None`` for the others.
    """

    label: str
    width: int | None
    classes: int
    functions: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "width": self.width, "classes": self.classes, "functions": self.functions}


def width_histogram(rows: Iterable[CensusRow]) -> list[HistogramBin]:
    """How many classes and functions need each width; unsettled classes in bins of their own.

    Examples
    --------
    >>> [(b.label, b.classes, b.functions) for b in width_histogram(census(2))]
    [('0', 1, 2), ('1', 2, 12), ('2', 1, 2)]
    """
    bins: dict[tuple, list[int]] = {}
    order = {"exact": 0, "gap": 1, "unknown": 2}
    for row in rows:
        key = (order.get(row.status, 3), row.lower if row.status == "exact" else 0,
               row.status, row.lower, row.upper)
        counts = bins.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += row.size
    result = []
    for (_, _, status, lower, upper), (classes, functions) in sorted(bins.items()):
        if status == "exact":
            result.append(HistogramBin(str(lower), lower, classes, functions))
        else:
            label = {"gap": f"gap {lower}..{upper}", "unknown": f"unknown (<= {upper})"}.get(
                status, f"{status} {lower} > {upper}")
            result.append(HistogramBin(label, None, classes, functions))
    return result


def _bounds_text(row: CensusRow) -> str:
    return str(row.lower) if row.status == "exact" else f"{row.lower}..{row.upper}"


def census_table(rows: Sequence[CensusRow]) -> str:
    """The rows as a text table (what ``expressivity census`` prints)."""
    from expressivity.results.tables import format_table

    symmetric = any(row.kind == "symmetric" for row in rows)
    header = ["class"] + (["v(0..n)", "npn"] if symmetric else []) + [
        "name", "size", "lower", "upper", "status", "widths", "lower from", "upper from", "seconds"]
    body = []
    for row in rows:
        body.append([row.hex] + ([row.values, row.npn_hex or "-"] if symmetric else []) + [
            row.name or "-", row.size, f"{row.lower}*" if row.one_method_only else row.lower, row.upper,
            row.status, row.widths_text(),
            ", ".join(short_method(m) for m in row.lower_methods), row.upper_source, f"{row.seconds:.2f}"])
    return format_table(header, body)


def histogram_table(rows: Sequence[CensusRow]) -> str:
    """:func:`width_histogram` as a text table, with each bin's share of the functions and a total."""
    from expressivity.results.tables import format_table

    bins = width_histogram(rows)
    total = sum(b.functions for b in bins)
    body = [[b.label, b.classes, f"{b.functions:,}", f"{100 * b.functions / total:.2f}%" if total else "-"]
            for b in bins]
    body.append(["total", sum(b.classes for b in bins), f"{total:,}", "100.00%" if total else "-"])
    return format_table(["min width", "classes", "functions", "share"], body)


def census_record_with_evidence(record: Mapping[str, Any],
                                pattern_time_limit: float | None = PATTERN_TIME_LIMIT) -> dict[str, Any]:
    """A census record written before rows kept their certificates, with them added; nothing else changes.

    The hull point is found again (milliseconds); the pattern method's Farkas
    multipliers are an empty list where no combination survived its
    combinatorial conditions, and otherwise come from running the method
    again (its answer must be the recorded one, else ``RuntimeError``).

    Examples
    --------
    >>> old = census(2)[3].to_dict() | {"evidence": None}
    >>> new = census_record_with_evidence(old)
    >>> new["evidence"], new["second_method"]["farkas"]
    ({'hull': {'ones': [[1, 1], [2, 1]], 'zeros': [[0, 1], [3, 1]]}}, [])
    """
    from expressivity.functions import parse_function
    from expressivity.prove.census.backing import _with_hull, farkas_evidence
    from expressivity.prove.exact.by_patterns import prove_width_by_patterns

    data = dict(record)
    row = _with_hull(CensusRow.from_dict(record))
    if row.evidence:
        data["evidence"] = dict(data.get("evidence") or {}) | dict(row.evidence)
    second = record.get("second_method")
    if second and second.get("status") == "proven-infeasible" and "farkas" not in second:
        farkas: list = []
        if second.get("survivors"):
            proof = prove_width_by_patterns(parse_function(f"hex:{row.hex}", row.n), int(second["width"]),
                                            time_limit=pattern_time_limit)
            if proof.status != "proven-infeasible":
                raise RuntimeError(f"hex:{row.hex} width {second['width']}: the pattern method now says "
                                   f"{proof.status} ({proof.reason})")
            farkas = [farkas_evidence(row.n, c, m) for c, m in proof.farkas]
        data["second_method"] = dict(second) | {"farkas": farkas}
    return data

__all__ = [
    "census_record_with_evidence",
    "CENSUS_KINDS", "MAX_CENSUS_BITS", "HIGHS_METHOD", "TRIVIAL_METHOD", "EXACT_METHOD", "EXTRA_FAMILIES",
    "PATTERN_TIME_LIMIT", "LowerBoundDisagreement", "pattern_method", "short_method", "with_exact_methods",
    "CensusClass", "check_census_bits", "census_universe", "all_tables", "npn_classes", "symmetric_functions",
    "symmetric_classes", "census_classes", "named_functions", "class_names", "symmetric_names",
    "CensusRow", "lower_methods", "reusable_rows", "census", "HistogramBin", "width_histogram", "census_table",
    "histogram_table",
]
