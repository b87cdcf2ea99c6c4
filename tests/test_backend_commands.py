"""The backends in the commands that run independent tasks: census, search-width, tied-width, prove-width.

The reference is the local backend: the same work on Ray (one instance shared
by this module, two workers) must give the same records, up to timings, paths
and the backend's own name.  Bad choices are one line and exit 2 before any work.
"""
from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from conftest import forbid, one_line_error

import expressivity.prove.census.table as census_module
from expressivity.backends import LocalBackend
from expressivity.cli import main
from expressivity.prove.census.table import census
from expressivity.prove.milp.tied import search_tied
from expressivity.search.models import TrainConfig
from expressivity.search.width import search_width

ray = pytest.importorskip("ray", reason="the ray extra is not installed")
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
# ray_backend: the one local Ray instance (two CPUs) this module shares with test_backends.py (conftest.py)


def _same(record):
    """A record without what may differ between backends: timings (and time shares), paths, the backend itself."""
    if isinstance(record, list):
        return [_same(value) for value in record]
    if not isinstance(record, dict):
        return record
    return {k: _same(v) for k, v in record.items()
            if "second" not in k and k not in ("backend", "workers", "weights_file", "resumed", "time_limit")}


def test_census_is_the_same_on_ray(ray_backend, tmp_path):
    local = census(3, time_limit=30, records_path=tmp_path / "local.jsonl")
    on_ray = census(3, time_limit=30, records_path=tmp_path / "ray.jsonl", backend=ray_backend)
    assert [_same(r.to_dict()) for r in on_ray] == [_same(r.to_dict()) for r in local]
    written = [json.loads(line) for line in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert len(written) == 14 and {(r["backend"], r["workers"]) for r in written} == {("ray", 2)}
    assert sorted(map(_same, written), key=lambda r: r["hex"]) == \
        sorted((_same(r.to_dict()) for r in local), key=lambda r: r["hex"])


def test_search_width_is_the_same_on_ray(ray_backend, tmp_path):
    config = TrainConfig(steps=150)
    runs = {}
    for name, backend in (("local", LocalBackend()), ("ray", ray_backend)):
        path = tmp_path / f"{name}.jsonl"
        # a small piece size cuts each n into several pieces, which may finish in any order on Ray
        search_width("parity", [3, 4], [2, 3], 16, config, records_path=path, backend=backend,
                     max_elements=1 << 12)
        runs[name] = [json.loads(line) for line in path.read_text().splitlines()]
    assert [_same(r) for r in runs["ray"]] == [_same(r) for r in runs["local"]]
    assert {r["backend"] for r in runs["ray"]} == {"ray"}


def test_tied_search_is_the_same_on_ray(ray_backend):
    groupings = [(5,), (4, 1), (3, 2)]
    local = search_tied(5, 4, groupings, stop_at_first=False, time_limit=60)
    on_ray = search_tied(5, 4, groupings, stop_at_first=False, time_limit=60, backend=ray_backend)
    assert [(p.groups, p.status) for p in on_ray] == [(p.groups, p.status) for p in local]
    assert all(p.certificate.verification.status == "verified" for p in on_ray)


def test_prove_width_by_cubes_agrees_and_resumes_cube_by_cube(tmp_path):
    # the cubes' minimum widths against the single program's, for n = 3 and 4 (parity); then a resume reruns nothing
    records = tmp_path / "cubes.jsonl"
    single = CliRunner().invoke(main, ["prove-width", "--bits", "3..4", "--json"])
    cubed = CliRunner().invoke(main, ["prove-width", "--bits", "3..4", "--cubes", "--json", "--records", str(records)])
    assert single.exit_code == 0 and cubed.exit_code == 0, cubed.output
    bounds = [[(s["n"], s["lower_bound"], s["upper_bound"], s["status"]) for s in json.loads(r.stdout)["summaries"]]
              for r in (single, cubed)]
    assert bounds[0] == bounds[1] == [(3, 3, 3, "exact"), (4, 3, 3, "exact")]
    written = [json.loads(line) for line in records.read_text().splitlines()]
    cubes = [r for r in written if r.get("kind") == "cube"]
    assert cubes and all(r["status"] == "proven-infeasible" and r["backend"] == "local" for r in cubes)
    again = CliRunner().invoke(main, ["prove-width", "--bits", "3..4", "--cubes", "--json", "--records", str(records),
                                      "--resume"])
    assert again.exit_code == 0 and len(records.read_text().splitlines()) == len(written)


def test_sign_splits_as_tasks_agree_with_one_process(ray_backend, tmp_path):
    # every width of n = 3..4 (parity) and of a function with no S1 (all P solved): the same statuses and splits
    from expressivity.prove import prove_width

    for n, width, function in ((3, 2, None), (4, 3, None), (4, 2, "threshold:2")):
        alone = prove_width(n, width, time_limit=60, function=function)
        for backend in (LocalBackend(), ray_backend):
            tasks = prove_width(n, width, time_limit=60, function=function, backend=backend)
            assert tasks.status == alone.status
            if alone.status == "proven-infeasible":
                assert [(s.positive, s.outcome) for s in tasks.splits] == [(s.positive, s.outcome) for s in alone.splits]
            else:
                assert tasks.certificate.verification.status == "verified"
    records = tmp_path / "splits.jsonl"
    result = CliRunner().invoke(main, ["prove-width", "--bits", "3..4", "--backend", "ray", "--workers", "2",
                                       "--json", "--records", str(records)])
    assert result.exit_code == 0, result.output
    summaries = json.loads(result.stdout)["summaries"]
    assert [(s["n"], s["lower_bound"], s["upper_bound"]) for s in summaries] == [(3, 3, 3), (4, 3, 3)]
    written = [json.loads(line) for line in records.read_text().splitlines()]
    assert written and {(r["backend"], r["workers"]) for r in written} == {("ray", 2)}


def test_split_tasks_share_the_time_limit_by_rounds(monkeypatch):
    # 3 splits (P = 2, 3, 4 at width 4) on 2 workers: two rounds, each split gets half the limit
    import expressivity.prove.milp.width as width_module

    seen = []

    def fake(spec, width, variant, formulation, bound, groups, threads, seed, share, positive):
        seen.append((positive, share))
        return width_module._not_run(positive, "test"), None, "test"

    class TwoWorkers(LocalBackend):
        workers = 2

    monkeypatch.setattr(width_module, "_solve_split", fake)
    proof = width_module.prove_width(5, 4, time_limit=100.0, backend=TwoWorkers())
    assert proof.status == "unknown" and sorted(seen) == [(2, 50.0), (3, 50.0), (4, 50.0)]


@pytest.mark.parametrize("args, words", [
    (["--variant", "exact", "--cubes"], "--cubes proves the sign variant"),
    (["--formulation", "plain", "--cubes"], "--cubes proves the sign variant"),
    (["--bits", "7", "--cubes"], "--cubes: at most n = 6"),
])
def test_prove_width_cube_options_are_one_line_exit_2(args, words):
    command = ["prove-width"] + ([] if "--bits" in args else ["--bits", "3"]) + args
    assert words in one_line_error(CliRunner().invoke(main, command))


@pytest.mark.parametrize("command", [
    ["census", "--bits", "2"],
    ["prove-width", "--bits", "3", "--cubes"],
    ["prove-width", "--bits", "3"],
    ["search-width", "--bits", "3", "--widths", "2", "--seeds", "2"],
    ["tied-width", "--bits", "4", "--widths", "3"],
])
@pytest.mark.parametrize("extra, words", [
    (["--address", "auto"], "--address needs --backend ray"),
    (["--workers", "2"], "--workers needs --backend ray"),
    (["--backend", "ray", "--workers", "0"], "workers must be a positive integer"),
    (["--backend", "ray", "--address", "nowhere"], "--backend ray"),
    (["--backend", "bogus"], "bogus"),
])
def test_bad_backend_choices_are_one_line_exit_2(monkeypatch, command, extra, words):
    forbid(monkeypatch, census_module, "prove_minimum_width", "bad input must be refused before any work")
    assert words in one_line_error(CliRunner().invoke(main, [*command, *extra]))


def test_ray_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # "import ray" now raises ImportError
    line = one_line_error(CliRunner().invoke(main, ["census", "--bits", "2", "--backend", "ray"]))
    assert 'pip install "expressivity[ray]"' in line
