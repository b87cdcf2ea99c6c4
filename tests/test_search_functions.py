"""The width search on any Boolean function and depth: families, re-checks of every fit, resume, CLI refusals.

Every claim is checked against references written here from the definitions: truth tables from the
bits of each row index, NPN classes by brute force, and a plain numpy forward pass.
"""
from __future__ import annotations

import itertools
import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

import expressivity.search.width as width_module
from conftest import forbid, one_line_error
from expressivity.cli import main
from expressivity.functions import npn_canonical, parse_function
from expressivity.results.records import RecordsError, append_records, read_records
from expressivity.search.engine import ModelSpec, TrainConfig, train_models
from expressivity.search.records import load_weights, weights_folder
from expressivity.search.width import function_reference, search_width
from expressivity.verify.exhaustive import verify_exhaustive

QUICK = TrainConfig(steps=400, lr=0.05)


# -- references written from the definitions ------------------------------------------------------

def row_bits(n: int) -> np.ndarray:
    """``(2^n, n)`` 0/1 rows: row ``k`` has ``x_i`` = bit ``i`` of ``k``."""
    return np.array([[(k >> i) & 1 for i in range(n)] for k in range(1 << n)], dtype=np.int64)


def half_number(x, start: int, m: int) -> int:
    return sum(int(x[start + i]) << i for i in range(m))


