"""Exhaustive verification: run the network on all 2^n inputs, compare with a reference.

Inputs go through in chunks of bounded memory.  Networks whose values are
integers (whatever their dtype), or become integers when scaled by a power of
two, are computed exactly (float64 where every intermediate value provably
stays below 2^53, int64 otherwise); other real-weight networks are computed in
float64 with a rigorous bound on its rounding, and every input the bound leaves
undecided is recomputed in exact rational arithmetic.  No verdict rests on a
tolerance.
"""
from __future__ import annotations

import time
from fractions import Fraction
from typing import Callable

import networkx as nx
import numpy as np

from expressivity.circuits.evaluate import WORD_BITS, evaluate_words, exhaustive_words, unpack_bits
from expressivity.errors import InputError, check_choice, check_int, check_positive, check_type, shown
from expressivity.networks.layered import DENSE_ENTRIES, LayeredNet
from expressivity.results.progress import progress_bar
from expressivity.verify.exact import MAX_EXACT_OPERATIONS, exact_operations, exact_outputs, scaled_integer_net
from expressivity.verify.record import Counterexample, Verification

#: Above this many input bits ``verify_exhaustive`` skips (and says so) unless told otherwise.
DEFAULT_MAX_BITS = 24
#: The most input bits verify_exhaustive runs, whatever max_bits says: inputs are numbered in int64.
MAX_INPUT_BITS = 62
#: Conservative throughput of the exhaustive check on one core of this class of machine (measured
#: 2.3-3 G multiply-adds/s and 4-5 M inputs/s; see benchmarks/RESULTS.md), for time estimates up front.
OPERATIONS_PER_SECOND = 1e9
INPUTS_PER_SECOND = 2e6
#: Values held per chunk (inputs times the widest layer): 32 MiB of float64, which stays
#: in cache-friendly reach and reuses its pages (2^25 was slower at n = 20 and no faster at 24).
CHUNK_VALUES = 1 << 22

Reference = Callable[[np.ndarray], np.ndarray]


def work_per_input(parameters: int, nonzero_weights: int, neurons: int) -> int:
    """Multiply-adds per input of :meth:`LayeredNet.forward_columns`: dense products for small layers, sparse for large."""
    return (parameters if parameters <= DENSE_ENTRIES else nonzero_weights) + neurons


def estimated_seconds(n: int, parameters: int, nonzero_weights: int, neurons: int) -> float:
    """A conservative estimate of :func:`verify_exhaustive`'s time on 2^n inputs, from the network's counts.

    Examples
    --------
    >>> round(estimated_seconds(20, 457, 90, 30))  # the 20-bit XOR tree: about half a second
    1
    """
    inputs = 2.0**n
    return inputs / INPUTS_PER_SECOND + inputs * work_per_input(parameters, nonzero_weights, neurons) / OPERATIONS_PER_SECOND


def parity_reference(bits: np.ndarray) -> np.ndarray:
    """The parity of each row of ``bits``, shape ``(m, 1)``.

    Examples
    --------
    >>> parity_reference([[0, 1], [1, 1]]).tolist()
    [[1], [0]]
    """
    rows = np.asarray(bits)
    if rows.ndim != 2 or rows.dtype.kind not in "biuf":
        raise InputError(f"bits must be rows of 0/1 numbers, shape (m, n); got shape {rows.shape}, dtype {rows.dtype}")
    return (rows.sum(axis=1) % 2).astype(np.int64)[:, None]


def check_verify_arguments(net, reference, mode: str, encoding: str, max_bits: int, progress: bool) -> None:
    """:class:`~expressivity.errors.InputError` (one line) for what no verifier can take, before any work.

    Examples
    --------
    >>> check_verify_arguments(42, parity_reference, "exact", "01", 24, False)
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: net must be a LayeredNet, got 42
    """
    check_type(net, "net", LayeredNet, "a LayeredNet")
    if not (isinstance(reference, nx.DiGraph) or callable(reference)):
        raise InputError(f"reference must be a circuit (networkx.DiGraph) or a function of 0/1 rows, got {shown(reference)}")
    if isinstance(reference, nx.DiGraph):  # a callable's shape is checked on the first chunk
        sizes = reference.graph.get("n_inputs"), len(reference.graph.get("outputs", ()))
        if sizes != (net.n_inputs, net.n_outputs):
            raise InputError(f"the reference circuit has {sizes[0]} inputs and {sizes[1]} outputs, the network "
                             f"{net.n_inputs} and {net.n_outputs}")
    check_choice(mode, "mode", ("exact", "sign"))
    check_choice(encoding, "encoding", ("01", "pm1"))
    check_int(max_bits, "max_bits", minimum=0)
    check_type(progress, "progress", bool, "True or False")


