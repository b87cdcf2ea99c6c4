"""Re-check proof records with a small program of its own: ``python -m expressivity.prove.check FILE...``.

The model is VIPR for MIP and DRAT for SAT: the solver may be large, the
checker must be small.  This module imports only the standard library and
numpy (nothing else of ``expressivity``), so what it accepts does not rest on
the code that wrote the records.  It reads JSON-lines records and re-checks
the evidence each one carries, in integer and :class:`~fractions.Fraction`
arithmetic:

* a *network* (an integer certificate of ``prove-width``, a census width or a
  cube; the rational network of the pattern method; the float64 weights of a
  ``search-width`` record, read exactly as dyadic rationals) is evaluated on all
  ``2^n`` inputs and must compute the function of the record's hex: sign
  variant, output ``> 0`` exactly on the ones (0 is wrong); exact variant,
  output ``== scale * f(x)``;
* *Farkas multipliers* of a pattern combination (``{"patterns", "signs",
  "rows": [[row, y], ...]}``, integers ``y``): the rows of ``G v >= h`` are
  rebuilt from the combination's patterns and signs alone and
  ``y >= 0, y^T G = 0, y^T h > 0`` is checked (so no network has those
  patterns and signs);
* a *hull certificate* (``{"ones": [[row, weight], ...], "zeros": [...]}``,
  integer weights): the same point in the convex hull of the ones and of the
  zeros, so ``f`` is not linearly separable and width 1 is not enough;
* a cube closed *through a facet*: its restriction to the facet is recomputed,
  the lower cube it cites must be a closed record of the files given, reached
  from it by an input transform; it then rests on what that cube rests on;
* the constructions named as a census row's upper bound (minterms,
  interpolation on ``sum(x)``, zigzag) are rebuilt here and checked like any
  network, with no more units than the bound;
* with ``--rederive`` (seconds per record), a three-unit refutation (a pattern
  proof of width 3 with face ``lemmas``) is re-derived by the sibling file
  ``rederive.py`` (numpy only too): its count of surviving combinations must be
  the record's.  Its face lemmas (restrictions needing three units) are
  re-derived there where the sandwich conditions suffice (parity of 3 and 4
  bits), and the width then counts as proven exactly; the others are listed
  with the census rows of the files given that prove them;
* a file's cube splits (``n <= 6``): the sibling file ``split_cover.py``
  counts that every threshold pattern of ``n`` inputs lies in the orbit of a
  listed cube, so the split loses no network (:func:`check_splits`); a
  complete split whose cubes are all closed then says "no network", resting on
  those closures.

What the records alone cannot settle is listed, never passed: closures by
HiGHS in floating point (with their dual bound), pattern-method refutations
made by combinatorial pruning, the completeness of a list of combinations,
named constructions without a network.

Row ``k`` of a truth table is the input with ``x_i = (k >> i) & 1``; the hex
holds row ``k`` in bit ``k`` (the last digit holds rows 0-3: 4-bit parity is
``6996``).  Exit status 0 when nothing failed, 1 when a check failed, 2 for bad
input (one line on stderr).  ``--json`` prints one JSON object; ``--brief``
prints only the summaries and the failures.  The file also runs on its own,
``python expressivity/prove/check.py FILE...``, without importing the package
(about 2 s of imports less).

The sign variant follows the records: output ``> 0`` exactly on the ones, so an
output of exactly 0 passes on a zero (the pattern method's convention;
``verify_exhaustive``'s sign mode also calls it wrong, and the certificates the
solver writes never have one).  A cube's network proves its width; when
rounding moved its fixed unit's pattern it does not certify the cube itself,
and that is listed.

Examples
--------
>>> table_of("6996", 4)[:8]
[0, 1, 1, 0, 1, 0, 0, 1]
>>> check_farkas([0, 1, 1, 0], {"patterns": [2], "signs": [1], "rows": [[0, 1], [6, 1], [5, 1]]})
'Farkas multipliers do not sum the rows to 0 = positive'
"""
from __future__ import annotations

import argparse
import gc
import gzip
import itertools
import json
import math
import os
import re
import sys
from fractions import Fraction

import numpy as np

if __package__:                  # python -m expressivity.prove.check, or imported: the sibling modules
    from . import rederive, split_cover
else:                            # python expressivity/prove/check.py: Python put this file's folder first on sys.path
    import rederive
    import split_cover

#: The largest records file read (bytes): checked before reading.
MAX_FILE_BYTES = 1 << 30
#: The largest n whose networks are evaluated on every input here.
MAX_BITS = 16
#: The largest n of a cube closed through a facet that is checked (its facet's input transforms are listed).
MAX_FACET_BITS = 7


class BadRecord(ValueError):
    """A record whose evidence is malformed: a failed check, not bad input."""