DEFINITIONS = {
    "parity": lambda x: sum(x) % 2 == 1,
    "majority": lambda x: sum(x) > len(x) // 2,
    "~majority": lambda x: not sum(x) > len(x) // 2,
    "threshold:2": lambda x: sum(x) >= 2,
    "exactly:1": lambda x: sum(x) == 1,
    "ip": lambda x: sum(x[i] * x[i + len(x) // 2] for i in range(len(x) // 2)) % 2 == 1,
    "eq": lambda x: all(x[i] == x[i + len(x) // 2] for i in range(len(x) // 2)),
    "gt": lambda x: half_number(x, 0, len(x) // 2) > half_number(x, len(x) // 2, len(x) // 2),
    "tribes:2,2": lambda x: bool((x[0] and x[1]) or (x[2] and x[3])),
    "mux:1": lambda x: bool(x[1 + x[0]]),  # address x0 selects data bit x1 or x2
    "hex:e8": lambda x: (0xE8 >> sum(int(b) << i for i, b in enumerate(x))) & 1 == 1,
    "expr:x0 & x1 ^ x2": lambda x: ((x[0] & x[1]) ^ x[2]) == 1,  # & binds tighter than ^, as in C
}


def reference_table(spec: str, n: int) -> np.ndarray:
    return np.array([bool(DEFINITIONS[spec](list(x))) for x in row_bits(n)])


def table_hex(table: np.ndarray) -> str:
    """Bit ``k`` of the number is ``f(row k)``; ``max(1, 2^n / 4)`` hex digits."""
    value = sum(int(v) << k for k, v in enumerate(table))
    return format(value, f"0{max(1, len(table) // 4)}x")


def brute_npn_hex(table: np.ndarray) -> str:
    """The least table (as a number) over all input permutations, input negations and output negation."""
    n = len(table).bit_length() - 1
    rows = row_bits(n)
    best = None
    for perm in itertools.permutations(range(n)):
        for flips in itertools.product((0, 1), repeat=n):
            moved = (rows[:, list(perm)] ^ np.array(flips, dtype=np.int64)) @ (1 << np.arange(n))
            image = table[moved]
            for negate in (False, True):
                value = sum(int(v) << k for k, v in enumerate(image ^ negate))
                best = value if best is None else min(best, value)
    return format(best, f"0{max(1, len(table) // 4)}x")


def forward(model, inputs: np.ndarray) -> np.ndarray:
    """A numpy float64 forward pass of any depth, independent of the verifier."""
    hidden = inputs
    for weight, bias in zip(model.weights[:-1], model.biases[:-1]):
        hidden = np.maximum(0.0, hidden @ weight.T + bias)
    return hidden @ model.weights[-1][0] + model.biases[-1][0]


def encoded(n: int, encoding: str) -> np.ndarray:
    bits = row_bits(n).astype(np.float64)
    return 2 * bits - 1 if encoding == "pm1" else bits


def check_saved_network(records, batch, table: np.ndarray) -> None:
    """The batch's saved network: its file, identity and margin, and right on every input (numpy, float64)."""
    assert batch.weights_file is not None
    model, meta = load_weights(records.parent / batch.weights_file)
    assert (model.n, model.shape, model.index) == (batch.n, batch.shape, batch.best_index)
    assert batch.best_index in batch.fit_indices
    assert meta["inputs"] == batch.best_inputs == "0/1" and model.encoding == "01"
    assert meta["function_hex"] == batch.function_hex and meta["function"] == batch.function
    out = forward(model, encoded(batch.n, "01"))
    assert np.array_equal(out > 0, table), (batch.function, batch.n, batch.shape)
    margin = np.min(np.where(table, out, -out))
    assert margin > 0 and abs(margin - batch.best_margin) <= 1e-12 * max(1.0, abs(margin))
    f = parse_function(batch.function, batch.n)
    check = verify_exhaustive(model.to_layered(), function_reference(f), mode="sign")
    assert check.verified and check.margin == batch.best_margin == meta["margin"]


def check_every_fit(batch, f, config: TrainConfig, seed: int) -> None:
    """Train every seed of the batch again: the verified fits are exactly the batch's, with its steps.

    Each network is judged by the numpy forward pass on the truth table and by ``verify_exhaustive``
    against ``function_reference``; training is deterministic, alone or in any batch.
    """
    models = train_models(f, [ModelSpec(batch.shape, i) for i in range(batch.seeds)], config, seed=seed)
    table = np.asarray(f.table)
    verified = []
    for model in models:
        correct = np.array_equal(forward(model, encoded(f.n, model.encoding)) > 0, table)
        check = verify_exhaustive(model.to_layered(), function_reference(f), mode="sign", encoding=model.encoding)
        if model.fitted:
            assert check.verified == correct
            if check.verified:
                verified.append((model.index, model.steps))
        else:  # a model training did not call a fit is wrong on some input
            assert not correct and not check.verified and model.steps == config.steps
    assert sum(m.fitted for m in models) == batch.train_fits
    assert tuple(i for i, _ in verified) == batch.fit_indices and len(verified) == batch.successes
    assert tuple(s for _, s in verified) == batch.steps_to_fit


# -- the references themselves -----------------------------------------------------------------

@pytest.mark.parametrize("spec, n", [("parity", 3), ("majority", 5), ("ip", 4), ("gt", 4), ("eq", 4), ("mux:1", 3),
                                     ("tribes:2,2", 4), ("hex:e8", 3), ("expr:x0 & x1 ^ x2", 3)])
def test_the_search_reads_the_same_tables_as_the_definitions(spec, n):
    f = parse_function(spec, n)
    table = reference_table(spec, n)
    assert np.array_equal(f.table, table) and f.hex == table_hex(table)
    reference = function_reference(f)
    assert np.array_equal(reference(row_bits(n))[:, 0], table.astype(np.int64))
    # and on rows in another order (the verifier's chunks need not start at row 0)
    order = np.random.default_rng(0).permutation(1 << n)
    assert np.array_equal(reference(row_bits(n)[order])[:, 0], table[order].astype(np.int64))


# -- §7.3: majority is a threshold function: one unit ----------------------------------------------

def test_majority_fits_at_width_one_for_every_n(tmp_path):
    records = tmp_path / "majority.jsonl"
    config = TrainConfig(steps=500, lr=0.05)
    result = search_width("majority", range(3, 8), [1], 4, config, seed=0, records_path=records)
    rows = result.rows()
    assert [(r.function, r.n, r.depth, r.min_width_found) for r in rows] == [("majority", n, 1, 1) for n in range(3, 8)]
    for row in rows:
        ones = int(reference_table("majority", row.n).sum())
        assert row.minterm_width == min(ones, (1 << row.n) - ones) and row.symmetric_width == row.n
        assert row.min_parameters_found == row.n + 1 + 2  # one unit: n weights and a bias, then a, c
    assert len(result.batches) == 5 and len(list(weights_folder(records).iterdir())) == 5
    for batch in result.batches:
        f = parse_function("majority", batch.n)
        assert np.array_equal(f.table, reference_table("majority", batch.n))
        assert batch.shape == (1,) and batch.successes > 0
        check_saved_network(records, batch, reference_table("majority", batch.n))
        check_every_fit(batch, f, config, seed=0)


# -- §7.4: parity of 3 bits at depth 2 -------------------------------------------------------------

def test_parity_of_three_bits_fits_at_depth_two(tmp_path):
    records = tmp_path / "deep.jsonl"
    config = TrainConfig(steps=300, lr=0.05)
    result = search_width("parity", [3], [1, 4], 16, config, depth=2, seed=0, records_path=records)
    narrow, wide = result.batches
    assert (narrow.shape, wide.shape) == ((1, 1), (4, 4)) and narrow.depth == wide.depth == 2
    # one unit per layer computes a monotone function of one linear form: a threshold function, never parity
    assert narrow.successes == 0 and narrow.train_fits == 0 and narrow.weights_file is None
    assert wide.successes > 0
    (row,) = result.rows()
    assert (row.function, row.n, row.depth, row.min_width_found) == ("parity", 3, 2, 4)
    assert row.counts == {"1,1": (0, 16), "4,4": (wide.successes, 16)}
    assert row.min_parameters_found == wide.parameters == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1)
    check_saved_network(records, wide, reference_table("parity", 3))
    model, _ = load_weights(records.parent / wide.weights_file)
    assert [w.shape for w in model.weights] == [(4, 3), (4, 4), (1, 4)]
    check_every_fit(wide, parse_function("parity", 3), config, seed=0)
    assert "parity, n=3, depth 2: a network of width 4 exists (verified exactly); no run fit at width 1" in \
        result.summary()


# -- §7.5, §7.6: every family through the search; every reported network re-checked ------------------

FAMILIES = [("ip", 4), ("tribes:2,2", 4), ("threshold:2", 3), ("exactly:1", 3), ("eq", 4), ("gt", 4), ("hex:e8", 3),
            ("expr:x0 & x1 ^ x2", 3), ("mux:1", 3), ("~majority", 4)]


@pytest.mark.parametrize("spec, n", FAMILIES)
def test_every_family_through_the_search(tmp_path, spec, n):
    records = tmp_path / "family.jsonl"
    result = search_width(spec, [n], [1, 2, 4], 8, QUICK, seed=0, records_path=records)
    f = parse_function(spec, n)
    table = reference_table(spec, n)
    lines = read_records(records)
    assert len(lines) == len(result.batches) == 3
    for record, batch in zip(lines, result.batches):
        assert record["function"] == batch.function == spec
        assert record["function_hex"] == batch.function_hex == f.hex == table_hex(table)
        assert record["npn_hex"] == batch.npn_hex == npn_canonical(f)[0].hex == brute_npn_hex(table)
        assert tuple(record["shape"]) == batch.shape
    fitted = [b for b in result.batches if b.successes]
    assert fitted and fitted[-1].shape == (4,), "a few seeds of width 4 fit every one of these functions"
    saved = sorted(weights_folder(records).iterdir())
    assert sorted(records.parent / b.weights_file for b in fitted) == saved
    for batch in result.batches:
        if batch.successes:
            check_saved_network(records, batch, table)
        else:
            assert batch.weights_file is None and batch.best_margin is None
        check_every_fit(batch, f, QUICK, seed=0)
    (row,) = result.rows()
    assert row.min_width_found == fitted[0].width and row.npn_hex == brute_npn_hex(table)
    ones = int(table.sum())
    assert row.minterm_width == min(ones, (1 << n) - ones)
    symmetric = all(len({bool(t) for t, x in zip(table, row_bits(n)) if x.sum() == k}) <= 1 for k in range(n + 1))
    assert (row.symmetric_width == n) == symmetric and (row.symmetric_width is None) == (not symmetric)


def test_the_same_seeds_start_from_the_same_networks_for_every_function():
    config = TrainConfig(steps=0)
    specs = [ModelSpec((3,), 1), ModelSpec((2, 4), 0)]
    a = train_models(parse_function("ip", 4), specs, config, seed=9)
    b = train_models(parse_function("gt", 4), specs, config, seed=9)
    c = train_models(4, specs, config, seed=9)  # parity
    for x, y, z in zip(a, b, c):
        assert all(np.array_equal(u, v) and np.array_equal(v, w) for u, v, w in zip(x.weights, y.weights, z.weights))
        assert all(np.array_equal(u, v) and np.array_equal(v, w) for u, v, w in zip(x.biases, y.biases, z.biases))


# -- §7.7: resume, keyed by function table and shape -------------------------------------------------

def test_resume_is_keyed_by_function_and_shape(tmp_path, monkeypatch):
    records = tmp_path / "r.jsonl"
    first = search_width("majority", [3], [1, 2], 4, QUICK, records_path=records)
    assert [(r["function"], r["function_hex"], r["shape"]) for r in read_records(records)] == [
        ("majority", "e8", [1]), ("majority", "e8", [2])]
    trained = []
    original = width_module.train_models

    def counting(target, specs, *args, **kwargs):
        trained.append((target.hex, sorted({spec.shape for spec in specs})))
        return original(target, specs, *args, **kwargs)

    monkeypatch.setattr(width_module, "train_models", counting)
    again = search_width("majority", [3], [1, 2], 4, QUICK, records_path=records, resume=True)
    assert trained == [] and len(again.skipped) == 2
    assert [(b.shape, b.successes, b.fit_indices) for b in again.batches] == \
        [(b.shape, b.successes, b.fit_indices) for b in first.batches]
    # the same table under another name is the same work
    same = search_width("hex:e8", [3], [1, 2], 4, QUICK, records_path=records, resume=True)
    assert trained == [] and len(same.skipped) == 2
    # another function is new work; so is another depth
    search_width("parity", [3], [2], 4, QUICK, records_path=records, resume=True)
    assert trained == [("96", [(2,)])]
    search_width("majority", [3], [1, 2], 4, QUICK, depth=2, records_path=records, resume=True)
    assert trained[-1] == ("e8", [(1, 1), (2, 2)])
    # an explicit shape is the same work as the depth and width that spell it; another shape is new
    count = len(trained)
    spelled = search_width("majority", [3], None, 4, QUICK, shape=(2, 2), records_path=records, resume=True)
    assert len(trained) == count and len(spelled.skipped) == 1 and spelled.batches[0].shape == (2, 2)
    search_width("majority", [3], None, 4, QUICK, shape=(2, 1), records_path=records, resume=True)
    assert trained[-1] == ("e8", [(2, 1)])
    keys = [(r["function_hex"], tuple(r["shape"])) for r in read_records(records)]
    assert keys == [("e8", (1,)), ("e8", (2,)), ("96", (2,)), ("e8", (1, 1)), ("e8", (2, 2)), ("e8", (2, 1))]
    assert [r["width"] for r in read_records(records)] == [1, 2, 2, 1, 2, None]


def first_engine_records(path) -> None:
    """A record as the first engine wrote it: parity, one hidden layer, no engine or function fields."""
    append_records(path, [{"kind": "search-width", "n": 3, "width": 2, "config": QUICK.key(), "seed": 0, "seeds": 4,
                           "successes": 1, "train_fits": 1, "fit_indices": [2], "steps_to_fit": [40]}])


def test_records_of_the_first_engine_are_refused(tmp_path, monkeypatch):
    records = tmp_path / "old.jsonl"
    first_engine_records(records)
    before = records.read_text()
    forbid(monkeypatch, width_module, "train_models", "records of the first engine must be refused before any work")
    for resume in (True, False):
        with pytest.raises(RecordsError, match="first engine") as error:
            search_width("parity", [3], [2], 4, QUICK, records_path=records, resume=resume)
        assert "new --records file" in str(error.value) and "\n" not in str(error.value)
    result = CliRunner().invoke(main, ["search-width", "--bits", "3", "--widths", "2", "--seeds", "4", "--steps", "10",
                                       "--device", "cpu", "--records", str(records), "--resume", "--no-progress"])
    line = one_line_error(result)
    assert "first engine" in line and "new --records file" in line
    assert records.read_text() == before and not weights_folder(records).exists()


# -- §7.8: bad input on the command line: one line, exit 2, before any work ---------------------------

@pytest.mark.parametrize(
    "extra, message",
    [
        (["--functions", "foo"], "unknown function family 'foo'"),
        (["--functions", "threshold:9", "--bits", "4"], "threshold:9"),
        (["--functions", "ip", "--bits", "3"], "even n"),
        (["--functions", "tribes:2,3", "--bits", "4"], "n=6"),
        (["--functions", "hex:123", "--bits", "3"], "3 digits"),
        (["--functions", "expr:x5", "--bits", "3"], "x5"),
        (["--depths", "0"], "--depths"),
        (["--depths", "5"], "--depths"),
        (["--shape", "8,4", "--depths", "3"], "--depths is 3"),
        (["--shape", "8,x"], "--shape 8,x"),
        (["--widths", "2", "--shape", "2,2"], "not both"),
        (["--widths", "1000000000"], "--widths"),
        (["--seeds", "1000000000"], "--seeds"),
    ],
)
def test_cli_refuses_bad_functions_depths_and_sizes_in_one_line(monkeypatch, extra, message):
    forbid(monkeypatch, width_module, "train_models", "bad input must be refused before any training")
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["search-width", "--device", "cpu", "--no-progress"] + extra)
    seconds = time.perf_counter() - started
    assert message in one_line_error(result)
    assert seconds < 5, f"refusing {extra} took {seconds:.1f} s"


# -- §7.9: --json rows name the function and the depth ------------------------------------------------

def test_cli_json_rows_name_the_function_and_depth():
    result = CliRunner().invoke(main, ["search-width", "--functions", "majority", "--depths", "2", "--bits", "3",
                                       "--widths", "1..2", "--seeds", "4", "--steps", "300", "--lr", "0.05",
                                       "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (row,) = payload["rows"]
    assert (row["function"], row["n"], row["depth"]) == ("majority", 3, 2)
    assert set(row["counts"]) == {"1,1", "2,2"}
    fits = {shape: count[0] for shape, count in row["counts"].items()}
    # the smallest width with a verified fit, read from the counts of the same row
    assert row["min_width_found"] == min(int(shape.split(",")[0]) for shape, k in fits.items() if k > 0)
    assert payload["config"]["steps"] == 300 and payload["seeds"] == 4
