"""``expressivity prove-width``: proven minimum widths of one-hidden-layer ReLU networks for a Boolean function (parity by default)."""
from __future__ import annotations

import math
import sys

import click

from expressivity.cli import main
from expressivity.cli.common import check_output_paths
from expressivity.cli.common import (
    backend_options, bits_option, existing_records, fail, json_option, open_backend, parse_bits, print_json,
    progress_option, records_option, resume_option,
)
from expressivity.cli.vocabulary import (
    functions_option, max_width_option, parse_function_at, parse_functions, renamed_option,
)
from expressivity.prove import (
    FORMULATIONS, VARIANTS, WidthProof, check_program_size, construction_upper_bound, default_bound, is_constant,
    prove_minimum_width, prove_width, reusable_proofs, search_upper_bounds,
)
from expressivity.prove.cubes.cube import MAX_CUBE_BITS, CubeResult
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.prove.cubes.facets import LowerCubes
from expressivity.prove.exact.patterns import PATTERN_MAX_BITS
from expressivity.results.records import RecordsError, append_records, read_records
from expressivity.results.tables import format_table

#: 2^n binaries per unit: beyond this the program is hopeless on this machine.
MAX_PROVE_BITS = 10
#: The widest width ``--exact`` proves (three units: :mod:`expressivity.prove.exact.three_units`).
PATTERN_MAX_EXACT_WIDTH = 3


@main.command("prove-width")
@functions_option()
@renamed_option("--function", "--functions", "functions")
@bits_option(ranges=True, default="2..5", extra="n >= 2.")
@max_width_option(None, "Default, and at most: one below the smallest width known to suffice.")
@click.option("--time-limit", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="Seconds per (n, width), building the programs included, shared by its sign splits "
                   "(with --backend ray they run as tasks, a round of --workers splits at a time, each with its "
                   "round's share); past it the width is 'unknown'.")
@click.option("--variant", type=click.Choice(VARIANTS), default="sign", show_default=True,
              help="sign: output > 0 exactly where the function is 1 (parity: odd inputs); exact: output == the "
                   "function (weights bounded, see docs).")
@click.option("--formulation", type=click.Choice(tuple(FORMULATIONS)), default="strong", show_default=True,
              help="strong: symmetry breaking and tight big-M; plain: the baseline.")
@click.option("--cubes", is_flag=True,
              help="Split each width into cubes (the activation pattern of a unit of the smaller sign group fixed to one orbit representative, "
                   "one program each; see expressivity.prove.cubes.cube) run as independent tasks on --backend; "
                   "--time-limit is then per cube, and each cube's result is recorded. Sign variant, strong "
                   "formulation.")
@click.option("--below", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="With --cubes: cube records of n - 1 bits at the same width (a prove-width --cubes --records "
                   "file). A cube whose fixed unit, restricted to a facet, has the pattern of a proven-infeasible "
                   "lower cube is settled without a program (see expressivity.prove.cubes.facets).")
@backend_options
@records_option("(n, function, width), with its certificate")
@resume_option("(n, function, width) proofs")
@click.option("--search-records", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="search-width records: their smallest successful width per n for the same function "
                   "(by its table) is an upper bound.")
@click.option("--exact", is_flag=True,
              help="Prove every width HiGHS proves infeasible again with the exact method that shares no code with "
                   "it (activation patterns, each answer a Farkas certificate checked in integers; sign variant, "
                   "n <= 5, widths 1 to 3), reported beside it. Exit 1 if a width it was asked for is not settled "
                   "by it, or the two methods disagree.")
