"""One loader for every network file: compile/shallow --out, the search's weights; one-line refusals for the rest."""
from __future__ import annotations

import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

from conftest import all_inputs
from expressivity.circuits.build import xor_tree
from expressivity.errors import InputError
from expressivity.networks.compiler import compile_network
from expressivity.networks.export import FORMAT, load_network, save_network
from expressivity.networks.files import MAX_NETWORK_FILE_BYTES
from expressivity.networks.shallow import skip
from expressivity.search.engine import TrainConfig
from expressivity.search.records import load_weights, weights_folder
from expressivity.search.width import search_width
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive


def plain_forward(weights, biases, x):
    """h = relu(W h + b) layer by layer, the last layer affine: written here, independent of LayeredNet."""
    h = np.asarray(x, dtype=np.float64)
    for layer, (w, b) in enumerate(zip(weights, biases)):
        h = h @ np.asarray(w, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        if layer < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h


def refusal(call, *args, **kwargs) -> str:
    """The message of the InputError ``call`` raises: one line, and an InputError is a ValueError."""
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError) and "\n" not in message and message
    return message


@pytest.fixture(scope="module")
def search_files(tmp_path_factory):
    """A real search's weights: 3-bit parity at depths 1 and 2 (what search-width and depth-width write)."""
    folder = tmp_path_factory.mktemp("search")
    config = TrainConfig(steps=300, lr=0.05)
    files = {}
    for depth in (1, 2):
        records = folder / f"depth{depth}.jsonl"
        result = search_width("parity", [3], [3, 4], 8, config, depth=depth, seed=1, records_path=records)
        (best, *_) = [b for b in result.batches if b.weights_file]
        files[depth] = (records.parent / best.weights_file, best)
    return files


def test_compiled_and_shallow_networks_come_back_with_their_exact_weights(tmp_path):
    x = all_inputs(6)
    for net in (compile_network(xor_tree(6)), skip(6)):  # skip: a direct input-output connection
        path = tmp_path / "net.pt"
        save_network(net, path)
        loaded = load_network(path)
        assert loaded.is_integral and loaded.widths == net.widths and (loaded.skip is None) == (net.skip is None)
        assert np.array_equal(loaded.forward(x).ravel(), x.sum(axis=1) % 2)  # parity, the independent reference
        assert torch.load(path, weights_only=True)["format"] == FORMAT  # plain tensors: weights_only suffices


@pytest.mark.parametrize("depth", [1, 2])
def test_a_search_s_weights_load_as_the_trained_float_network_on_0_1_inputs(search_files, depth):
    path, batch = search_files[depth]
    net = load_network(path)
    model, meta = load_weights(path)
    assert meta["inputs"] == "0/1" and net.depth == depth == len(batch.shape) and net.widths == batch.shape
    assert not net.is_integral and net.weights[0].dtype == np.float64
    bits = all_inputs(3)
    ours = plain_forward(model.weights, model.biases, bits)
    assert np.array_equal(net.forward(bits.astype(np.float64)), ours)  # the saved floats, not rounded
    assert np.array_equal(ours.ravel() > 0, bits.sum(axis=1) % 2 == 1)
    check = verify_exhaustive(net, parity_reference, mode="sign")  # the exact verifier judges it
    assert check.verified and check.margin == batch.best_margin


def test_a_network_trained_on_pm1_inputs_is_refused_by_load_network_and_read_by_load_weights(search_files, tmp_path):
    path, _ = search_files[1]
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = {"n": 3, "index": 0, "steps": 5, "inputs": "-1/+1"}
    pm1 = tmp_path / "pm1.npz"
    np.savez(pm1, **{**arrays, "meta": np.array(json.dumps(meta))})
    assert "-1/+1" in refusal(load_network, pm1) and "load_weights" in refusal(load_network, pm1)
    model, _ = load_weights(pm1)
    assert model.encoding == "pm1"


def test_a_weights_file_of_the_four_old_depth_1_arrays_loads_the_same_network(search_files, tmp_path):
    path, _ = search_files[1]
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if not key[-1].isdigit()}  # meta and the four old names
    assert set(arrays) == {"meta", "hidden_weight", "hidden_bias", "output_weight", "output_bias"}
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    bits = all_inputs(3).astype(np.float64)
    expected = plain_forward([arrays["hidden_weight"], arrays["output_weight"][None, :]],
                             [arrays["hidden_bias"], arrays["output_bias"]], bits)
    assert np.array_equal(load_network(old).forward(bits), expected)
    assert np.array_equal(load_network(path).forward(bits), expected)


def test_each_loader_refuses_the_other_s_file_in_one_line(search_files, tmp_path):
    net_path = tmp_path / "net.pt"
    save_network(compile_network(xor_tree(4)), net_path)
    message = refusal(load_weights, net_path)  # was a KeyError
    assert str(net_path) in message and "load_network" in message
    jsonl = search_files[1][0].parent.parent / "depth1.jsonl"
    assert jsonl.stat().st_size and str(jsonl) in refusal(load_network, jsonl)  # was an UnpicklingError