def table_reference(values) -> Reference:
    """The reference of a truth table: 0/1 rows ``(m, n)`` to ``values[row index]``, shape ``(m, 1)``.

    ``values`` has ``2^n`` integer entries in the toolkit's order (row ``k`` is the
    input with ``x_i`` = bit ``i`` of ``k``).

    Examples
    --------
    >>> table_reference([0, 1, 1, 0])(np.array([[1, 0], [1, 1]])).tolist()
    [[1], [0]]
    """
    values = np.asarray(values, dtype=np.int64)
    n = len(values).bit_length() - 1
    powers = np.int64(1) << np.arange(n, dtype=np.int64)

    def reference(bits: np.ndarray) -> np.ndarray:
        return values[np.asarray(bits, dtype=np.int64) @ powers][:, None]

    return reference


def input_bits(n: int, start: int, stop: int) -> np.ndarray:
    """Rows ``start .. stop-1`` of the truth table's inputs: bit ``i`` of the index is ``x_i``.

    Examples
    --------
    >>> input_bits(2, 0, 4).tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    index = np.arange(start, stop, dtype=np.int64)
    return ((index[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.int64)


def reference_outputs(reference, n: int, start: int, stop: int, bits: np.ndarray | None = None) -> np.ndarray:
    """The expected 0/1 outputs on inputs ``start .. stop-1``, shape ``(stop - start, k)``.

    ``reference`` is a circuit (run by the bit-parallel evaluator) or a function
    of 0/1 rows; ``bits`` are those rows, if the caller has them already.
    """
    if isinstance(reference, nx.DiGraph):
        first_word, last_word = start // WORD_BITS, -(-stop // WORD_BITS)
        words = evaluate_words(reference, exhaustive_words(n, first_word, last_word - first_word))
        table = unpack_bits(words, (last_word - first_word) * WORD_BITS)
        offset = start - first_word * WORD_BITS
        return table[offset : offset + (stop - start)]  # uint8 0/1: compared without conversion
    if bits is None:
        bits = input_bits(n, start, stop)
    expected = np.asarray(reference(bits))
    if expected.ndim not in (1, 2) or len(expected) != stop - start or expected.dtype.kind not in "biuf":
        raise InputError(f"the reference must give one row of 0/1 numbers per input: for {stop - start} inputs "
                         f"it gave shape {expected.shape}, dtype {expected.dtype}")
    return expected.reshape(stop - start, -1).astype(np.int64)


def first_wrong(got: np.ndarray, expected: np.ndarray, mode: str) -> tuple[int | None, float]:
    """The first row where ``got`` is wrong (or None), and the least signed margin (inf in exact mode).

    Examples
    --------
    >>> first_wrong(np.array([[3], [-1]]), np.array([[1], [0]]), "sign")
    (None, 1.0)
    >>> first_wrong(np.array([[0], [1]]), np.array([[0], [0]]), "exact")
    (1, inf)
    """
    if expected.shape != got.shape:
        raise InputError(f"the network has {got.shape[1]} outputs, the reference {expected.shape[1]}")
    if mode == "exact":
        wrong = np.any(got != expected, axis=1)
        margin = np.inf
    else:
        signed = np.where(expected == 1, got, -got)
        wrong = np.any(signed <= 0, axis=1)
        margin = float(signed.min())
    return (int(np.argmax(wrong)) if wrong.any() else None), margin


def verify_exhaustive(
    net: LayeredNet,
    reference: nx.DiGraph | Reference,
    *,
    mode: str = "exact",
    encoding: str = "01",
    max_bits: int = DEFAULT_MAX_BITS,
    time_limit: float | None = None,
    progress: bool = False,
) -> Verification:
    """Check ``net`` against ``reference`` on every input.

    Parameters
    ----------
    net : LayeredNet
    reference : circuit or callable
        A circuit (evaluated by the bit-parallel reference evaluator) or a
        function from 0/1 rows ``(m, n)`` to expected 0/1 outputs ``(m, k)``.
    mode : {"exact", "sign"}
        ``"exact"``: every output equals the expected bit exactly.
        ``"sign"``: output ``> 0`` exactly when the expected bit is 1 (an output
        of 0 counts as wrong); the record's ``margin`` is the least
        ``(2y - 1) * output``.
    encoding : {"01", "pm1"}
        Feed the network bits as 0/1, or as -1/+1 (``2x - 1``).
    max_bits : int
        Above this many inputs bits, return ``status="skipped"`` with the reason.
    time_limit : float or None
        Seconds: when :func:`estimated_seconds` exceeds it, return "skipped"
        at once; when the run itself passes it, stop and return "skipped"
        (saying how many inputs were checked).  Nothing is claimed either way.
    progress : bool
        Show a progress bar on stderr.

    Notes
    -----
    A network with a NaN or infinite weight or bias gives ``status="skipped"``
    whose reason names the layer and the entry (:meth:`LayeredNet.nonfinite`).

    Examples
    --------
    >>> from expressivity.networks.layered import DENSE_ENTRIES, LayeredNet
    >>> xor = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]])
    >>> verify_exhaustive(xor, parity_reference).status
    'verified'
    >>> bad = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -1]]], [[0, -1], [0]])
    >>> verify_exhaustive(bad, parity_reference).counterexample
    Counterexample(bits=(1, 1), expected=(0,), got=(1,))
    """
    check_verify_arguments(net, reference, mode, encoding, max_bits, progress)
    check_positive(time_limit, "time_limit", optional=True)
    n = net.n_inputs
    started = time.perf_counter()
    if n > min(max_bits, MAX_INPUT_BITS):
        why = "(raise max_bits, or use a certificate)" if n <= MAX_INPUT_BITS else "(inputs are numbered in int64)"
        return Verification(
            "skipped", "exhaustive", n,
            reason=f"2^{n} inputs is more than the exhaustive limit of 2^{min(max_bits, MAX_INPUT_BITS)} {why}",
            seconds=time.perf_counter() - started,
        )
    if time_limit is not None:
        estimate = estimated_seconds(n, net.parameters, net.nonzero_weights, net.neurons)
        if estimate > time_limit:
            return Verification(
                "skipped", "exhaustive", n, seconds=time.perf_counter() - started,
                reason=f"2^{n} inputs would take about {format_duration(estimate)}, more than the time limit of "
                f"{format_duration(time_limit)}",
            )
    problem = net.nonfinite()
    if problem is not None:
        return Verification("skipped", "exhaustive", n, seconds=time.perf_counter() - started,
                            reason=f"{problem}: the network computes no number there, so nothing is checked")
    plan = _ArithmeticPlan.choose(net)
    total = 1 << n
    widest = max((net.n_inputs, net.n_outputs) + net.widths)
    chunk = min(total, max(WORD_BITS, 1 << max(0, (CHUNK_VALUES // widest).bit_length() - 1)))
    dtype = np.int64 if plan.label.startswith("int64") else np.float64
    # Chunks start at multiples of their (power of two) size, so the low bits of
    # the input index repeat in every chunk and only the high bits change.
    low_bits = chunk.bit_length() - 1
    columns = np.empty((n, chunk), dtype=dtype)
    off, on = (-1, 1) if encoding == "pm1" else (0, 1)
    for i in range(min(n, low_bits)):
        columns[i] = np.tile(np.repeat(np.array([off, on], dtype=dtype), 1 << i), chunk >> (i + 1))
    margin = np.inf
    bar = _progress_bar(total, progress)
    try:
        for start in range(0, total, chunk):
            if time_limit is not None and time.perf_counter() - started > time_limit:
                return Verification(
                    "skipped", "exhaustive", n, start, seconds=time.perf_counter() - started,
                    reason=f"stopped at the time limit of {format_duration(time_limit)} after {start} of {total} inputs "
                    "(all right so far); nothing is claimed",
                )
            for i in range(low_bits, n):
                columns[i] = on if (start >> i) & 1 else off
            bits = None if isinstance(reference, nx.DiGraph) else columns.T.astype(np.int64)
            if bits is not None and encoding == "pm1":
                bits = (bits + 1) // 2
            expected = reference_outputs(reference, n, start, start + chunk, bits)
            with np.errstate(over="ignore", invalid="ignore"):  # float64 past 2^1024: the bound is inf, all exact
                got = plan.network.forward_columns(columns).T
            try:
                row, chunk_margin, exact_row = plan.decide(got, expected, mode, lambda rows: columns.T[rows].astype(np.int64))
            except _Undecided as undecided:
                return Verification(
                    "rejected", "exhaustive", n, start,
                    reason=f"{undecided} (inputs {start}..{start + chunk - 1}); nothing is claimed",
                    seconds=time.perf_counter() - started,
                )
            margin = min(margin, chunk_margin)
            if row is not None:
                example = Counterexample(
                    bits=tuple(int(b) for b in input_bits(n, start + row, start + row + 1)[0]),
                    expected=tuple(int(v) for v in expected[row]),
                    got=tuple(_plain(v) for v in exact_row),
                )
                signed = [v if e == 1 else -v for v, e in zip(exact_row, expected[row])]
                return Verification(
                    "counterexample", "exhaustive", n, start + row + 1, example,
                    reason=f"wrong on input {start + row}; {plan.label} arithmetic, the output decided exactly",
                    seconds=time.perf_counter() - started,
                    margin=None if mode == "exact" else float(min(signed)),
                )
            bar.update(chunk)
    finally:
        bar.close()
    return Verification(
        "verified", "exhaustive", n, total,
        reason=plan.verified_reason(total, mode, margin),
        seconds=time.perf_counter() - started,
        margin=None if mode == "exact" else margin,
    )


class _Undecided(Exception):
    """Float64 with its rounding bound cannot decide some inputs, and exact arithmetic for them is too costly."""


class _ArithmeticPlan:
    """How the outputs are computed, and how each input's verdict is made certain.

    * The network is integral after scaling by a power of two and stays within
      int64 (:func:`scaled_integer_net`; every integer network, and real ones
      with few significant bits): it is run in float64 when every partial sum
      is an integer below 2^53, else int64, and computes ``2^shift y(x)``
      exactly.  Every verdict is certain.
    * Otherwise float64, with the rigorous bound ``error`` on its rounding
      (:meth:`LayeredNet.rounding_error_bound`): an input whose computed output
      is farther than ``error`` from being wrong (sign mode) or from being right
      (a wrong output in either mode) is decided; the others are recomputed in
      exact rational arithmetic (:func:`exact_outputs`), up to
      ``MAX_EXACT_OPERATIONS`` multiply-adds, and past that nothing is claimed.
      Both bounds hold at every magnitude (int64 near 2^63, float64 subnormals
      and overflow; :mod:`expressivity.networks.bounds`); a bound that overflows
      to inf decides nothing in float64, and every input goes to exact arithmetic.
    """

    def __init__(self, original: LayeredNet, network: LayeredNet, shift: int, error: float, label: str):
        self.original, self.network, self.shift, self.error, self.label = original, network, shift, error, label
        self.exact_inputs = 0
        self.budget = MAX_EXACT_OPERATIONS

    @classmethod
    def choose(cls, net: LayeredNet) -> "_ArithmeticPlan":
        scaled = scaled_integer_net(net)
        if scaled is not None:
            integral, shift = scaled
            label = integral.arithmetic(1.0) + (f" (weights scaled by 2^{shift} to integers)" if shift else "")
            return cls(net, integral, shift, 0.0, label)
        floating = net if not net.is_integral else LayeredNet(
            tuple(w.astype(np.float64) for w in net.weights), tuple(b.astype(np.float64) for b in net.biases),
            None if net.skip is None else net.skip.astype(np.float64), None, net.name)
        return cls(net, floating, 0, net.rounding_error_bound(1.0), "float64")

    def decide(self, got, expected, mode, input_rows):
        """``(first wrong row or None, least signed margin, that row's exact outputs)`` for one chunk."""
        if self.error == 0.0:
            target = expected.astype(np.int64) << self.shift if mode == "exact" else expected
            row, margin = first_wrong(got, target, mode)
            scale = float(1 << self.shift)
            exact_row = None if row is None else [Fraction(int(v), 1 << self.shift) for v in got[row]]
            return row, margin / scale, exact_row
        # float64 with a rounding bound: decide what the bound decides, the rest exactly.
        signed = np.where(expected == 1, got, -got)
        if not np.isfinite(self.error):  # the bound overflowed: float64 decides nothing, exact arithmetic all
            certain_wrong = certain_right = np.zeros(len(got), dtype=bool)
        elif mode == "exact":
            certain_wrong = np.any(np.abs(got - expected) > self.error, axis=1)
            certain_right = np.zeros(len(got), dtype=bool)
        else:
            certain_wrong = np.any(signed <= -self.error, axis=1)
            certain_right = np.all(signed > self.error, axis=1)
        first_certain = int(np.argmax(certain_wrong)) if certain_wrong.any() else len(got)
        undecided = np.flatnonzero(~certain_right[:first_certain] & ~certain_wrong[:first_certain])
        margin = float(signed.min()) if mode == "sign" else np.inf
        if undecided.size:
            cost = exact_operations(self.original, undecided.size)
            if cost > self.budget:
                raise _Undecided(
                    f"float64 (rounding bound {self.error:.3g}) cannot decide {undecided.size} inputs, and exact "
                    f"arithmetic for them needs {cost:,} multiply-adds, more than the {self.budget:,} left of the "
                    f"limit of {MAX_EXACT_OPERATIONS:,}")
            self.budget -= cost
            self.exact_inputs += int(undecided.size)
            exact = exact_outputs(self.original, input_rows(undecided))
            for position, row in enumerate(undecided):
                values = exact[position]
                if _wrong(values, expected[row], mode):
                    return int(row), margin, list(values)
        if first_certain < len(got):
            row = first_certain
            values = list(exact_outputs(self.original, input_rows(np.array([row])))[0])
            if not _wrong(values, expected[row], mode):  # a counterexample is only ever shown exactly
                raise AssertionError(f"the rounding bound {self.error!r} was exceeded on row {row}")
            return row, margin, values
        return None, margin, None

    def verified_reason(self, total: int, mode: str, margin: float) -> str:
        if self.error == 0.0:
            return f"all {total} inputs, {self.label} arithmetic, no tolerance"
        exact = f"; {self.exact_inputs} inputs decided in exact rational arithmetic" if self.exact_inputs else ""
        if mode == "exact":
            return (f"all {total} inputs: float64 cannot prove equality with real weights, so every output was "
                    f"recomputed in exact rational arithmetic{exact}")
        return (f"all {total} inputs, float64 arithmetic; every sign beyond the bound {self.error:.3g} on its rounding "
                f"error is certain (least margin {margin:.3g}){exact}")


def _wrong(values, expected, mode: str) -> bool:
    """Whether exact outputs ``values`` are wrong for the expected bits, in ``mode``."""
    if mode == "exact":
        return any(v != e for v, e in zip(values, expected))
    return any((v if e == 1 else -v) <= 0 for v, e in zip(values, expected))


def format_duration(seconds: float) -> str:
    """Seconds as a short human duration.

    Examples
    --------
    >>> format_duration(42), format_duration(5400), format_duration(1e7)
    ('42 s', '90 minutes', '116 days')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} hours"
    if seconds < 3.2e9:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / 3.15e7:.3g} years"


def _plain(value):
    """An exact output (a Fraction) as a plain int when it is integral, else a float."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else float(value)


def _progress_bar(total: int, enabled: bool):
    return progress_bar(total, enabled, desc="verify", unit="in")
