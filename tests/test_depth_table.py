"""The depth-width table: family specs per n, constructions against independent counts, scan, resume, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import expressivity.search.width as width_module
from expressivity.cli import main
from expressivity.functions import parse_function
from expressivity.search.depth_table import constructions, depth_width_table, function_spec, table_text
from expressivity.search.models import TrainConfig
from expressivity.verify.exhaustive import input_bits

QUICK = TrainConfig(steps=300, lr=0.05)


def test_family_specs_are_defined_exactly_where_the_family_is():
    for n in range(2, 11):
        assert function_spec("parity", n) == "parity"
        assert (function_spec("ip", n) is not None) == (n % 2 == 0)
        tribes = function_spec("tribes", n)
        assert (tribes is not None) == (n >= 4 and n % 2 == 0)
        if tribes:
            assert parse_function(tribes).n == n


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_constructions_against_independent_counts(n):
    made = {c.name: c for c in constructions("parity", n)}
    # minterms: one unit per odd input, counted by brute force
    odd = sum(bin(k).count("1") % 2 for k in range(1 << n))
    assert made["minterms"].width == min(odd, (1 << n) - odd) == 2 ** (n - 1)
    assert made["minterms"].parameters == (n + 1) * odd + odd + 1
    assert made["on sum(x)"].width == n
    # the compiled XOR tree: its depth is ceil(log2 n), and it computes parity on every input
    from expressivity.circuits.build import xor_tree
    from expressivity.networks.compiler import compile_network

    net = compile_network(xor_tree(n))
    assert made["xor tree"].depth == net.depth == int(np.ceil(np.log2(n)))
    module = net.to_torch()
    assert made["xor tree"].parameters == sum(p.numel() for p in module.parameters())  # torch's count
    assert made["xor tree"].width == max(m.out_features for m in module.modules() if isinstance(m, torch.nn.Linear))
    bits = input_bits(n, 0, 1 << n).astype(np.int64)
    out = module(torch.tensor(bits, dtype=torch.float64)).detach().numpy()[:, 0]
    assert np.array_equal(out, bits.sum(1) % 2)


def test_constructions_of_a_non_symmetric_family():
    made = {c.name: c for c in constructions("ip", 4)}
    ones = int(parse_function("ip", 4).count_ones)
    assert made["minterms"].width == min(ones, 16 - ones) == 6
    assert "on sum(x)" not in made  # inner product is not symmetric
    assert constructions("ip", 3) == []


def test_the_scan_stops_at_the_first_block_with_a_fit_and_resume_trains_nothing(tmp_path, monkeypatch):
    records = tmp_path / "t.jsonl"
    table = depth_width_table(["majority", "parity"], [3], [1, 2], max_width=4, block=2, seeds=6, config=QUICK,
                              records_path=records)
    cells = {(c.function, c.depth): c for c in table.cells}
    assert cells[("majority", 1)].width == 1 and cells[("majority", 1)].widths_tried == (1, 2)
    parity = cells[("parity", 1)]
    assert parity.width is not None and parity.width >= 2  # XOR-like: one unit cannot do it
    assert max(parity.widths_tried) < parity.width + 2  # stopped after the block that fit
    text = table_text(table)
    assert "| majority | 3 | 1 (" in text and "upper bounds" in text
    calls = []
    original = width_module.train_models

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(width_module, "train_models", counting)
    again = depth_width_table(["majority", "parity"], [3], [1, 2], max_width=4, block=2, seeds=6, config=QUICK,
                              records_path=records, resume=True)
    assert calls == []
    assert [(c.function, c.depth, c.width) for c in again.cells] == [(c.function, c.depth, c.width) for c in table.cells]
    # with no time left, recorded cells are still read back and nothing new is trained
    cut = depth_width_table(["majority", "parity"], [3, 4], [1, 2], max_width=4, block=2, seeds=6, config=QUICK,
                            records_path=records, resume=True, time_limit=0)
    assert calls == []
    by_key = {(c.function, c.n, c.depth): c for c in cut.cells}
    for cell in table.cells:
        assert by_key[(cell.function, 3, cell.depth)].width == cell.width
    assert all(by_key[(name, 4, depth)].stopped and by_key[(name, 4, depth)].width is None
               for name in ("majority", "parity") for depth in (1, 2))
    assert "not reached" in table_text(cut)


def test_cli_json_plot_and_bad_input(tmp_path):
    runner = CliRunner()
    plot = tmp_path / "d.png"
    result = runner.invoke(main, ["depth-width", "--functions", "majority,ip", "--bits", "2..3", "--depths", "1",
                                  "--max-width", "2", "--seeds", "4", "--steps", "300", "--lr", "0.05",
                                  "--device", "cpu", "--plot", str(plot), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    cells = {(c["function"], c["n"]): c for c in payload["cells"]}
    assert cells[("ip", 3)]["spec"] is None  # not defined at odd n: listed, not searched
    assert cells[("majority", 3)]["width"] == 1
    assert "upper bounds" in payload["note"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
    for extra, message in [(["--functions", "foo"], "not a family"), (["--depths", "5"], "4"),
                           (["--max-width", "0"], "at least 1"), (["--max-width", "1000000000"], "--max-width"),
                           (["--block", "0"], "--block"), (["--time-limit", "-1"], "--time-limit"),
                           (["--bits", "1..3"], "at least 2"), (["--functions", ""], "empty"),
                           (["--resume"], "--records")]:
        bad = runner.invoke(main, ["depth-width", "--steps", "1"] + extra)
        assert bad.exit_code == 2 and "Traceback" not in bad.output
        lines = [line for line in bad.output.splitlines() if line.strip()]
        assert len(lines) == 1 and message in lines[0], bad.output
