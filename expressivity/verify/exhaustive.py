"""Exhaustive verification: run the network on all 2^n inputs, compare with a reference.

Inputs go through in chunks of bounded memory.  Integer networks are computed
exactly (float64 where every intermediate value provably stays below 2^53,
int64 otherwise), and the comparison has no tolerance.
"""
from __future__ import annotations

import time
from typing import Callable

import networkx as nx
import numpy as np

from expressivity.circuits.evaluate import WORD_BITS, evaluate_words, exhaustive_words, unpack_bits
from expressivity.networks.layered import LayeredNet
from expressivity.results.progress import progress_bar
from expressivity.verify.record import Counterexample, Verification

#: Above this many input bits ``verify_exhaustive`` skips (and says so) unless told otherwise.
DEFAULT_MAX_BITS = 24
#: Values held per chunk (inputs times the widest layer): 32 MiB of float64, which stays
#: in cache-friendly reach and reuses its pages (2^25 was slower at n = 20 and no faster at 24).
CHUNK_VALUES = 1 << 22

Reference = Callable[[np.ndarray], np.ndarray]


def parity_reference(bits: np.ndarray) -> np.ndarray:
    """The parity of each row of ``bits``, shape ``(m, 1)``."""
    return (np.asarray(bits).sum(axis=1) % 2).astype(np.int64)[:, None]


def input_bits(n: int, start: int, stop: int) -> np.ndarray:
    """Rows ``start .. stop-1`` of the truth table's inputs: bit ``i`` of the index is ``x_i``.

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
    return np.asarray(reference(bits)).reshape(stop - start, -1).astype(np.int64)


def first_wrong(got: np.ndarray, expected: np.ndarray, mode: str) -> tuple[int | None, float]:
    """The first row where ``got`` is wrong (or None), and the least signed margin (inf in exact mode).

    >>> first_wrong(np.array([[3], [-1]]), np.array([[1], [0]]), "sign")
    (None, 1.0)
    >>> first_wrong(np.array([[0], [1]]), np.array([[0], [0]]), "exact")
    (1, inf)
    """
    if expected.shape != got.shape:
        raise ValueError(f"the network has {got.shape[1]} outputs, the reference {expected.shape[1]}")
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
    progress : bool
        Show a progress bar on stderr.

    Examples
    --------
    >>> from expressivity.networks.layered import LayeredNet
    >>> xor = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]])
    >>> verify_exhaustive(xor, parity_reference).status
    'verified'
    >>> bad = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -1]]], [[0, -1], [0]])
    >>> verify_exhaustive(bad, parity_reference).counterexample
    Counterexample(bits=(1, 1), expected=(0,), got=(1,))
    """
    if mode not in ("exact", "sign"):
        raise ValueError(f"mode must be 'exact' or 'sign', got {mode!r}")
    if encoding not in ("01", "pm1"):
        raise ValueError(f"encoding must be '01' or 'pm1', got {encoding!r}")
    n = net.n_inputs
    started = time.perf_counter()
    if n > max_bits:
        return Verification(
            "skipped", "exhaustive", n,
            reason=f"2^{n} inputs is more than the exhaustive limit of 2^{max_bits} (raise max_bits, or use a certificate)",
            seconds=time.perf_counter() - started,
        )
    total = 1 << n
    widest = max((net.n_inputs, net.n_outputs) + net.widths)
    chunk = min(total, max(WORD_BITS, 1 << (CHUNK_VALUES // widest).bit_length() - 1))
    arithmetic = net.arithmetic(1.0)
    dtype = np.int64 if arithmetic == "int64" else np.float64
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
            for i in range(low_bits, n):
                columns[i] = on if (start >> i) & 1 else off
            bits = None if isinstance(reference, nx.DiGraph) else columns.T.astype(np.int64)
            if bits is not None and encoding == "pm1":
                bits = (bits + 1) // 2
            expected = reference_outputs(reference, n, start, start + chunk, bits)
            got = net.forward_columns(columns).T
            row, chunk_margin = first_wrong(got, expected, mode)
            margin = min(margin, chunk_margin)
            if row is not None:
                example = Counterexample(
                    bits=tuple(int(b) for b in input_bits(n, start + row, start + row + 1)[0]),
                    expected=tuple(int(v) for v in expected[row]),
                    got=tuple(_plain(v) for v in got[row]),
                )
                return Verification(
                    "counterexample", "exhaustive", n, start + row + 1, example,
                    reason=f"wrong on input {start + row}; {arithmetic} arithmetic",
                    seconds=time.perf_counter() - started,
                    margin=None if mode == "exact" else first_wrong(got[row : row + 1], expected[row : row + 1], mode)[1],
                )
            bar.update(chunk)
    finally:
        bar.close()
    reason = f"all {total} inputs, {arithmetic} arithmetic, no tolerance"
    if arithmetic == "float64" and mode == "sign":
        # Real weights: float64 rounds, so the signs are certain only if the margin beats the rounding.
        error = net.rounding_error_bound(1.0)
        if not margin > error:
            return Verification(
                "rejected", "exhaustive", n, total,
                reason=f"all {total} inputs have the right sign in float64, but the margin {margin:.3g} does not "
                f"exceed the bound {error:.3g} on float64 rounding error, so the signs are not certain",
                seconds=time.perf_counter() - started, margin=margin,
            )
        reason = (f"all {total} inputs, float64 arithmetic; margin {margin:.3g} exceeds the bound {error:.3g} "
                  "on its rounding error, so every sign is certain")
    elif arithmetic == "float64":
        reason = f"all {total} inputs equal in float64 arithmetic (real weights: values are rounded)"
    return Verification(
        "verified", "exhaustive", n, total,
        reason=reason,
        seconds=time.perf_counter() - started,
        margin=None if mode == "exact" else margin,
    )


def _plain(value):
    """A network output as a plain int when it is integral, else a float."""
    value = value.item()
    return int(value) if float(value).is_integer() else value


def _progress_bar(total: int, enabled: bool):
    return progress_bar(total, enabled, desc="verify", unit="in")
