"""The width search and ``expressivity search-width``: results, exact re-checks, records, resume, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from conftest import one_line_error

import expressivity.search.width as width_module
from expressivity.cli import main
from expressivity.results.records import read_records
from expressivity.search.budget import held_model_bytes
from expressivity.search.engine import ModelSpec, TrainConfig, TrainedModel, train_models
from expressivity.search.records import ENGINE_VERSION, load_weights, weights_folder
from expressivity.search.width import search_width
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive

QUICK = TrainConfig(steps=300, lr=0.05)


def parity_by_popcount(n):
    index = np.arange(1 << n)
    bits = (index[:, None] >> np.arange(n)) & 1
    return bits, np.array([bin(i).count("1") % 2 for i in index])


def forward(model, inputs):
    """A numpy float64 forward pass of any depth, independent of the verifier."""
    hidden = inputs
    for weight, bias in zip(model.weights[:-1], model.biases[:-1]):
        hidden = np.maximum(0.0, hidden @ weight.T + bias)
    return hidden @ model.weights[-1][0] + model.biases[-1][0]


def test_finds_width_two_for_two_bits_and_never_width_one():
    result = search_width("parity", [2], [1, 2, 3], 8, QUICK, seed=0)
    rates = {b.width: b for b in result.batches}
    assert rates[1].successes == 0 and rates[1].train_fits == 0  # XOR is not linearly separable
    assert rates[2].successes > 0
    assert all(b.shape == (b.width,) and b.depth == 1 and b.function == "parity" for b in result.batches)
    (row,) = result.rows()
    assert (row.function, row.n, row.depth) == ("parity", 2, 1)
    assert row.min_width_found == 2
    _, parity = parity_by_popcount(2)
    ones = int(parity.sum())
    assert row.minterm_width == min(ones, 4 - ones) == 2 and row.symmetric_width == 2
    assert row.min_parameters_found == (2 + 1) * 2 + (2 + 1)  # two units on two bits, one output
    assert row.counts == {str(w): (rates[w].successes, 8) for w in (1, 2, 3)}
    assert row.success_rate == {str(w): rates[w].successes / 8 for w in (1, 2, 3)}


@pytest.mark.parametrize("encoding", ["pm1", "01"])
def test_saved_networks_are_correct_on_the_inputs_their_file_names(tmp_path, encoding):
    records = tmp_path / "runs.jsonl"
    config = TrainConfig(steps=300, lr=0.05, encoding=encoding)
    result = search_width("parity", range(2, 5), [2, 3, 4], 16, config, seed=1, records_path=records)
    saved = [b for b in result.batches if b.successes]
    assert saved and {b.n for b in saved} == {2, 3, 4}
    files = sorted(weights_folder(records).iterdir())
    assert len(files) == len(saved)
    for path in files:  # every file written, whatever the records say
        model, meta = load_weights(path)
        batch = next(b for b in saved if records.parent / b.weights_file == path)
        assert (model.n, model.shape, model.width, model.index) == (batch.n, batch.shape, batch.width, batch.best_index)
        # every network takes 0/1 bits, as everywhere else in the toolkit
        assert meta["inputs"] == batch.best_inputs == "0/1" and model.encoding == "01"
        assert meta["trained_encoding"] == encoding and ("conversion_exact" in meta) == (encoding == "pm1")
        assert meta["function"] == "parity" and meta["function_hex"] == batch.function_hex
        bits, parity = parity_by_popcount(batch.n)
        out = forward(model, bits.astype(np.float64))
        assert np.array_equal(out > 0, parity == 1)
        margin = np.min(np.where(parity == 1, out, -out))
        check = verify_exhaustive(model.to_layered(), parity_reference, mode="sign")
        assert check.verified and check.margin == batch.best_margin == meta["margin"] > 0
        assert abs(margin - check.margin) <= 1e-12 * max(1.0, abs(margin))
        assert len(batch.steps_to_fit) == batch.successes == len(batch.fit_indices)
        if encoding == "pm1":
            # the trained network again (training is deterministic, alone or in a batch), on -1/+1 inputs:
            # the saved one is the same function of the bits, with doubled weights
            trained = train_models(batch.n, [ModelSpec(batch.width, batch.best_index)], config, seed=1)[0]
            assert np.array_equal(model.hidden_weight, 2 * trained.hidden_weight)
            assert np.array_equal(model.output_weight, trained.output_weight)
            on_pm1 = forward(trained, 2.0 * bits - 1)
            assert np.allclose(on_pm1, out, rtol=0, atol=1e-12)
            assert abs(meta["trained_margin"] - np.min(np.where(parity == 1, on_pm1, -on_pm1))) < 1e-12


def test_a_conversion_that_fails_its_check_keeps_the_trained_inputs(tmp_path, monkeypatch):
    def broken(self):  # a 0/1 network that is wrong: the search must not save it as 0/1
        return TrainedModel.one_hidden_layer(self.n, self.width, self.index, True, self.steps, 0 * self.hidden_weight,
                                             self.hidden_bias, self.output_weight, self.output_bias,
                                             encoding="01"), False

    monkeypatch.setattr(TrainedModel, "with_01_inputs", broken)
    records = tmp_path / "r.jsonl"
    result = search_width("parity", [3], [4], 16, QUICK, seed=1, records_path=records)
    batch = result.batches[0]
    assert batch.successes and batch.best_inputs == "-1/+1"
    model, meta = load_weights(records.parent / batch.weights_file)
    assert meta["inputs"] == "-1/+1" and model.encoding == "pm1" and "conversion_failed" in meta
    bits, parity = parity_by_popcount(3)
    assert np.array_equal(forward(model, 2.0 * bits - 1) > 0, parity == 1)


def test_pieces_change_no_result(monkeypatch):
    whole = search_width("parity", [3], [2, 3, 4], 12, QUICK, seed=2)
    calls = []
    original = width_module.train_models

    def counting(target, specs, *args, **kwargs):
        calls.append(len(specs))
        return original(target, specs, *args, **kwargs)

    monkeypatch.setattr(width_module, "train_models", counting)
    monkeypatch.setattr(width_module, "PIECE_BYTES", 5 * held_model_bytes(3, (4,)))
    cut = search_width("parity", [3], [2, 3, 4], 12, QUICK, seed=2)
    assert len(calls) > 1 and sum(calls) == 36 and max(calls) <= 5  # held models stay bounded
    fields = ("shape", "successes", "train_fits", "fit_indices", "steps_to_fit", "best_margin", "best_index")
    assert [[getattr(b, f) for f in fields] for b in cut.batches] == [[getattr(b, f) for f in fields] for b in whole.batches]


def test_records_hold_the_fields_of_the_issue(tmp_path):
    records = tmp_path / "r.jsonl"
    search_width("parity", [2], [1, 2], 4, QUICK, records_path=records)
    lines = read_records(records)
    assert [(r["n"], r["width"], r["shape"]) for r in lines] == [(2, 1, [1]), (2, 2, [2])]
    _, parity = parity_by_popcount(2)
    table_hex = format(sum(int(v) << k for k, v in enumerate(parity)), "x")  # bit k = f(row k)
    for record in lines:
        for field in ("successes", "seeds", "steps_to_fit", "best_margin", "wall_seconds", "device", "versions", "config",
                      "function", "function_hex", "npn_hex", "shape", "engine", "parameters", "train_fits"):
            assert field in record
        assert record["kind"] == "search-width" and record["engine"] == ENGINE_VERSION
        assert record["function"] == "parity" and record["function_hex"] == table_hex == "6"
        assert record["versions"]["torch"] == torch.__version__
        assert record["seeds"] == 4 and record["config"] == QUICK.key()
        width = record["width"]
        assert record["parameters"] == (2 + 1) * width + width + 1


def test_resume_skips_finished_work(tmp_path, monkeypatch):
    records = tmp_path / "r.jsonl"
    first = search_width("parity", [2, 3], [1, 2], 4, QUICK, records_path=records)
    trained = []
    original = width_module.train_models

    def counting(target, specs, *args, **kwargs):
        trained.append((target.n, sorted({spec.width for spec in specs})))
        return original(target, specs, *args, **kwargs)

    monkeypatch.setattr(width_module, "train_models", counting)
    again = search_width("parity", [2, 3], [1, 2], 4, QUICK, records_path=records, resume=True)
    assert trained == []
    assert len(again.skipped) == 4
    assert [(b.n, b.width, b.successes) for b in again.batches] == [(b.n, b.width, b.successes) for b in first.batches]
    assert len(read_records(records)) == 4
    # one more width: only that is trained; another configuration is new work
    search_width("parity", [2, 3], [1, 2, 3], 4, QUICK, records_path=records, resume=True)
    assert trained == [(2, [3]), (3, [3])]
    search_width("parity", [2], [1], 4, TrainConfig(steps=300, lr=0.05, loss="hinge"), records_path=records, resume=True)
    assert trained[-1] == (2, [1])
    assert len(read_records(records)) == 7


def test_cli_resume_and_json(tmp_path):
    runner = CliRunner()
    records = tmp_path / "r.jsonl"
    plot = tmp_path / "w.png"
    args = ["search-width", "--bits", "2..3", "--widths", "1..3", "--seeds", "4", "--steps", "300", "--lr", "0.05",
            "--device", "cpu", "--records", str(records), "--no-progress"]
    first = runner.invoke(main, args + ["--plot", str(plot)])
    assert first.exit_code == 0, first.output
    assert "upper bound" in first.output.lower() and "proves nothing" in first.output
    assert plot.read_bytes()[:4] == b"\x89PNG"
    again = runner.invoke(main, args + ["--resume", "--json"])
    assert again.exit_code == 0, again.output
    payload = json.loads(again.stdout)
    assert payload["resumed_batches"] == 6
    assert [(row["function"], row["n"], row["depth"]) for row in payload["rows"]] == [("parity", 2, 1), ("parity", 3, 1)]
    assert payload["rows"][0]["min_width_found"] == 2
    assert "proves nothing" in payload["note"]
    assert len(read_records(records)) == 6
    assert weights_folder(records).is_dir()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--bits", "1..3"], "at least 2"),
        (["--bits", "5..3"], "empty"),
        (["--widths", "4..2"], "empty"),
        (["--widths", "0..2"], "at least 1"),
        (["--widths", "two"], "integers"),
        (["--bits", "25"], "24"),
        (["--seeds", "0"], "seeds"),
        (["--resume"], "--records"),
    ],
)
def test_cli_rejects_bad_input_in_one_line(extra, message):
    result = CliRunner().invoke(main, ["search-width", "--steps", "1", "--device", "cpu"] + extra)
    assert message in one_line_error(result)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cli_rejects_cuda_without_a_gpu():
    result = CliRunner().invoke(main, ["search-width", "--bits", "2", "--device", "cuda"])
    assert "no CUDA GPU" in one_line_error(result)


def test_cli_rejects_unreadable_records(tmp_path):
    garbage = tmp_path / "bad.jsonl"
    garbage.write_text('{"n": 2}\nnot json\n')
    result = CliRunner().invoke(main, ["search-width", "--bits", "2", "--records", str(garbage), "--resume"])
    assert "line 2" in one_line_error(result)
    folder = tmp_path / "a_folder"
    folder.mkdir()
    result = CliRunner().invoke(main, ["search-width", "--bits", "2", "--records", str(folder)])
    assert "is a directory" in one_line_error(result)
    missing = tmp_path / "nowhere" / "r.jsonl"
    result = CliRunner().invoke(main, ["search-width", "--bits", "2", "--records", str(missing)])
    assert "does not exist" in one_line_error(result)
    assert not Path(missing).exists()
