"""The paper's tables, each made from the records in the repository or from a toolkit command.

Every function here returns the text of one LaTeX table body (a ``tabular``), and
``TABLES`` maps each generated file to the function that makes it.  No number is typed
by hand: each is read from a records file (JSON lines written by the toolkit's own
commands) or printed by a command run in this process.  ``paper/build.py`` writes them to
``paper/generated/`` and ``--check`` compares them with what is committed.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Callable

PAPER = Path(__file__).resolve().parent
ROOT = PAPER.parent
RECORDS = PAPER / "records"
BENCH = ROOT / "benchmarks"
#: The NPN censuses of 3 and 4 variables, with the certificates a reader re-checks (prove/check.py).
CENSUS_EVIDENCE = BENCH / "census" / "evidence"


def census_file(n: int) -> Path:
    """The NPN census of ``n`` variables with its certificates (the 4-variable one, 1.9 MB gzipped, is 34 MB raw)."""
    return CENSUS_EVIDENCE / (f"census{n}.jsonl" if n < 4 else f"census{n}.jsonl.gz")
NETLISTS = ROOT / "tests" / "data" / "iscas85"


def read_jsonl(path: Path) -> list[dict]:
    """Every record of a JSON-lines file, gzipped or not (blank lines skipped)."""
    import gzip

    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_cli(*args: str) -> str:
    """The stdout of ``expressivity ARGS`` run in this process (click's runner), as on the command line."""
    from click.testing import CliRunner

    from expressivity.cli import main

    result = CliRunner().invoke(main, list(args))
    if result.exit_code != 0:
        raise RuntimeError(f"expressivity {' '.join(args)} failed ({result.exit_code}): {result.output.strip()}")
    return result.output


def tabular(columns: str, header: list[str], rows: list[list[object]]) -> str:
    """A booktabs ``tabular`` with thousands separators in integers."""
    def cell(value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}".replace(",", "{,}")
        return str(value)

    lines = [rf"\begin{{tabular}}{{{columns}}}", r"\toprule", " & ".join(header) + r" \\", r"\midrule"]
    lines += [" & ".join(cell(v) for v in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


# --- constructions ------------------------------------------------------------------------

def counts_n16() -> str:
    """Every construction's sizes as closed forms, with values at n = 16 (``expressivity count``)."""
    return run_cli("count", "--bits", "16", "--latex")


# --- parity: the exact minimum widths ----------------------------------------------------

TWO_METHODS = BENCH / "prove" / "two_methods.jsonl.gz"


def exact_lower_bounds() -> dict[int, str]:
    """Per n, the exact method behind "lower bound - 1 units are not enough" (benchmarks/prove/two_methods.jsonl.gz).

    At n = 6 the bound follows from n = 5's on a facet (Lemma facets): no record, the argument.
    """
    import gzip

    # the file is mostly the Farkas multipliers of the 4-bit classes: parse only the parity part's lines
    lines = gzip.decompress(TWO_METHODS.read_bytes()).decode().splitlines()
    parity = [r for r in (json.loads(line) for line in lines if '"part": "parity"' in line) if r.get("part") == "parity"]
    found, milp = {}, {}
    for r in parity:
        if r.get("kind") == "prove-width":
            milp[(r["n"], r["width"])] = r["seconds"]
    for r in parity:
        if r.get("kind") == "prove-patterns" and r["status"] == "proven-infeasible":
            same_run = milp.get((r["n"], r["width"]))
            found[r["n"]] = f"patterns $w{{=}}{r['width']}$: {r['seconds']:.1f}" + \
                ("" if same_run is None else f" (MILP {same_run:.1f})")
    if 5 in found:
        found[6] = "facet and $n = 5$"
    return found


def parity_widths() -> str:
    """Per n: the bounds of ``prove-width --json`` (paper/records/parity.json), each width's time in its records,
    and the exact method behind the lower bound."""
    summary = json.loads((RECORDS / "parity.json").read_text())
    seconds = Counter()
    for record in read_jsonl(RECORDS / "parity.jsonl"):
        seconds[record["n"]] += record["seconds"]
    exact = exact_lower_bounds()
    six = six_bit_parity()
    rows = []
    for s in summary["summaries"]:
        lower, upper = s["lower_bound"], s["upper_bound"]
        status = s["status"] if s["status"] == "exact" else f"open: {lower} or {upper}"
        upper_from = s["upper_source"].removeprefix("construction (").removesuffix(")")
        how = exact.get(s["n"], "none")
        if s["n"] == 6 and six == "5":         # every width-4 cube closed: the cubes settle it, on HiGHS's word
            lower, status, how = 5, "exact (cubes)", "none: the cubes are HiGHS's"
        elif s["n"] == 6 and six == "4":       # a cube's network, checked on every input
            upper, upper_from, status = 4, "a cube's network", "exact"
        rows.append([s["n"], lower, upper, upper_from, status, f"{seconds[s['n']]:.1f}", how])
    return tabular("rrrllrl", ["$n$", "lower", "upper", "upper from", "status", "MILP s",
                                "lower bound exactly, s"], rows)


def cube_counts(path: Path) -> dict[str, int]:
    """How many cubes of a cube-split records file are closed, and how (the last record of a cube counts)."""
    last = {}
    for record in read_jsonl(path):
        cube = record["cube"]
        last[(cube["positive"], cube["sign"], cube["pattern"])] = record
    how = Counter("facet" if r["solver_status"] == "facet" else r["status"] for r in last.values())
    closed = sum(v for k, v in how.items() if k in ("facet", "proven-infeasible"))
    return {"total": len(last), "closed": closed, "facet": how["facet"], "solved": how["proven-infeasible"],
            "open": how["unknown"], "networks": how["feasible-certified"]}


#: The cubes of each split at n = 6, width 4: the orbits of one unit's pattern (bench_restrictions.py lists them).
SIX_BIT_CUBES = 2107


def six_bit_parity(folder: Path | None = None) -> str:
    """What the width-4 cube records settle for 6-bit parity: ``"open"``, ``"5"`` or ``"4"``.

    ``"4"``: some cube holds a network (certified on every input when written;
    the checker re-checks it).  ``"5"``: every cube of P = 2, 3 and 4 is closed
    (P = 1 and 0 are P = 3 and 4 by the negation lemma: see docs/results/cubes.md),
    so width 4 is impossible and the zigzag's 5 units are the minimum.  A split
    without its records file is open.  ``folder``: where the records are (default:
    benchmarks/restrictions).
    """
    folder = BENCH / "restrictions" if folder is None else folder
    paths = [folder / f"n6_w4_p{positive}_cubes.jsonl" for positive in (2, 3, 4)]
    if not all(path.exists() for path in paths):
        return "open"
    splits = [cube_counts(path) for path in paths]
    if any(c["networks"] for c in splits):
        return "4"
    return "5" if all(c["open"] == 0 and c["total"] == SIX_BIT_CUBES for c in splits) else "open"


def n6_cubes() -> str:
    """The n = 6, width 4 cube runs: how each split's cubes were closed."""
    rows = []
    for positive in (2, 3, 4):
        c = cube_counts(BENCH / "restrictions" / f"n6_w4_p{positive}_cubes.jsonl")
        rows.append([positive, c["total"], c["facet"], c["solved"], c["open"], c["networks"]])
    return tabular("rrrrrr", ["$P$", "cubes", "through a facet", "by HiGHS", "open", "networks"], rows)


# --- the census -------------------------------------------------------------------------------

def census_npn() -> str:
    """Functions of 3 and 4 variables by minimum width, from the NPN census records."""
    rows = []
    for n in (3, 4):
        records = read_jsonl(census_file(n))
        functions, classes = Counter(), Counter()
        for r in records:
            assert r["status"] == "exact", (n, r["hex"])
            functions[r["lower_bound"]] += r["size"]
            classes[r["lower_bound"]] += 1
        widths = range(max(functions) + 1)
        rows.append([f"{n} ({sum(functions.values()):,} functions, {len(records)} classes)".replace(",", "{,}")]
                    + [f"{functions[w]:,} ({classes[w]})".replace(",", "{,}") for w in widths])
    width = max(len(r) for r in rows) - 1
    rows = [r + ["--"] * (width + 1 - len(r)) for r in rows]
    return tabular("l" + "r" * width, ["variables"] + [f"width {w}" for w in range(width)], rows)


def census_symmetric() -> str:
    """Symmetric functions of 5..7 variables: classes settled, gaps, and which methods back the bounds."""
    rows = []
    for n in (5, 6, 7):
        records = list({r["hex"]: r for r in read_jsonl(BENCH / "census" / f"symmetric{n}.jsonl")}.values())
        status = Counter(r["status"] for r in records)         # one row per class: a later record wins
        exact_second = sum(1 for r in records if r["status"] == "exact" and len(r["lower_methods"]) > 1)
        one_bit_down = sum(1 for r in records if "restriction" in (r.get("evidence") or {}))
        rows.append([n, len(records), sum(r["size"] for r in records), status["exact"], exact_second,
                     status["gap"], one_bit_down, f"{records[0]['time_limit']:g}"])
    return tabular("rrrrrrrr", ["$n$", "classes", "functions", "exact", "two methods", "gaps", "from a facet",
                                "s per width"], rows)


# --- depth against width, trained ---------------------------------------------------------------

def depth_width() -> str:
    """Smallest width per hidden layer at which a trained network verified (upper bounds), parity."""
    best: dict[tuple[int, int], int] = {}
    for r in read_jsonl(BENCH / "depth_width" / "records.jsonl"):
        if r["function"] != "parity" or not r["successes"]:
            continue
        depth, width = len(r["shape"]), r["shape"][0]
        key = (r["n"], depth)
        best[key] = min(best.get(key, width), width)
    ns = sorted({n for n, _ in best})
    rows = [[n] + [best.get((n, d), "none $\\le 16$") for d in (1, 2, 3)] for n in ns]
    return tabular("rrrr", ["$n$", "depth 1", "depth 2", "depth 3"], rows)


# --- real circuits ------------------------------------------------------------------------------

def iscas() -> str:
    """The shipped ISCAS-85 netlists compiled and certified, plain and balanced (``compile --netlist``)."""
    rows = []
    for path in sorted(NETLISTS.glob("*.bench"), key=lambda p: int(p.stem[1:])):
        plain = json.loads(run_cli("compile", "--netlist", str(path), "--json", "--no-progress"))
        balanced = json.loads(run_cli("compile", "--netlist", str(path), "--balance", "xor-aware", "--json",
                                      "--no-progress"))
        assert plain["verification"]["status"] == balanced["verification"]["status"] == "verified", path
        rows.append([path.stem, plain["netlist"]["inputs"], plain["netlist"]["outputs"],
                     plain["network"]["hidden_layers"], balanced["network"]["hidden_layers"],
                     plain["network"]["neurons"], plain["network"]["nonzero_weights"]])
    return tabular("lrrrrrr", ["circuit", "inputs", "outputs", "depth", "balanced", "neurons", "nonzero weights"],
                   rows)


# --- real-valued depth ---------------------------------------------------------------------------

SAWTOOTH_KS = (1, 2, 3, 4, 6, 8, 10, 12, 16, 20)
#: Up to this k the deep and the shallow sawtooth are proven equal on [0, 1] as the paper builds.
SAWTOOTH_PROVEN = 12


def sawtooth() -> str:
    """Telgarsky's sawtooth: exact pieces of the deep network (``expressivity regions``), its size, and its one-layer twin's."""
    from expressivity.regions.sawtooth import one_layer_function, sawtooth as deep_sawtooth, shallow_sawtooth
    from expressivity.regions.segment import segment_partition

    rows = []
    for k in SAWTOOTH_KS:
        report = json.loads(run_cli("regions", "--sawtooth", str(k), "--json", "--max-listed", "0"))
        deep, shallow = deep_sawtooth(k), shallow_sawtooth(k)
        if k <= SAWTOOTH_PROVEN:
            equal = one_layer_function(shallow, 0, 1).equals(segment_partition(deep, 0, 1).function())
            proven = "proven" if equal else "DIFFERENT"
        else:
            proven = "--"
        assert report["linear_pieces"] == report["activation_regions"], k
        assert shallow.widths[0] + 1 >= report["linear_pieces"] > shallow.widths[0] - 1, k  # w units: <= w + 1 pieces
        rows.append([k, report["linear_pieces"], deep.neurons, deep.parameters, shallow.widths[0], shallow.parameters,
                     proven])
    return tabular("rrrrrrl", ["$k$", "pieces on $[0,1]$", "deep units", "deep parameters", "shallow units",
                               "shallow parameters", "equal"], rows)


# --- what a reader can re-check --------------------------------------------------------------------

#: The records files behind the paper's claims, in the order the paper uses them.
CHECKED_FILES = [RECORDS / "parity.jsonl", CENSUS_EVIDENCE / "census3.jsonl", CENSUS_EVIDENCE / "census4.jsonl.gz",
                 CENSUS_EVIDENCE / "census_symmetric5.jsonl", CENSUS_EVIDENCE / "census_symmetric6.jsonl",
                 CENSUS_EVIDENCE / "census_symmetric7.jsonl", BENCH / "restrictions" / "n5_w4_p3_cubes.jsonl",
                 BENCH / "restrictions" / "n5_w4_p2_cubes.jsonl", BENCH / "restrictions" / "n5_w4_p4_cubes.jsonl",
                 BENCH / "restrictions" / "n6_w4_p4_cubes.jsonl", BENCH / "restrictions" / "n6_w4_p3_cubes.jsonl",
                 BENCH / "restrictions" / "n6_w4_p2_cubes.jsonl"]


def checked() -> str:
    """What the standalone checker (``python -m expressivity.prove.check``) re-verifies in each records file."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "expressivity" / "prove" / "check.py"), "--json",
                           *map(str, CHECKED_FILES)], capture_output=True, text=True, cwd=ROOT)
    report = json.loads(done.stdout)
    if report["failed"] or done.returncode != 0:
        raise RuntimeError(f"the checker rejects a records file the paper uses: {done.stderr.strip()}")
    rows = []
    for f in report["files"]:
        exact = f["checked_exactly"]
        name = Path(f["path"]).relative_to(ROOT).as_posix().replace("_", "\\_")
        closures = [line for line in f["floating_point"] if not line.startswith("split ")]  # not the conclusions
        rows.append([f"\\texttt{{{name}}}", f["records"], exact["networks"] + exact["constructions"],
                     exact["farkas"] + exact["hulls"], exact["facets"], exact["complete splits"], len(closures),
                     f["nothing_claimed"]])
    return tabular("lrrrrrrr", ["records", "records", "networks", "exact certificates", "facet citations",
                                "complete splits", "HiGHS closures", "no claim"], rows)


# --- numbers quoted in the prose ---------------------------------------------------------------

def numbers() -> str:
    """LaTeX macros for every count the prose quotes, read from the records."""
    def statuses(path: Path) -> Counter:
        return Counter(r["status"] for r in read_jsonl(path))

    p2, p3, p4 = (statuses(BENCH / "restrictions" / f"n5_w4_p{p}_cubes.jsonl") for p in (2, 3, 4))
    n6 = cube_counts(BENCH / "restrictions" / "n6_w4_p2_cubes.jsonl")
    macros = {
        "FiveCubesPtwo": sum(p2.values()),
        "FiveCubesPtwoInfeasible": p2["proven-infeasible"],
        "FiveCubesPtwoFeasible": p2["feasible-certified"],
        "FiveCubesPthreeInfeasible": p3["proven-infeasible"],
        "FiveCubesPfourInfeasible": p4["proven-infeasible"],
        "SixCubes": n6["total"],
        "SixCubesFacet": n6["facet"],
        "SixCubesSolved": n6["solved"],
        "SixCubesOpen": n6["open"],
        "SixCubesNetworks": n6["networks"],
        "SixParitySettled": int(six_bit_parity() != "open"),
        "SixParityWidth": {"open": "4 or 5"}.get(six_bit_parity(), six_bit_parity()),
    }
    for n in (3, 4):
        records = read_jsonl(census_file(n))
        macros[f"Census{'Three' if n == 3 else 'Four'}Classes"] = len(records)
    seven = {r["hex"]: r for r in read_jsonl(BENCH / "census" / "symmetric7.jsonl")}     # a later row wins
    parity7 = next(r for r in seven.values() if r.get("name") == "parity of 7")
    macros["SevenParityLower"], macros["SevenParityUpper"] = parity7["lower_bound"], parity7["upper_bound"]
    lines = [f"\\newcommand{{\\{name}}}{{{value:,}}}".replace(",", "{,}") if isinstance(value, int)
             else f"\\newcommand{{\\{name}}}{{{value}}}" for name, value in macros.items()]
    return "\n".join(lines) + "\n"


TABLES: dict[str, Callable[[], str]] = {
    "counts_n16.tex": counts_n16,
    "parity_widths.tex": parity_widths,
    "n6_cubes.tex": n6_cubes,
    "census_npn.tex": census_npn,
    "census_symmetric.tex": census_symmetric,
    "depth_width.tex": depth_width,
    "iscas.tex": iscas,
    "sawtooth.tex": sawtooth,
    "checked.tex": checked,
    "numbers.tex": numbers,
}