def table_of(hex_: str, n: int) -> list[int]:
    """The truth table of ``n`` bits written as ``hex_`` (module docstring), rows 0..2^n-1."""
    if not isinstance(hex_, str) or not isinstance(n, int) or not 0 <= n <= MAX_BITS:
        raise BadRecord(f"no function: hex {hex_!r}, n {n!r}")
    if len(hex_) != max(1, (1 << n) // 4) or not re.fullmatch(r"[0-9a-fA-F]+", hex_):
        raise BadRecord(f"hex {hex_[:40]!r} is not a table of {n} bits")
    mask = int(hex_, 16)
    if mask >> (1 << n):
        raise BadRecord(f"hex {hex_} has bits beyond row {(1 << n) - 1}")
    return [(mask >> k) & 1 for k in range(1 << n)]


def parity_table(n: int) -> list[int]:
    """The table of parity, the target of prove-width records written before functions were a parameter."""
    return [bin(k).count("1") & 1 for k in range(1 << n)]


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"expected an integer, got {value!r}"[:80])
    return value


def _rational(value) -> Fraction:
    """An exact rational from an int, a string ``"p/q"`` or a float (a float is a dyadic rational, read exactly)."""
    if isinstance(value, bool):
        raise BadRecord(f"expected a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise BadRecord(f"not a finite number: {value!r}")
        return Fraction(value.item() if hasattr(value, "item") else value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError):
            pass
    raise BadRecord(f"expected a rational, got {value!r}"[:80])


def _inputs(n: int, encoding: str = "01") -> np.ndarray:
    rows = np.arange(1 << n)
    bits = ((rows[:, None] >> np.arange(n)) & 1).astype(object)
    return bits if encoding == "01" else 2 * bits - 1


def evaluate(layers, n: int, encoding: str = "01") -> tuple[np.ndarray, int]:
    """Exact outputs of a ReLU network on all ``2^n`` inputs, as integers and one positive scale.

    ``layers``: ``(W, b)`` pairs of rationals, hidden layers then the one-output
    layer.  Returns ``(values, scale)`` with output ``= values / scale``: each
    layer is scaled to integers by the lcm of its denominators (``relu`` commutes
    with a positive scale), so only Python integers are multiplied.

    Examples
    --------
    >>> values, scale = evaluate([([[1, 1], [1, 1]], [0, -1]), ([[1, -2]], [0])], 2)   # XOR
    >>> [int(v) for v in values], scale
    ([0, 1, 1, 0], 1)
    """
    h, scale = _inputs(n, encoding), 1
    for depth, (weights, bias) in enumerate(layers):
        w = [[_rational(v) for v in row] for row in weights]
        b = [_rational(v) for v in bias]
        if len(w) != len(b) or any(len(row) != h.shape[1] for row in w) or (depth == len(layers) - 1 and len(w) != 1):
            raise BadRecord(f"layer {depth} has the wrong shape")
        common = 1
        for v in itertools.chain(b, *w):
            common = common * v.denominator // math.gcd(common, v.denominator)
        w_int = np.array([[int(v * common) for v in row] for row in w], dtype=object).reshape(len(w), h.shape[1])
        b_int = np.array([int(v * common * scale) for v in b], dtype=object)
        # h holds scale * h_true with scale an integer; z = common * scale * z_true
        z = h.dot(w_int.T) + b_int[None, :] if len(b) else np.zeros((len(h), 0), dtype=object)
        scale = scale * common
        h = z if depth == len(layers) - 1 else np.where(z > 0, z, 0)
    return h[:, 0], scale


def _judge(values, scale: int, table, variant: str, target_scale: int = 1) -> str:
    """"" if the outputs compute ``table`` in ``variant``, else the first input where they do not."""
    for k, (value, bit) in enumerate(zip(values, table)):
        ok = (value > 0) == bool(bit) if variant == "sign" else Fraction(value) / scale == target_scale * bit
        if not ok:
            return f"the network is wrong on input row {k} (f = {bit}, output {Fraction(value) / scale})"
    return ""


def check_certificate(cert, table, n: int, variant: str = "sign") -> str:
    """An integer certificate ``{weights, biases, output_weights, output_bias, scale}``: "" if it computes ``table``."""
    try:
        weights = [[_int(v) for v in row] for row in cert["weights"]]
        biases = [_int(v) for v in cert["biases"]]
        out = [_int(v) for v in cert["output_weights"]]
        scale = _int(cert.get("scale", 1))
        values, s = evaluate([(weights, biases), ([out], [_int(cert["output_bias"])])], n)
    except (KeyError, TypeError) as error:
        return f"a malformed network: {error!r}"[:120]
    except BadRecord as error:
        return str(error)
    return _judge(values, s, table, variant, scale)


def check_rational_network(net, table, n: int) -> str:
    """``c + sum_i signs[i] relu(weights[i] . x + biases[i])`` (rationals as strings): "" if it computes ``table``."""
    try:
        signs = [_int(s) for s in net["signs"]]
        if any(s not in (1, -1) for s in signs):
            raise BadRecord(f"output signs must be +-1, got {signs}")
        values, s = evaluate([(net["weights"], net["biases"]), ([signs], [net["c"]])], n)
    except (KeyError, TypeError) as error:
        return f"a malformed network: {error!r}"[:120]
    except BadRecord as error:
        return str(error)
    return _judge(values, s, table, "sign")


def _row(table, patterns, signs, n: int, index: int):
    """``(coefficients over (w_1, b_1, ..., w_W, b_W, c), h)`` of row ``index`` of ``G v >= h`` (see duals.py).

    Rows ``unit * 2^n + k`` (``unit < W``) are the patterns, ``z_unit(x_k) >= 1`` on the
    unit's pattern and ``-z_unit(x_k) >= 0`` elsewhere; rows ``W * 2^n + k`` the output,
    ``out(x_k) >= 1`` where f = 1 and ``-out(x_k) >= 0`` where f = 0.
    """
    size, width = 1 << n, len(patterns)
    coefficients = [0] * (width * (n + 1) + 1)
    unit, k = divmod(index, size)
    x = [(k >> i) & 1 for i in range(n)] + [1]
    if unit < width:
        active = (patterns[unit] >> k) & 1
        for j, bit in enumerate(x):
            coefficients[unit * (n + 1) + j] = bit if active else -bit
        return coefficients, 1 if active else 0
    sign = 1 if table[k] else -1
    coefficients[-1] = sign
    for i in range(width):
        if (patterns[i] >> k) & 1:
            for j, bit in enumerate(x):
                coefficients[i * (n + 1) + j] += sign * signs[i] * bit
    return coefficients, int(table[k])


def check_farkas(table, certificate) -> str:
    """Farkas multipliers of one combination: "" if they prove that no network has its patterns and signs.

    ``"complement": true`` (the three-unit method's step 1): the rows are those of
    ``NOT f``, the combination being a network for ``NOT f`` with the signs given.
    """
    n = len(table).bit_length() - 1
    if certificate.get("complement") is True:
        table = [1 - int(v) for v in table]
    try:
        patterns = [_int(p) for p in certificate["patterns"]]
        signs = [_int(s) for s in certificate["signs"]]
        pairs = [(_int(i), _int(y)) for i, y in certificate["rows"]]
    except (KeyError, TypeError, ValueError, BadRecord) as error:
        return f"malformed Farkas multipliers: {error}"[:120]
    if len(patterns) != len(signs) or any(s not in (1, -1) for s in signs) \
            or any(not 0 <= p < 1 << (1 << n) for p in patterns):
        return "a combination needs one pattern of 2^n rows and one sign +-1 per unit"
    count = (len(patterns) + 1) << n           # only the rows the multipliers use are built
    total, right = [0] * (len(patterns) * (n + 1) + 1), 0
    for index, y in pairs:
        if not 0 <= index < count or y < 0:
            return f"a Farkas multiplier ({index}, {y}) is negative or on no row"
        coefficients, h = _row(table, patterns, signs, n, index)
        total = [t + y * a for t, a in zip(total, coefficients)]
        right += y * h
    if any(total) or right <= 0:
        return "Farkas multipliers do not sum the rows to 0 = positive"
    return ""


def check_hull(table, certificate) -> str:
    """A point in both convex hulls (integer weights, the same total on each side): "" if it checks."""
    n = len(table).bit_length() - 1
    points, totals = [], []
    try:
        for side, value in (("ones", 1), ("zeros", 0)):
            point, total = [0] * n, 0
            for k, weight in certificate[side]:
                k, weight = _int(k), _int(weight)
                if not 0 <= k < len(table) or table[k] != value or weight < 0:
                    return f"hull weight ({k}, {weight}) is negative or on a row of the other value"
                total += weight
                point = [p + weight * ((k >> i) & 1) for i, p in enumerate(point)]
            points.append(point)
            totals.append(total)
    except (KeyError, TypeError, ValueError, BadRecord) as error:
        return f"malformed hull certificate: {error}"[:120]
    if totals[0] != totals[1] or totals[0] <= 0 or points[0] != points[1]:
        return "the weighted ones and zeros are not the same point"
    return ""


def minterm_network(table, n: int, of_ones: bool) -> dict:
    """The construction "minterms of the ones (zeros)": one unit per one (zero), active on that input only."""
    rows = [k for k, v in enumerate(table) if v == of_ones]
    weights = [[1 if (k >> i) & 1 else -1 for i in range(n)] for k in rows]
    biases = [1 - bin(k).count("1") for k in rows]
    out = [2 if of_ones else -2] * len(rows)
    return {"weights": weights, "biases": biases, "output_weights": out, "output_bias": -1 if of_ones else 1}


def construction_network(table, n: int, source: str) -> dict | None:
    """The network a census row names as its upper bound, rebuilt here: minterms, interpolation, zigzag.

    ``None`` for a name not known here.  On ``s = sum(x)``, the interpolation
    goes through ``2 f(s) - 1`` with one unit ``relu(s - j)`` per change of
    slope; the zigzag is that of ``expressivity.networks.shallow.zigzag``,
    ``9 - 6 relu(s-1) + sum_{j=2, j!=3}^{n-1} 4 (-1)^j relu(s-j) - 4 relu(3-s)``.

    Examples
    --------
    >>> construction_network([0, 1, 1, 0], 2, "construction (interpolation on sum(x), 2 units)")["output_weights"]
    [2, -4]
    """
    found = re.search(r"minterms of the (ones|zeros)", source)
    if found:
        return minterm_network(table, n, found.group(1) == "ones")
    if "interpolation on sum(x)" in source:
        y = [2 * table[(1 << j) - 1] - 1 for j in range(n + 1)]      # row (1 << j) - 1 has weight j
        slopes = [b - a for a, b in zip(y, y[1:])]
        units = [(j, s - p) for j, (s, p) in enumerate(zip(slopes, [0] + slopes)) if s != p]
        return {"weights": [[1] * n for _ in units], "biases": [-j for j, _ in units],
                "output_weights": [c for _, c in units], "output_bias": y[0]}
    if source.startswith("construction (zigzag") and n >= 4:
        knots = [j for j in range(1, n) if j != 3]
        sign = -1 if "output negated" in source else 1
        return {"weights": [[1] * n for _ in knots] + [[-1] * n], "biases": [-j for j in knots] + [3],
                "output_weights": [sign * (-6 if j == 1 else 4 * (-1) ** j) for j in knots] + [sign * -4],
                "output_bias": sign * 9}
    return None


class Report:
    """What one file's checks found: counts of exact checks, floating-point closures, missing evidence, failures."""

    def __init__(self, path: str, census_rows: dict | None = None):
        self.path, self.records = path, 0
        self.exact = {"networks": 0, "farkas": 0, "hulls": 0, "constructions": 0, "facets": 0, "rederived": 0,
                      "complete splits": 0}
        self.census_rows = census_rows      # --rederive: census rows of <= 4 bits by class, to cite; else None
        self.census_by_hex: dict = {}       # every census row of the files given by (n, hex), for facet citations
        self.floating: list[str] = []
        self.unchecked: list[str] = []
        self.failures: list[str] = []
        self.nothing_claimed = 0

    def to_dict(self) -> dict:
        return {"path": self.path, "records": self.records, "checked_exactly": self.exact,
                "floating_point": self.floating, "not_checked": self.unchecked, "failures": self.failures,
                "nothing_claimed": self.nothing_claimed}


def _width_proof(report: Report, label: str, proof, n: int, table) -> tuple[set, set]:
    """One prove-width record; returns (widths proven infeasible, widths with a network checked)."""
    status, width = proof.get("status"), proof.get("width")
    label = f"{label} width {width}"
    if status == "feasible-certified":
        why = check_certificate(proof.get("certificate") or {}, table, n, proof.get("variant", "sign"))
        if why:
            report.failures.append(f"{label}: {why}")
            return set(), set()
        report.exact["networks"] += 1
        return set(), {width}
    if status == "proven-infeasible":
        bounds = [s.get("dual_bound") for s in proof.get("splits", ())]
        what = "dual bounds" if proof.get("variant", "sign") == "sign" else "Infeasible, dual bounds"
        report.floating.append(f"{label}: HiGHS ({proof.get('formulation')} formulation), {what} {bounds}")
        return {width}, set()
    report.nothing_claimed += 1
    return set(), set()


def check_census(report: Report, record) -> None:
    n, hex_ = record["n"], record["hex"]
    table = table_of(hex_, n)
    label = f"census {hex_}"
    lower, upper = _int(record["lower_bound"]), _int(record["upper_bound"])
    infeasible, networks = set(), set()
    for proof in record.get("widths", ()):
        if proof.get("function_hex") != hex_:
            report.failures.append(f"{label}: a width proof of another function ({proof.get('function_hex')})")
            continue
        a, b = _width_proof(report, label, proof, n, table)
        infeasible |= a
        networks |= b
    evidence = record.get("evidence") or {}
    exact_infeasible = set()
    if "hull" in evidence:
        why = check_hull(table, evidence["hull"])
        if why:
            report.failures.append(f"{label} hull: {why}")
        else:
            report.exact["hulls"] += 1
            exact_infeasible.add(1)
    second = record.get("second_method") or {}
    if second.get("network") is not None:
        why = check_rational_network(second["network"], table, n)
        if why:
            report.failures.append(f"{label} pattern network: {why}")
        else:
            report.exact["networks"] += 1
            networks.add(second.get("width"))
    restriction = evidence.get("restriction")
    through_facet = restriction is not None and _restriction(report, label, restriction, hex_, n, lower)
    rederived = _pattern_proof(report, label, second, table) if second.get("status") == "proven-infeasible" else ""
    if rederived == "exact":                      # --rederive: the pruning and its face lemmas re-derived here
        exact_infeasible.add(second.get("width"))
    # a checked network of a width at most one proven infeasible (or below the lower bound) is a contradiction
    refuted = infeasible | exact_infeasible
    if networks and (min(networks) < lower or any(w >= min(networks) for w in refuted)) \
            or refuted and upper <= max(refuted):
        report.failures.append(f"{label}: the networks and the widths proven infeasible contradict each other")
    constant = len(set(table)) == 1
    if lower == 1 and constant or upper == 0 and not constant:
        report.failures.append(f"{label}: bounds {lower}..{upper} but the function is "
                               f"{'' if constant else 'not '}constant")
    elif lower >= 2 and lower - 1 not in exact_infeasible and not through_facet:
        rests = ["HiGHS, floating point"] if lower - 1 in infeasible else []
        if second.get("status") == "proven-infeasible" and second.get("width") == lower - 1:
            rests.append("the pattern method, " + ("its pruning re-derived, resting on face lemmas" if rederived
                                                   else "its pruning not re-checked"))
        rests = "; ".join(rests) or "no proof in the record"
        report.unchecked.append(f"{label}: lower bound {lower} rests on width {lower - 1} ({rests})")
    _upper_bound(report, label, record, table, n, upper, networks)


def _restriction(report: Report, label: str, citation, hex_: str, n: int, lower: int) -> bool:
    """A lower bound carried from a restriction to a facet (a network for f is one for f with x_bit fixed).

    The restriction is recomputed here and must map onto the cited class's table
    by an input transform, with or without negating the output; the cited census
    row must be in the files given with a lower bound at least the one claimed.
    The bound then rests on what that row rests on (checked as its own record).
    """
    try:
        bit, value, m, bound = (_int(citation[k]) for k in ("bit", "value", "n", "lower_bound"))
        cited = str(citation["hex"])
        target = np.array(table_of(cited, m))
    except (KeyError, TypeError, BadRecord) as error:
        report.failures.append(f"{label}: a malformed facet citation ({error})"[:200])
        return False
    if m != n - 1 or not 0 <= bit < n or value not in (0, 1) or bound != lower or not 2 <= n <= MAX_FACET_BITS:
        report.failures.append(f"{label}: the facet citation does not match the row (n, bit, value or bound)")
        return False
    facet = restrict(int(hex_, 16), n, bit, value)
    mine = np.array([(facet >> k) & 1 for k in range(1 << m)])
    moved = mine[transforms(m)]
    if not ((moved == target).all(1) | (moved != target).all(1)).any():
        report.failures.append(f"{label}: its facet x{bit}={value} is not in the class of hex:{cited}")
        return False
    row = report.census_by_hex.get((m, cited))
    if row is None:
        report.unchecked.append(f"{label}: lower bound {bound} through facet x{bit}={value}, citing census hex:{cited} "
                                f"({m} bits), not in the files given")
        return True
    if _int(row[1]) < bound:
        report.failures.append(f"{label}: cites census hex:{cited} ({m} bits), whose lower bound is {row[1]}")
        return False
    report.exact["facets"] += 1
    report.floating.append(f"{label}: lower bound {bound} through facet x{bit}={value}, resting on census "
                           f"hex:{cited} ({m} bits, {row[0]}): {', '.join(row[2]) or 'no method named'}")
    return True


def _census_by_hex(files) -> dict:
    """Every census row of the files by ``(n, hex)``: ``(file name, lower bound, lower methods)``; later ones win."""
    rows: dict = {}
    for path, records in files:
        for record in records:
            if record.get("kind") == "census" and "n" in record and "hex" in record:
                rows[(record["n"], str(record["hex"]))] = (os.path.basename(path), record.get("lower_bound", 0),
                                                           [str(m) for m in record.get("lower_methods", ())])
    return rows


def _pattern_proof(report: Report, label: str, second, table) -> str:
    """The pattern method's width proven infeasible: its Farkas certificates, and what rests on pruning.

    With ``--rederive``, three units with face lemmas: "exact" when the pruning and every face lemma were
    re-derived, "resting on face lemmas" when some of these are cited; otherwise "".
    """
    label = f"{label} pattern width {second.get('width')}"
    farkas = second.get("farkas")
    if farkas is None:
        report.unchecked.append(f"{label}: {second.get('certificates')} Farkas certificates not kept in the record")
    else:
        bad = [why for why in (check_farkas(table, c) for c in farkas) if why]
        report.failures.extend(f"{label}: {why}" for why in bad)
        report.exact["farkas"] += len(farkas) - len(bad)
        if len(farkas) != second.get("survivors"):
            report.failures.append(f"{label}: {len(farkas)} certificates for {second.get('survivors')} "
                                   "surviving combinations")
    if second.get("lemmas") and second.get("width") == 3 and report.census_rows is not None:
        return _rederived(report, label, second, table)
    pruned = second.get("considered", 0) - second.get("survivors", 0)
    report.unchecked.append(f"{label}: {pruned} combinations refuted by combinatorial pruning, and the "
                            "completeness of the list (not re-checked here)")
    if second.get("lemmas"):
        report.unchecked.append(f"{label}: units pruned on {len(second['lemmas'])} faces that need three units "
                                "and output weights negated (lemmas of the three-unit method, not re-checked here; "
                                "--rederive re-derives them)")
    return ""


def _rederived(report: Report, label: str, second, table) -> str:
    """Three units: rederive.py recounts the surviving combinations and re-derives the face lemmas it can.

    A face lemma it cannot re-derive is cited: the census row of its class among the files given.
    """
    try:
        found = rederive.rederive_three_units(table, second["lemmas"])
    except (rederive.LemmaError, ArithmeticError) as error:   # a lemma not its face's restriction; a wrong count
        report.failures.append(f"{label}: not re-derived: {error}"[:300])
        return ""
    except ValueError as error:                                 # a table out of the re-derivation's reach
        report.unchecked.append(f"{label}: not re-derived ({error}), its pruning not re-checked"[:300])
        return ""
    if found.survivors != second.get("survivors"):
        report.failures.append(f"{label}: re-derived {found.survivors} surviving combinations, the record says "
                               f"{second.get('survivors')}")
        return ""
    report.exact["rederived"] += 1
    cited = []
    for bits, hex_, proven in found.faces:
        row = report.census_rows.get(rederive.class_key(table_of(hex_, bits)))
        if row is not None and isinstance(row[3], int) and row[3] <= 2:
            report.failures.append(f"{label}: face lemma {hex_} needs three units, census row {row[1]} of "
                                   f"{row[0]} has a network of {row[3]}")
        if not proven:
            cited.append(f"{hex_} ({bits} bits): " + (f"census row {row[1]} of {row[0]}, lower bound {row[2]}" if row
                                                     else f"no census row of {bits} bits among the files given"))
    if cited:
        report.unchecked.append(f"{label}: re-derived: {found.survivors} surviving combinations; some face lemmas "
                                f"rest on restrictions needing three units, not re-derived: {'; '.join(cited)}")
        return "resting on face lemmas"
    return "exact"


def _upper_bound(report: Report, label: str, record, table, n: int, upper: int, networks: set) -> None:
    source = str(record.get("upper_source", ""))
    net = construction_network(table, n, source)
    if upper in networks:
        return
    if upper == 0 and len(set(table)) == 1:
        report.exact["constructions"] += 1
    elif net is not None:
        why = check_certificate(net, table, n) or ("" if len(net["biases"]) <= upper else "more units than claimed")
        if why:
            report.failures.append(f"{label} upper bound: {why}")
        else:
            report.exact["constructions"] += 1
    else:
        report.unchecked.append(f"{label}: upper bound {upper} from '{source}' (no network in the record)")


FACET = re.compile(r"on the facet x(\d+) = ([01]) its fixed unit is active on the inputs (0x[0-9a-f]+) of (\d+) "
                   r"bits: lower cube \(P = (\d+), sign ([+-]\d+), pattern (\d+)\) of ([0-9a-f]+) proven infeasible")


def restrict(mask: int, n: int, bit: int, value: int) -> int:
    """The ``(n-1)``-bit mask of ``mask`` on the facet ``x_bit = value`` (its rows in order)."""
    out, position = 0, 0
    for row in range(1 << n):
        if (row >> bit) & 1 == value:
            out |= ((mask >> row) & 1) << position
            position += 1
    return out


_TRANSFORMS: dict[int, np.ndarray] = {}


def transforms(m: int) -> np.ndarray:
    """Every input transform of ``m`` bits (permute, negate some) as a row map: ``(g o T)[k] = g[T[k]]``."""
    if m not in _TRANSFORMS:
        rows = np.arange(1 << m)
        maps = []
        for perm in itertools.permutations(range(m)):
            moved = np.zeros_like(rows)
            for i, target in enumerate(perm):
                moved |= ((rows >> i) & 1) << target
            maps.extend(moved[rows ^ flips] for flips in range(1 << m))
        _TRANSFORMS[m] = np.array(maps).reshape(-1, 1 << m)
    return _TRANSFORMS[m]


def _cube_key(record) -> tuple:
    cube = record["cube"]
    return (_int(record["n"]), _int(record["width"]), str(record["function_hex"]), _int(cube["positive"]),
            _int(cube["sign"]), _int(cube["pattern"]))


def check_cube(report: Report, record, cubes: dict) -> None:
    n, width, hex_, positive, sign, pattern = _cube_key(record)
    table = table_of(hex_, n)
    label = f"cube n={n} w={width} {hex_} (P={positive}, {sign:+d}, R={pattern:#x})"
    status, bound = record.get("status"), record.get("dual_bound")
    if status == "feasible-certified":
        cert = record.get("certificate")
        if cert is None:
            report.unchecked.append(f"{label}: feasible, no network kept")
            return
        why = check_certificate(cert, table, n)
        if not why and len(cert["biases"]) > width:
            why = f"the network has {len(cert['biases'])} units"
        _count(report, label, why)
        unit = 0 if sign > 0 else positive
        if not why and unit < len(cert["biases"]):
            # rounding the solver's weights to a certificate may move a unit's pattern: the network then
            # proves the width, not that this cube holds a network
            z = [cert["biases"][unit] + sum(w for i, w in enumerate(cert["weights"][unit]) if (k >> i) & 1)
                 for k in range(1 << n)]
            active = sum((v > 0) << k for k, v in enumerate(z))
            if active != pattern or sum(v > 0 for v in cert["output_weights"]) != positive:
                report.unchecked.append(f"{label}: its network (checked: width {width} is feasible) has the "
                                        f"fixed unit active on {active:#x}, so the cube itself is not certified")
    elif status == "proven-infeasible" and record.get("solver_status") == "facet":
        citation = FACET.search(str(record.get("reason", "")))
        if citation is None or not 2 <= n <= MAX_FACET_BITS:
            report.unchecked.append(f"{label}: closed through a facet, citation unreadable or n too large")
            return
        bit, value, below, m, lp, ls, rep = (int(citation.group(i), 0) for i in range(1, 8))
        source = citation.group(8)
        facet = restrict(int(hex_, 16), n, bit, value)
        maps = transforms(n - 1)
        lower_table = np.array(table_of(source, n - 1))
        mine = np.array([(facet >> k) & 1 for k in range(1 << (n - 1))])
        below_bits = np.array([(below >> k) & 1 for k in range(1 << (n - 1))])
        rep_bits = np.array([(rep >> k) & 1 for k in range(1 << (n - 1))])
        reached = ((mine[maps] == lower_table).all(1) & (below_bits[maps] == rep_bits).all(1)).any()
        cited = cubes.get((n - 1, width, source, positive, sign, rep))
        if m != n - 1 or (lp, ls) != (positive, sign) or below != restrict(pattern, n, bit, value) or not reached:
            report.failures.append(f"{label}: the facet citation does not match the cube (restriction or transform)")
        elif cited is None:
            report.unchecked.append(f"{label}: cites a lower cube not in the files given ({source}, R={rep})")
        elif cited[0] != "proven-infeasible":
            report.failures.append(f"{label}: cites a lower cube that is {cited[0]}")
        else:
            report.exact["facets"] += 1
            report.floating.append(f"{label}: through facet x{bit}={value}, rests on lower cube {source} R={rep}: "
                                   f"{cited[1]}")
    elif status == "proven-infeasible":
        report.floating.append(f"{label}: HiGHS, dual bound {bound}")
    else:
        report.nothing_claimed += 1


def check_splits(report: Report, records) -> None:
    """Whether each split's list of cubes is complete, and what a complete, closed split says.

    A split ``(n, w, f, P, sign)`` loses no network when every threshold pattern
    of ``n`` inputs (the fixed unit's) lies in the orbit of a listed cube under
    the input transforms that keep ``f``; ``split_cover.py`` counts it for
    ``n <= 6`` (each listed pattern shown a threshold function, the orbits
    distinct, their sizes adding up to OEIS A000609).  A complete split whose
    cubes are all closed has no network; that rests on the closures, which are
    listed above with what they rest on.
    """
    splits: dict = {}
    for record in records:
        if "cube" not in record:
            continue
        try:
            n, width, hex_, positive, sign, pattern = _cube_key(record)
        except (KeyError, TypeError, BadRecord):
            continue
        statuses = splits.setdefault((n, width, hex_, positive, sign), {})
        if statuses.get(pattern, "unknown") == "unknown":       # a later unknown does not undo a closure
            statuses[pattern] = record.get("status")
    for (n, width, hex_, positive, sign), statuses in splits.items():
        label = f"split n={n} w={width} {hex_} (P={positive}, {sign:+d}): {len(statuses)} cubes"
        if n >= len(split_cover.THRESHOLD_COUNTS):
            report.unchecked.append(f"{label}: the completeness of the list (n = {n}: no count of its threshold "
                                    f"functions here)")
            continue
        found = split_cover.cover(np.array(table_of(hex_, n), dtype=bool), list(statuses))
        if not found.complete:
            report.unchecked.append(f"{label}: not shown complete ({found.covered:,} of {found.expected:,} threshold "
                                    f"patterns in its orbits, {found.not_threshold} not shown threshold, "
                                    f"{found.repeated} orbits repeated)")
            continue
        report.exact["complete splits"] += 1
        if all(s == "proven-infeasible" for s in statuses.values()):
            report.floating.append(f"{label}, the list complete (counted exactly) and every cube closed: no network "
                                   f"of width {width} with P = {positive}, resting on those closures")


def _count(report: Report, label: str, why: str) -> None:
    if why:
        report.failures.append(f"{label}: {why}")
    else:
        report.exact["networks"] += 1


def check_search(report: Report, record, folder: str) -> None:
    label = f"search-width n={record['n']} {record['function_hex']} shape {record.get('shape')}"
    if not record.get("weights_file"):
        if record.get("successes"):
            report.unchecked.append(f"{label}: {record['successes']} fits, no weights kept")
        else:
            report.nothing_claimed += 1
        return
    path = os.path.join(folder, record["weights_file"])
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            depth = sum(1 for k in data.files if re.fullmatch(r"weight_\d+", k))
            layers = [(data[f"weight_{d}"].tolist(), data[f"bias_{d}"].tolist()) for d in range(depth)]
    except (OSError, ValueError, KeyError) as error:
        report.failures.append(f"{label}: weights file unreadable: {error}"[:200])
        return
    n = _int(record["n"])
    encoding = "01" if meta.get("inputs", "0/1") == "0/1" else "pm1"
    values, scale = evaluate(layers, n, encoding)
    _count(report, label, _judge(values, scale, table_of(record["function_hex"], n), "sign"))


def check_patterns(report: Report, record) -> None:
    """A pattern-method record (``benchmarks/bench_patterns.py``): its network, or its Farkas certificates."""
    n, width = _int(record["n"]), _int(record["width"])
    table = table_of(record["hex"], n)
    label = f"prove-patterns hex:{record['hex']} n={n}"
    if record.get("status") == "feasible-certified":
        net = record.get("network") or {}
        why = check_rational_network(net, table, n) or (
            "" if len(net["biases"]) <= width else f"the network has {len(net['biases'])} units")
        _count(report, f"{label} width {width}", why)
    elif record.get("status") == "proven-infeasible":
        _pattern_proof(report, label, record, table)
    else:
        report.nothing_claimed += 1


def read_records(path: str) -> list:
    """The JSON objects of a records file; ``OSError``/``ValueError`` (one line) for bad input.

    A last line without its newline that does not parse is being written by another process: it is skipped.
    """
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    opener = gzip.open if path.endswith(".gz") else open    # large certificate files ship compressed
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            text = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, UnicodeDecodeError) as error:   # a damaged or truncated compressed file
        raise ValueError(f"{path}: cannot be read ({type(error).__name__})") from None
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: more than {MAX_FILE_BYTES:,} characters")
    lines = text.split("\n")
    records = []
    collecting = gc.isenabled()
    gc.disable()            # millions of small lists of multipliers: the collector's passes cost more than the parse
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number == len(lines):
                    continue
                raise ValueError(f"{path}:{number}: not JSON") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: a record must be a JSON object")
            records.append(record)
    finally:
        if collecting:
            gc.enable()
    return records