@json_option()
@progress_option()
@click.pass_context
def prove_width_command(ctx, functions, bits, max_width, time_limit, variant, formulation, cubes, below, backend,
                        address, workers, records, resume, search_records, exact, as_json, progress):
    """Prove the minimum width of one hidden ReLU layer for an n-bit function (default parity) by mixed-integer programming.

    A width is 'proven-infeasible' only when HiGHS solves every sign split to
    optimality with no positive margin, 'feasible-certified' only with an integer
    network checked on every input; a timeout is 'unknown'.  Symmetry breaking
    follows the function's symmetry group (n <= 6; beyond, parity's is known and
    other functions get none but the order of units).  A constant function
    needs width 0 and is reported without a program.
    """
    from click.core import ParameterSource

    function = parse_functions(functions, several=False, command="prove-width")
    bit_range = parse_bits(bits, ranges=True, minimum=2, maximum=MAX_PROVE_BITS,
                           why="the program has 2^n binaries per unit")
    targets = {n: parse_function_at(function, n) for n in bit_range}  # bad specs: one line, before any work
    if max_width is not None and max_width < 1:
        fail(f"--max-width must be at least 1, got {max_width}")
    if not (math.isfinite(time_limit) and time_limit > 0):
        fail(f"--time-limit must be a positive number of seconds, got {time_limit}")
    check_output_paths(records=records)
    if resume and not records:
        fail("--resume needs --records FILE")
    if cubes and (variant != "sign" or formulation != "strong"):
        fail("--cubes proves the sign variant with the strong formulation: drop --variant exact / --formulation plain")
    if cubes and any(n > MAX_CUBE_BITS for n in bit_range):
        fail(f"--cubes: at most n = {MAX_CUBE_BITS} (the threshold functions of n variables are listed)")
    if exact and variant != "sign":
        fail("--exact proves the sign variant (activation patterns): drop --variant exact")
    if exact and max(bit_range) > PATTERN_MAX_BITS:
        fail(f"--exact: the pattern method lists the threshold functions of n <= {PATTERN_MAX_BITS} inputs, "
             f"--bits reaches {max(bit_range)}")
    below_records = _below_records(below, cubes)
    if ctx.get_parameter_source("progress") == ParameterSource.DEFAULT:
        progress = not as_json
    form = FORMULATIONS[formulation]
    known: dict[tuple, WidthProof] = {}
    cube_records: list[CubeResult] = []
    if records:
        previous = existing_records(records, "prove-width --cubes" if cubes else "prove-width")
        if resume:
            try:
                known = reusable_proofs(previous, variant, "cubes" if cubes else form.name, time_limit)
                cube_records = [CubeResult.from_dict(r) for r in previous if r.get("kind") == "cube"]
            except (KeyError, TypeError, ValueError) as error:
                fail(f"--records: {error}")
    search_upper: dict[int, int] = {}
    if search_records:
        try:
            found = read_records(search_records, kind="search-width")
        except RecordsError as error:
            fail(f"--search-records: {error}")
        if not found:
            fail(f"--search-records {search_records} has no records (or does not exist)")
        search_upper = search_upper_bounds(found, variant, function)
    for n in bit_range:  # the largest program of each n, before any is built
        if is_constant(targets[n]):
            continue  # width 0: no program
        bound = default_bound(n, variant, form)
        ceilings = [w - 1 for w in (construction_upper_bound(n, variant, bound, targets[n]), search_upper.get(n))
                    if w is not None]
        widest = min(ceilings) if ceilings else n  # as prove_minimum_width chooses
        widest = widest if max_width is None else min(widest, max_width)
        try:
            check_program_size(n, max(widest, 1))
        except ValueError as error:
            fail(f"{'--bits' if max_width is None else f'--max-width {max_width}'}: at n = {n}, {error}")

    runner = open_backend(backend, address, workers)
    summaries = []
    new_proofs: list[WidthProof] = []
    bar = _bar(len(bit_range), progress)

    def record_cube(result):
        if records:  # each cube as it finishes, by this process only
            append_records(records, [{"kind": "cube", **result.to_dict(), **runner.describe()}])

    def by_cubes(width, f):
        lower = None
        if below_records is not None:
            lower = LowerCubes.from_records(below_records, f.n - 1, width)
            click.echo(f"--below: {lower.infeasible} proven-infeasible cubes of n = {f.n - 1}, width {width}",
                       err=True)
        return prove_width_by_cubes(f, width, backend=runner, time_limit=time_limit, done=cube_records,
                                    on_result=record_cube, below=lower).to_width_proof()

    def by_split_tasks(width, f):  # the sign splits of a width as tasks on the backend
        return prove_width(f.n, width, variant=variant, formulation=form, time_limit=time_limit, function=f,
                           backend=runner)

    prover = by_cubes if cubes else by_split_tasks if backend != "local" else None

    try:
        for n in bit_range:
            def started(width, n=n):
                bar.set_description(f"n={n} width={width}")

            def finished(proof):
                new_proofs.append(proof)
                if records:
                    append_records(records, [proof.to_dict() | runner.describe()])  # atomically, as each width ends
                if progress:
                    bar.write(f"n={proof.n} width={proof.width}: {proof.status} ({proof.seconds:.1f} s)", file=sys.stderr)

            bound = default_bound(n, variant, form)
            reuse = {p.width: p for p in known.values()
                     if p.n == n and p.bound == bound and p.groups is None and p.function_hex == targets[n].hex}
            summary = prove_minimum_width(
                n, variant=variant, max_width=max_width, time_limit=time_limit, formulation=form,
                search_upper=search_upper.get(n), known=reuse, on_proof=finished, on_start=started,
                function=targets[n], prover=prover,
            )
            summaries.append(summary)
            bar.update(1)
    finally:
        bar.close()
        runner.close()

    second = _second_method(summaries, targets, time_limit) if exact else []
    unsettled = [f"n = {a['n']}, width {a['width']}: {a['status']}" + (f" ({a['reason']})" if a["reason"] else "")
                 for a in second if a["status"] != "proven-infeasible"]
    if as_json:
        print_json({
            "function": function, "variant": variant, "formulation": "cubes" if cubes else form.name,
            "time_limit": time_limit, **runner.describe(),
            "summaries": [s.to_dict() for s in summaries],
            "widths": [p.to_dict() for s in summaries for p in s.widths],
            "records": records,
        } | ({"exact": second} if exact else {}))
        _exit_if_unsettled(unsettled)
        return
    click.echo(_widths_table(summaries))
    click.echo("")
    click.echo(_summary_table(summaries))
    named = "" if function == "parity" else f"function {function}, "  # parity's line as it always was
    how = f"cubes on {runner.name} ({runner.workers} workers), HiGHS time limit {time_limit:g} s per cube" if cubes \
        else f"{form.name} formulation, HiGHS time limit {time_limit:g} s per width"
    click.echo(f"\n{named}variant {variant}, {how}")
    click.echo(f"proven-infeasible: HiGHS solved every {'cube' if cubes else 'sign split'} to optimality with no "
               "margin above 1e-6, in floating point (not exact arithmetic); certified: an integer network checked "
               "on every input.")
    if exact:
        click.echo("")
        click.echo(format_table(["n", "width", "exact method", "survivors", "LPs", "Farkas certificates", "seconds"],
                                [[a["n"], a["width"], a["status"], a["survivors"], a["programs"], a["certificates"],
                                  f"{a['seconds']:.1f}"] for a in second]))
        click.echo("exact method: activation patterns (prove/exact/); what its combinatorial conditions leave is "
                   "refuted by Farkas multipliers checked in integer arithmetic, no solver trusted.")
    _exit_if_unsettled(unsettled)


