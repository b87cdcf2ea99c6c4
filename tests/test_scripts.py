"""Every script in examples/ and benchmarks/ runs: each with ``--smoke`` (tiny sizes, seconds), as a user runs it.

The scripts are found by glob, so a new one is covered as soon as it exists; the
convention is that each accepts ``--smoke`` and then writes nothing inside the
repository (a temporary folder where it must write).  All of them start at once
when the module's first test runs and each test waits for its own, so the
module costs about the longest script plus the machine's share of the rest,
not their sum; one torch/OpenMP thread each, since the cores are shared.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path.relative_to(ROOT).as_posix() for folder in ("examples", "benchmarks")
                 for path in (ROOT / folder).glob("*.py"))
#: Wall seconds a smoke run may take on a loaded machine before it counts as hung.
TIMEOUT = 300


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every script started with ``--smoke``, each in an empty folder of its own: ``{script: (process, folder, log)}``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    started = {}
    for script in SCRIPTS:
        folder = tmp_path_factory.mktemp(Path(script).stem)
        log = tmp_path_factory.mktemp("logs") / "out.txt"
        with open(log, "wb") as handle:  # a file, not a pipe: a chatty script cannot block on a full pipe
            process = subprocess.Popen([sys.executable, str(ROOT / script), "--smoke"], cwd=folder, env=env,
                                       stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        started[script] = (process, folder, log)
    yield started
    for process, _, _ in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_glob_finds_the_shipped_scripts():
    assert {"examples/why_deep.py", "benchmarks/bench_prove.py", "benchmarks/bench_tied.py",
            "benchmarks/bench_netlists.py"} <= set(SCRIPTS)


def test_bench_netlists_reads_data_the_repository_ships_and_says_so_when_a_folder_is_absent(tmp_path):
    shipped = sorted(path.name for path in (ROOT / "tests" / "data" / "iscas85").glob("*.bench"))
    assert shipped == ["c17.bench", "c432.bench", "c499.bench", "c880.bench"]  # the default --data, in any clone
    absent = tmp_path / "no-such-folder"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_netlists.py"), "--data", str(absent)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and done.stdout == "" and len(lines) == 1
    assert str(absent) in lines[0] and "tests/data/iscas85" in lines[0]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_runs_in_smoke_mode(runs, script):
    process, folder, log = runs[script]
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{script} --smoke still ran after {TIMEOUT} s")
    output = log.read_text(errors="replace")
    assert code == 0, f"{script} --smoke exited {code}:\n{output[-3000:]}"
    assert output.strip(), f"{script} --smoke printed nothing"
    assert not any(folder.iterdir()), f"{script} --smoke wrote into the current folder: {sorted(folder.iterdir())}"
