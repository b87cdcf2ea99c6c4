"""``expressivity tied-width``: certified upper bounds from networks with weights tied within groups of bits."""
from __future__ import annotations

import math
import sys

import click

from expressivity.cli import main
from expressivity.cli.common import check_output_paths
from expressivity.cli.common import (
    backend_options, bits_option, fail, open_backend, json_option, parse_bits, print_json, progress_option,
    records_option, refuse_repeats, resume_option,
)
from expressivity.cli.vocabulary import parse_widths, renamed_option, widths_option
from expressivity.results.tables import format_table
from expressivity.prove import (
    MAX_BINARIES, MAX_GRID_POINTS, MAX_TIED_BITS, STRONG, VARIANTS, check_program_size, default_tied_width,
    format_groups, grid_size, partitions, reusable_proofs, search_tied,
)
from expressivity.results.atomic import check_writable
from expressivity.results.records import RecordsError, append_records, read_records

DEFAULT_MAX_GROUPS = 3


def _parse_groups(text: str, n: int) -> tuple[int, ...]:
    try:
        groups = tuple(int(part) for part in text.replace("+", ",").split(","))
    except ValueError:
        fail(f"--groups must be sizes like 3,3 or 3+2+1, got {text!r}")
    if min(groups) < 1 or sum(groups) != n:
        fail(f"--groups {text} must be positive sizes summing to n = {n}")
    if all(g == 1 for g in groups):
        fail(f"--groups {text} ties nothing: use prove-width for untied networks")
    return groups


@main.command("tied-width")
@bits_option(ranges=True, extra="n >= 2.")
@widths_option(None, "Tried at every n (default: one fewer than the best construction, n - 2 for n >= 4).")
@renamed_option("--width", "--widths", "widths")
@click.option("--groups", "group_texts", multiple=True, metavar="SIZES",
              help="A grouping to try, e.g. 3,3 or 3+2+1 (repeatable; default: every grouping into at most "
                   "--max-groups groups).")
@click.option("--max-groups", type=int, default=DEFAULT_MAX_GROUPS, show_default=True,
              help="Most groups per grouping tried (not with --groups).")
@click.option("--time-limit", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="Seconds per grouping, building the program included; past it the grouping is 'unknown'.")
@click.option("--variant", type=click.Choice(VARIANTS), default="sign", show_default=True,
              help="sign: output > 0 exactly on odd inputs; exact: output == parity.")
@click.option("--all", "try_all", is_flag=True, help="Go on after the first certified network.")
@backend_options
@records_option("(n, width, grouping), in prove-width's format")
@resume_option("(n, width, grouping) proofs")
@json_option()
@progress_option()
@click.pass_context
def tied_width_command(ctx, bits, widths, group_texts, max_groups, time_limit, variant, try_all, backend, address,
                       workers, records, resume, as_json, progress):
    """Look for one-hidden-layer ReLU networks for n-bit parity whose weights are tied within groups of bits.

    Tied units read only how many bits of each group are 1, so the program is
    small enough for larger n.  A network found is certified on all 2^n inputs:
    an upper bound on the minimum width.  'no-tied-network' for every grouping
    is no lower bound: untied networks may still do better.
    """
    from click.core import ParameterSource

    bit_range = parse_bits(bits, ranges=True, minimum=2, maximum=MAX_TIED_BITS,
                           why="a network found is checked on all 2^n inputs in exact arithmetic")
    width_range = [None] if widths is None else parse_widths(widths)  # None: each n's default width
    if max_groups < 1:
        fail(f"--max-groups must be at least 1, got {max_groups}")
    if group_texts and ctx.get_parameter_source("max_groups") != ParameterSource.DEFAULT:
        fail("--groups and --max-groups conflict: --max-groups chooses the groupings only when no --groups is given")
    if not (math.isfinite(time_limit) and time_limit > 0):
        fail(f"--time-limit must be a positive number of seconds, got {time_limit}")
    check_output_paths(records=records)
    if resume and not records:
        fail("--resume needs --records FILE")
    if group_texts and len(bit_range) > 1:
        fail("--groups needs a single --bits N")
    if ctx.get_parameter_source("progress") == ParameterSource.DEFAULT:
        progress = not as_json
    plans = [_plan(n, width, group_texts, max_groups) for n in bit_range for width in width_range]
    known = {}
    if records:
        try:
            check_writable(records)
            previous = read_records(records, kind="tied-width")
            known = reusable_proofs(previous, variant, STRONG.name, time_limit) if resume else {}
        except (OSError, RecordsError, ValueError) as error:
            fail(f"cannot use --records {records}: {error}")

    from expressivity.results.progress import progress_bar

    runner = open_backend(backend, address, workers)
    proofs_by_n = []
    bar = progress_bar(sum(len(g) for _, _, g, _ in plans), progress, desc="tied-width", unit="grouping",
                       unit_scale=False)
    try:
        for n, units, groupings, skipped in plans:
            def started(groups, n=n, units=units):
                bar.set_description(f"n={n} width={units} groups={format_groups(groups)}")

            def finished(proof):
                bar.update(1)
                if records:  # atomically, as each grouping ends, by this process only
                    append_records(records, [proof.to_dict() | runner.describe()])
                if progress:
                    bar.write(f"n={proof.n} width={proof.width} groups={format_groups(proof.groups)}: "
                              f"{proof.status} ({proof.seconds:.1f} s)", file=sys.stderr)

            done = bar.n
            proofs = search_tied(n, units, groupings, variant=variant, time_limit=time_limit,
                                 stop_at_first=not try_all, known=known, on_start=started, on_proof=finished,
                                 backend=runner)
            bar.update(len(groupings) - (bar.n - done))  # reused from --records, or not needed
            proofs_by_n.append((n, units, proofs, len(groupings), skipped))
    finally:
        bar.close()
        runner.close()

    summaries = [_summary(n, units, proofs, tried, skipped) for n, units, proofs, tried, skipped in proofs_by_n]
    if as_json:
        print_json({
            "variant": variant, "time_limit": time_limit, "max_grid_points": MAX_GRID_POINTS,
            "summaries": summaries, **runner.describe(),
            "proofs": [p.to_dict() for _, _, proofs, _, _ in proofs_by_n for p in proofs],
            "records": records,
        })
        return
    rows = []
    for _, _, proofs, _, _ in proofs_by_n:
        for proof in proofs:
            duals = [s.dual_bound for s in proof.splits if s.dual_bound is not None]
            rows.append([proof.n, proof.width, format_groups(proof.groups), grid_size(proof.groups), proof.status,
                         f"{max(duals) + 0.0:.2g}" if duals else "-", f"{proof.seconds:.1f}"])
    click.echo(format_table(["n", "width", "groups", "grid points", "status", "max dual bound", "seconds"], rows))
    click.echo("")
    for summary in summaries:
        click.echo(summary["text"])
    click.echo("\ncertified: an integer network checked on all 2^n inputs (an upper bound on the minimum width). "
               "no-tied-network: HiGHS found none with these ties, in floating point; that is no lower bound.")