def _second_method(summaries, targets, time_limit: float) -> list[dict]:
    """The pattern method on every width HiGHS proved infeasible (``--exact``), as dicts for the output."""
    from expressivity.prove.exact.by_patterns import prove_width_by_patterns

    answers = []
    for summary in summaries:
        for proof in summary.widths:
            if proof.status != "proven-infeasible":
                continue
            base = {"n": proof.n, "width": proof.width}
            if proof.width > PATTERN_MAX_EXACT_WIDTH:
                answers.append(base | {"status": "not run", "survivors": None, "programs": None, "certificates": None,
                                       "seconds": 0.0, "reason": f"the pattern method proves widths up to "
                                                                 f"{PATTERN_MAX_EXACT_WIDTH}"})
                continue
            try:
                answer = prove_width_by_patterns(targets[proof.n], proof.width, time_limit=time_limit).to_dict()
            except ValueError as error:         # three units: at most 20 ones and zeros
                answers.append(base | {"status": "not run", "survivors": None, "programs": None,
                                       "certificates": None, "seconds": 0.0, "reason": str(error)})
                continue
            if answer["status"] == "feasible-certified":
                answer["reason"] = "DISAGREES with HiGHS: a network checked in Fractions"
            answers.append(answer)
    return answers


def _exit_if_unsettled(unsettled: list[str]) -> None:
    """``--exact`` asked for a second proof: a width without one is an exit status 1, named on stderr."""
    if unsettled:
        click.echo(f"--exact: {len(unsettled)} width(s) not settled by the exact method: {'; '.join(unsettled)}",
                   err=True)
        sys.exit(1)


def _widths_table(summaries) -> str:
    rows = []
    for summary in summaries:
        for proof in summary.widths:
            duals = [s.dual_bound for s in proof.splits if s.dual_bound is not None]
            solver = ", ".join(sorted({s.solver_status for s in proof.splits})) or "-"
            rows.append([
                proof.n, proof.width, proof.status, solver,
                f"{max(duals) + 0.0:.2g}" if duals else "-", f"{proof.seconds:.1f}",
            ])
    return format_table(["n", "width", "status", "HiGHS", "max dual bound", "seconds"], rows)


def _summary_table(summaries) -> str:
    rows = [[s.n, s.lower_bound, s.upper_bound, s.upper_source, s.status] for s in summaries]
    return format_table(["n", "proven lower", "certified upper", "upper from", "status"], rows)


def _bar(total: int, enabled: bool):
    from expressivity.results.progress import progress_bar

    return progress_bar(total, enabled, desc="prove-width", unit="n", unit_scale=False)


def _below_records(path, cubes):
    """The records of ``--below``, read and checked before any work (one line and exit 2 if unusable)."""
    if path is None:
        return None
    if not cubes:
        fail("--below needs --cubes (it settles cubes from the cubes of n - 1 bits)")
    try:
        found = read_records(path, kind="prove-width --cubes")
        LowerCubes.from_records(found, 0, 0)  # every cube record has the fields
    except (RecordsError, KeyError, TypeError, ValueError) as error:
        fail(f"--below: {error}")
    if not any("cube" in r for r in found):
        fail(f"--below {path} has no cube records (or does not exist)")
    return found
