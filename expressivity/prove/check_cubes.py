"""The checker's cubes: closures by HiGHS or through a facet, networks, and whether a split's list is complete.

Part of the standalone checker (:mod:`expressivity.prove.check`; standard
library and numpy only).  A cube closed through a facet cites a lower cube of
the files given, reached by an input transform that is recomputed here; a
split is complete when ``split_cover.py`` counts every threshold pattern in the
orbit of a listed cube.
"""
from __future__ import annotations

import re

import numpy as np

if __package__:                  # imported, or python -m expressivity.prove.check: the sibling modules
    from . import split_cover
    from .check_evidence import (MAX_FACET_BITS, BadRecord, Report, as_int, check_certificate, count, restrict,
                                 table_of, transforms)
else:                            # python expressivity/prove/check.py: that file's folder is first on sys.path
    import split_cover
    from check_evidence import (MAX_FACET_BITS, BadRecord, Report, as_int, check_certificate, count, restrict,
                                table_of, transforms)

FACET = re.compile(r"on the facet x(\d+) = ([01]) its fixed unit is active on the inputs (0x[0-9a-f]+) of (\d+) "
                   r"bits: lower cube \(P = (\d+), sign ([+-]\d+), pattern (\d+)\) of ([0-9a-f]+) proven infeasible")


def cube_key(record) -> tuple:
    cube = record["cube"]
    return (as_int(record["n"]), as_int(record["width"]), str(record["function_hex"]), as_int(cube["positive"]),
            as_int(cube["sign"]), as_int(cube["pattern"]))


#: The largest n whose cube splits are counted complete here (split_cover.py's counts, and a transform table of 46,080 rows).
MAX_SPLIT_BITS = 6


def fixed_sign(width: int, positive: int) -> int:
    """The output sign of a cube's fixed unit: that of the smaller non-empty sign group, +1 on a tie."""
    return 1 if positive >= 1 and (width == positive or positive <= width - positive) else -1


def split_statuses(cubes: dict, n: int, width: int, hex_: str, positive: int) -> dict:
    """The cubes of one split in a :func:`cube_index`: ``{pattern: status}``."""
    sign = fixed_sign(width, positive)
    return {key[5]: value[0] for key, value in cubes.items() if key[:5] == (n, width, hex_, positive, sign)}


def cube_index(files) -> dict:
    """Every cube of the files by :func:`cube_key`: ``(status, what a closure rests on)``; a later unknown does not
    undo a closure."""
    cubes: dict = {}
    for _, records in files:
        for record in records:
            if "cube" in record:
                try:
                    key = cube_key(record)
                except (KeyError, TypeError, BadRecord):
                    continue
                if cubes.get(key, ("unknown",))[0] == "unknown":
                    cubes[key] = (record.get("status"), record.get("reason") if record.get("solver_status") == "facet"
                                  else f"HiGHS, dual bound {record.get('dual_bound')}")
    return cubes


def check_cube(report: Report, record, cubes: dict) -> None:
    n, width, hex_, positive, sign, pattern = cube_key(record)
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
        count(report, label, why)
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
            n, width, hex_, positive, sign, pattern = cube_key(record)
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
