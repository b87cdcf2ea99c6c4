"""The checker's census rows and pattern-method records: widths, constructions, restrictions, three-unit proofs.

Part of the standalone checker (:mod:`expressivity.prove.check`; standard
library and numpy only).  A census row's lower bound rests on a width proven
infeasible (a hull certificate, Farkas multipliers, HiGHS in floating point, a
re-derived three-unit refutation) or on a restriction to a facet, a census row
of one bit less in the files given; its upper bound on a network checked on
every input or a named construction rebuilt here.  A row whose networks and
infeasible widths contradict each other fails.
"""
from __future__ import annotations

import os
import re

import numpy as np

if __package__:                  # imported, or python -m expressivity.prove.check: the sibling modules
    from . import rederive, split_cover
    from .check_cubes import MAX_SPLIT_BITS, split_statuses
    from .check_evidence import (MAX_FACET_BITS, BadRecord, Report, as_int, check_certificate, check_farkas,
                                 check_hull, check_rational_network, count, restrict, table_of, transforms)
else:                            # python expressivity/prove/check.py: that file's folder is first on sys.path
    import rederive
    import split_cover
    from check_cubes import MAX_SPLIT_BITS, split_statuses
    from check_evidence import (MAX_FACET_BITS, BadRecord, Report, as_int, check_certificate, check_farkas,
                                check_hull, check_rational_network, count, restrict, table_of, transforms)

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


def check_width_proof(report: Report, label: str, proof, n: int, table) -> tuple[set, set]:
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
    lower, upper = as_int(record["lower_bound"]), as_int(record["upper_bound"])
    infeasible, networks = set(), set()
    for proof in record.get("widths", ()):
        if proof.get("function_hex") != hex_:
            report.failures.append(f"{label}: a width proof of another function ({proof.get('function_hex')})")
            continue
        a, b = check_width_proof(report, label, proof, n, table)
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
    restriction, split = evidence.get("restriction"), evidence.get("cubes")
    through_facet = restriction is not None and _restriction(report, label, restriction, hex_, n, lower)
    through_cubes = split is not None and _cube_split(report, label, split, hex_, n, lower)
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
    elif lower >= 2 and lower - 1 not in exact_infeasible and not through_facet and not through_cubes:
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
        bit, value, m, bound = (as_int(citation[k]) for k in ("bit", "value", "n", "lower_bound"))
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
    if as_int(row[1]) < bound:
        report.failures.append(f"{label}: cites census hex:{cited} ({m} bits), whose lower bound is {row[1]}")
        return False
    report.exact["facets"] += 1
    report.floating.append(f"{label}: lower bound {bound} through facet x{bit}={value}, resting on census "
                           f"hex:{cited} ({m} bits, {row[0]}): {', '.join(row[2]) or 'no method named'}")
    return True


def _cube_split(report: Report, label: str, citation, hex_: str, n: int, lower: int) -> bool:
    """A lower bound ``w + 1`` from a closed cube split of width ``w`` (``expressivity/prove/census/by_cubes.py``).

    Recomputed here: the cited function is in the row's class (an input transform,
    with or without negating the output); the counts ``P`` cover every network (all
    of ``0..w``, or ``ceil(w/2)..w`` where an input transform negates the function:
    S1); each split's list is complete (``split_cover.py``) and each of its cubes
    closed in the files given.  The bound then rests on those closures, which are
    checked as records of their own.
    """
    try:
        m, width, count = (as_int(citation[k]) for k in ("n", "width", "cubes"))
        cited = str(citation["hex"])
        target = np.array(table_of(cited, m))
        positive = sorted(as_int(p) for p in citation["positive"])
    except (KeyError, TypeError, BadRecord) as error:
        report.failures.append(f"{label}: a malformed cube citation ({error})"[:200])
        return False
    if m != n or lower != width + 1 or not 1 <= n <= MAX_SPLIT_BITS:
        report.failures.append(f"{label}: the cube citation does not match the row (n or width)")
        return False
    maps = transforms(n)
    moved = np.array(table_of(hex_, n))[maps]
    if not ((moved == target).all(1) | (moved != target).all(1)).any():
        report.failures.append(f"{label}: the cubes' function hex:{cited} is not in the row's class")
        return False
    negating = bool((target[maps] != target).all(1).any())
    needed = list(range(-(-width // 2) if negating else 0, width + 1))
    if positive != needed:
        report.failures.append(f"{label}: the cube splits P = {positive}, but P = {needed} are needed")
        return False
    if not any(key[:3] == (n, width, cited) for key in report.cubes):
        report.unchecked.append(f"{label}: lower bound {lower} from the cubes of width {width} of hex:{cited}, "
                                f"not in the files given")
        return True
    listed = 0
    for p in needed:
        statuses = split_statuses(report.cubes, n, width, cited, p)
        found = split_cover.cover(target.astype(bool), list(statuses))
        open_ = sum(s != "proven-infeasible" for s in statuses.values())
        if not found.complete or open_:
            report.failures.append(f"{label}: cites the cubes of width {width}, P = {p}, but "
                                   + ("the list is not complete" if not found.complete else f"{open_} are not closed"))
            return False
        listed += len(statuses)
    if listed != count:
        report.failures.append(f"{label}: cites {count} cubes of width {width}, the files hold {listed}")
        return False
    report.exact["complete splits"] += len(needed)
    report.floating.append(f"{label}: lower bound {lower}: every cube of width {width} of hex:{cited} is closed "
                           f"({listed} cubes, P = {needed}, each list counted complete), resting on those closures")
    return True


def census_by_hex(files) -> dict:
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
        return rederived(report, label, second, table)
    pruned = second.get("considered", 0) - second.get("survivors", 0)
    report.unchecked.append(f"{label}: {pruned} combinations refuted by combinatorial pruning, and the "
                            "completeness of the list (not re-checked here)")
    if second.get("lemmas"):
        report.unchecked.append(f"{label}: units pruned on {len(second['lemmas'])} faces that need three units "
                                "and output weights negated (lemmas of the three-unit method, not re-checked here; "
                                "--rederive re-derives them)")
    return ""


def rederived(report: Report, label: str, second, table) -> str:
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


def census_classes(files) -> dict:
    """The census rows of at most 4 bits by class (input transforms, output negation), for face lemmas to cite."""
    rows: dict = {}
    for path, records in files:
        for record in records:
            try:
                if record.get("kind") == "census" and 1 <= as_int(record["n"]) <= 4:
                    rows.setdefault(rederive.class_key(table_of(record["hex"], record["n"])),
                                    (os.path.basename(path), record["hex"], record.get("lower_bound"),
                                     record.get("upper_bound")))
            except (KeyError, TypeError, BadRecord):
                continue
    return rows


def check_patterns(report: Report, record) -> None:
    """A pattern-method record (``benchmarks/bench_patterns.py``): its network, or its Farkas certificates."""
    n, width = as_int(record["n"]), as_int(record["width"])
    table = table_of(record["hex"], n)
    label = f"prove-patterns hex:{record['hex']} n={n}"
    if record.get("status") == "feasible-certified":
        net = record.get("network") or {}
        why = check_rational_network(net, table, n) or (
            "" if len(net["biases"]) <= width else f"the network has {len(net['biases'])} units")
        count(report, f"{label} width {width}", why)
    elif record.get("status") == "proven-infeasible":
        _pattern_proof(report, label, record, table)
    else:
        report.nothing_claimed += 1