def _census_classes(files) -> dict:
    """The census rows of at most 4 bits by class (input transforms, output negation), for face lemmas to cite."""
    rows: dict = {}
    for path, records in files:
        for record in records:
            try:
                if record.get("kind") == "census" and 1 <= _int(record["n"]) <= 4:
                    rows.setdefault(rederive.class_key(table_of(record["hex"], record["n"])),
                                    (os.path.basename(path), record["hex"], record.get("lower_bound"),
                                     record.get("upper_bound")))
            except (KeyError, TypeError, BadRecord):
                continue
    return rows


def check_files(paths, rederive_three: bool = False) -> list[Report]:
    """Check every record of ``paths`` (read first, so that facet citations reach across files).

    ``rederive_three``: re-derive the three-unit refutations (:func:`_rederived`, seconds each).
    """
    files = [(p, read_records(p)) for p in paths]
    census_rows = _census_classes(files) if rederive_three else None
    census_by_hex = _census_by_hex(files)
    cubes: dict = {}
    for _, records in files:
        for record in records:
            if "cube" in record:
                try:
                    key = _cube_key(record)
                except (KeyError, TypeError, BadRecord):
                    continue
                if cubes.get(key, ("unknown",))[0] == "unknown":   # a later unknown does not undo a closure
                    cubes[key] = (record.get("status"), record.get("reason") if record.get("solver_status") == "facet"
                                  else f"HiGHS, dual bound {record.get('dual_bound')}")
    reports = []
    for path, records in files:
        report = Report(path, census_rows)
        report.census_by_hex = census_by_hex
        for number, record in enumerate(records, 1):
            report.records += 1
            try:
                if record.get("kind") == "census":
                    check_census(report, record)
                elif "cube" in record:
                    check_cube(report, record, cubes)
                elif record.get("kind") == "prove-width":
                    n = _int(record["n"])
                    table = table_of(record["function_hex"], n) if record.get("function_hex") else parity_table(n)
                    _width_proof(report, f"prove-width {record.get('function', 'parity')} n={n}", record, n, table)
                elif record.get("kind") == "search-width":
                    check_search(report, record, os.path.dirname(path))
                elif record.get("kind") == "prove-patterns":
                    check_patterns(report, record)
                else:
                    report.unchecked.append(f"record {number}: kind {record.get('kind')!r} not recognised")
            except (KeyError, TypeError, ValueError) as error:
                report.failures.append(f"record {number}: malformed ({error!r})"[:200])
        check_splits(report, records)
        reports.append(report)
    return reports