def _plan(n: int, width: int | None, group_texts, max_groups: int):
    """``(n, units, groupings, skipped)``: what will be tried at ``n``, every program's size checked first."""
    explicit = bool(group_texts)
    groupings = [_parse_groups(text, n) for text in group_texts] or list(partitions(n, max_groups))
    refuse_repeats("--groups", groupings, show=format_groups)  # 3,3 and 3+3 are one grouping
    units = default_tied_width(n) if width is None else width
    kept, too_big = [], []
    for groups in groupings:
        why = f"{grid_size(groups)} grid points (binaries per unit); at most {MAX_GRID_POINTS}" \
            if grid_size(groups) > MAX_GRID_POINTS else None
        if why is None:
            try:
                check_program_size(n, units, groups)
            except ValueError as error:
                why = str(error)
        if why is None:
            kept.append(groups)
        elif explicit:
            option = "--groups" if grid_size(groups) > MAX_GRID_POINTS else "--widths"
            fail(f"{option} {format_groups(groups) if option == '--groups' else units}: at n = {n}, groups "
                 f"{format_groups(groups)}: {why}")
        else:
            too_big.append((groups, why))
    if not kept:
        if width is not None and too_big:
            fail(f"--widths {width}: at n = {n} no grouping into at most {max_groups} groups makes a program small "
                 f"enough (the smallest: {min(too_big, key=lambda item: grid_size(item[0]))[1]})")
        fail(f"no grouping of n = {n} into at most {max_groups} groups has at most {MAX_GRID_POINTS} grid points")
    return n, units, kept, len(too_big)


def _summary(n: int, width: int, proofs, tried: int, skipped: int) -> dict:
    found = [p for p in proofs if p.status == "feasible-certified"]
    unknown = [p for p in proofs if p.status == "unknown"]
    if found:
        text = (f"n = {n}: {width} units suffice (certified; weights tied in groups "
                f"{format_groups(found[0].groups)}), an upper bound on the minimum width")
    else:
        text = (f"n = {n}: no tied network with {width} units in the {len(proofs)} groupings tried"
                + (f" ({len(unknown)} unknown: time limit)" if unknown else "")
                + "; this proves nothing about untied networks")
    if skipped:
        text += (f"; {skipped} groupings skipped (more than {MAX_GRID_POINTS} grid points, "
                 f"or more than {MAX_BINARIES:,} binaries with {width} units)")
    if len(proofs) < tried:
        text += f"; stopped after {len(proofs)} of {tried} groupings"
    return {"n": n, "width": width, "certified": bool(found),
            "groups": list(found[0].groups) if found else None,
            "tried": len(proofs), "unknown": len(unknown), "skipped": skipped, "text": text}