def good_payload():
    """What save_network writes for the 3-bit XOR tree, built here from the format its docstring states."""
    net = compile_network(xor_tree(3))
    layers = []
    for w, b in zip(net.weights, net.biases):
        coo = w.tocoo()
        weight = {"shape": list(coo.shape), "row": torch.as_tensor(coo.row.astype(np.int64)),
                  "col": torch.as_tensor(coo.col.astype(np.int64)), "value": torch.as_tensor(coo.data)}
        layers.append({"weight": weight, "bias": torch.as_tensor(b)})
    return {"format": FORMAT, "name": "x", "inputs": "0/1", "skip": None, "layers": layers}


def damaged_payloads():
    """A good payload with one thing broken, and a word the message must contain."""
    good = good_payload
    cases = []
    for dtype in (torch.float16, torch.bfloat16):
        payload = good()
        payload["layers"][1]["weight"]["value"] = payload["layers"][1]["weight"]["value"].to(dtype)
        cases.append((payload, str(dtype).removeprefix("torch.")))
    payload = good()
    payload["layers"][0]["bias"] = payload["layers"][0]["bias"].to(torch.float16)
    cases.append((payload, "float16"))
    payload = good()
    payload["layers"][0]["weight"]["row"][0] = 99
    cases.append((payload, "row index"))
    payload = good()
    payload["layers"][0]["weight"]["shape"] = [10**12, 10**12]  # would allocate terabytes if believed
    cases.append((payload, "shape"))
    payload = good()
    del payload["layers"][1]["bias"]
    cases.append((payload, "bias"))
    payload = good()
    payload["format"] = "something else"
    cases.append((payload, "not a network saved by expressivity"))
    cases.append(({"state": torch.zeros(3)}, "not a network saved by expressivity"))
    return cases


def test_the_format_as_documented_loads(tmp_path):
    path = tmp_path / "by_hand.pt"
    torch.save(good_payload(), path)
    x = all_inputs(3)
    assert np.array_equal(load_network(path).forward(x).ravel(), x.sum(axis=1) % 2)


@pytest.mark.parametrize("payload, word", damaged_payloads())
def test_a_damaged_or_half_precision_torch_file_is_refused_naming_the_file(tmp_path, payload, word):
    path = tmp_path / "damaged.pt"
    torch.save(payload, path)
    message = refusal(load_network, path)
    assert str(path) in message and word in message


def test_a_half_precision_search_file_is_refused_naming_the_dtype(search_files, tmp_path):
    path, _ = search_files[1]
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    half = tmp_path / "half.npz"
    np.savez(half, **{key: a.astype(np.float16) if key != "meta" else a for key, a in arrays.items()})
    for call in (load_network, load_weights):
        message = refusal(call, half)
        assert "float16" in message and str(half) in message


def test_a_pickled_module_is_refused_without_running_its_code(tmp_path):
    path = tmp_path / "module.pt"
    torch.save(compile_network(xor_tree(3)).to_torch(), path)  # a whole nn.Module: needs pickle's code paths
    assert "weights only" in refusal(load_network, path)

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    evil = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "layers": [Boom()]}, evil)
    refusal(load_network, evil)
    assert not (tmp_path / "ran").exists()
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(Boom()))
    assert "not a zip archive" in refusal(load_network, plain) and "not a zip archive" in refusal(load_weights, plain)
    assert not (tmp_path / "ran").exists()


def test_files_that_are_not_network_files_are_refused_before_reading(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    empty = tmp_path / "empty.pt"
    empty.touch()
    huge = tmp_path / "huge.pt"
    with open(huge, "wb") as handle:  # sparse: no disk used, but its size is over the limit
        handle.truncate(MAX_NETWORK_FILE_BYTES + 1)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "no network here")
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.npy", b"\0" * (1 << 22))  # 4 MiB of zeros in a few kilobytes
    cases = {text: "not a zip archive", empty: "empty", tmp_path: "folder", tmp_path / "absent.pt": "no such",
             huge: "over the limit", other_zip: "neither format"}
    if hasattr(os, "mkfifo"):  # reading a FIFO would wait for a writer forever
        os.mkfifo(tmp_path / "fifo")
        cases[tmp_path / "fifo"] = "not a regular file"
    for path, word in cases.items():
        for call in (load_network, load_weights):
            message = refusal(call, path)
            assert str(path) in message and word in message, (path, message)
    assert "unpacks to" in refusal(load_network, bomb, max_bytes=1 << 20)
    assert "\\n" in refusal(load_network, tmp_path / "a\nb.pt")  # a newline in a name stays one line