def summary_text(report: Report, brief: bool = False) -> str:
    exact = report.exact
    lines = [f"{report.path}: {report.records} records; checked exactly: {exact['networks']} networks, "
             f"{exact['farkas']} Farkas certificates, {exact['hulls']} hull certificates, {exact['constructions']} "
             f"constructions, {exact['facets']} facet citations, {exact['rederived']} three-unit re-derivations, "
             f"{exact['complete splits']} complete cube splits; "
             f"{len(report.floating)} closures resting on floating "
             f"point; {len(report.unchecked)} claims not checked; {report.nothing_claimed} claiming nothing; "
             f"{len(report.failures)} failures"]
    for title, items in (("FAILED", report.failures), ("floating point", report.floating),
                         ("not checked", report.unchecked)):
        shown = items if not brief or title == "FAILED" else []
        lines.extend(f"  {title}: {item}" for item in shown)
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message):               # one line, exit 2
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> int:
    parser = _Parser(prog="python -m expressivity.prove.check",
                                     description="Re-check the evidence in proof records (numpy and fractions only).")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--brief", action="store_true", help="summaries and failures only")
    parser.add_argument("--rederive", action="store_true",
                        help="re-derive three-unit refutations with rederive.py (seconds per record)")
    args = parser.parse_args(argv)
    try:
        reports = check_files(args.files, args.rederive)
    except (OSError, ValueError) as error:
        print(f"error: {error}".splitlines()[0][:300], file=sys.stderr)
        return 2
    failed = any(r.failures for r in reports)
    if args.json:
        print(json.dumps({"files": [r.to_dict() for r in reports], "failed": failed}))
    else:
        print("\n".join(summary_text(r, args.brief) for r in reports))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
