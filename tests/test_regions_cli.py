"""``expressivity regions`` as a user runs it: a subprocess, JSON on stdout, one line on stderr for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
from click.testing import CliRunner

from expressivity.cli import main


def run(*args, cwd=None):
    """A real subprocess, as a user runs it (slow on a loaded machine: used for a few cases)."""
    return subprocess.run([sys.executable, "-m", "expressivity", "regions", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def invoke(*args):
    """In process (the same OneLineGroup.main, exit codes and streams), for the many small cases."""
    return CliRunner().invoke(main, ["regions", *args])


def plain_tent_power(x: Fraction, k: int) -> Fraction:
    for _ in range(k):
        x = 2 * x if x <= Fraction(1, 2) else 2 - 2 * x
    return x


def test_sawtooth_json_lists_every_breakpoint():
    done = run("--sawtooth", "5", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["activation_regions"] == payload["linear_pieces"] == 32
    kinks = [Fraction(b) for b in payload["breakpoints"]]
    # the kinks are where the plain tent map, iterated, reaches 0 or 1
    assert kinks == [Fraction(j, 32) for j in range(1, 32)]
    assert all(plain_tent_power(x, 5) in (0, 1) for x in kinks)
    upper = {b["name"]: b["value"] for b in payload["bounds_on_a_line"] if b["kind"] == "upper"}
    assert upper == {"Serra et al. 2018": 3**5, "Telgarsky 2016": 4**5}  # prod (n_l + 1), prod 2 n_l


def test_module_and_network_file_agree(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    (tmp_path / "tiny_regions_net.py").write_text(
        "import torch\nfrom torch import nn\n\n"
        "def make():\n"
        "    torch.manual_seed(5)\n"
        "    return nn.Sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1)).double()\n")
    monkeypatch.chdir(tmp_path)
    done = invoke("--module", "tiny_regions_net:make", "--segment", "-2:3/2", "--json")
    assert done.exit_code == 0, done.stderr
    from_module = json.loads(done.stdout)
    # the same weights as a saved LayeredNet
    sys.path.insert(0, str(tmp_path))
    try:
        import tiny_regions_net
    finally:
        sys.path.remove(str(tmp_path))
    from expressivity.networks.export import save_network
    from expressivity.networks.layered import LayeredNet

    module = tiny_regions_net.make()
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    net = LayeredNet.from_dense([m.weight.detach().numpy() for m in linears], [m.bias.detach().numpy() for m in linears])
    save_network(net, tmp_path / "net.pt")
    done = invoke("--network", str(tmp_path / "net.pt"), "--segment", "-2:3/2", "--json")
    assert done.exit_code == 0, done.stderr
    from_file = json.loads(done.stdout)
    for key in ("activation_regions", "linear_pieces", "breakpoints", "region_boundaries"):
        assert from_file[key] == from_module[key]
    # each boundary is exact: some unit's pre-activation is zero there (checked with torch in float64)
    for t in from_module["region_boundaries"]:
        x = torch.tensor([[float(Fraction(t))]], dtype=torch.float64)
        h, smallest = x, float("inf")
        for layer in list(module)[:-1]:
            h = layer(h)
            if isinstance(layer, torch.nn.Linear):
                smallest = min(smallest, h.abs().min().item())
        assert smallest < 1e-9


def test_plot_is_written(tmp_path):
    out = tmp_path / "saw.png"
    done = invoke("--sawtooth", "3", "--plot", str(out), "--no-progress")
    assert done.exit_code == 0, done.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "linear pieces       8" in done.stdout


@pytest.mark.parametrize("args, words", [
    ((), "exactly one of"),
    (("--sawtooth", "3", "--module", "x:y"), "exactly one of"),
    (("--sawtooth", "0"), "1..21"),
    (("--sawtooth", "99"), "1..21"),
    (("--sawtooth", "2", "--segment", "1:0"), "start is after the end"),
    (("--sawtooth", "2", "--segment", "0:1:2"), "A:B"),
    (("--sawtooth", "2", "--segment", "0:abc"), "not a number"),
    (("--sawtooth", "2", "--segment", "0:1e999999999"), "too large"),
    (("--sawtooth", "2", "--segment", "0,0:1,1"), "1 coordinate"),
    (("--sawtooth", "2", "--plot", "out.txt"), "--plot"),
    (("--module", "torch.nn:Identity", "--segment", "0:1"), "nn.Sequential"),
    (("--module", "no_such_module_xyz:f", "--segment", "0:1"), "cannot import"),
    (("--module", "torch.nn:Identity"), "--segment"),
    (("--network", "/nonexistent/net.pt", "--segment", "0:1"), "--network"),
])
def test_bad_input_is_one_line_and_exit_2(args, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = invoke(*args)
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert done.stdout == ""


def test_bad_input_in_a_subprocess():
    done = run("--sawtooth", "2", "--segment", "0:abc")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "not a number" in done.stderr


def test_time_limit_says_unknown():
    done = invoke("--sawtooth", "21", "--time-limit", "0.001", "--json")
    assert done.exit_code == 1
    payload = json.loads(done.stdout)
    assert payload["status"] == "unknown" and payload["linear_pieces"] is None


TWO_D = ("import torch\nfrom torch import nn\n\n"
         "def two():\n    torch.manual_seed(1)\n"
         "    return nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 1))\n\n"
         "def three():\n    torch.manual_seed(2)\n    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))\n")


def test_box_json_areas_and_plot(tmp_path, monkeypatch):
    (tmp_path / "tiny_regions_2d.py").write_text(TWO_D)
    monkeypatch.chdir(tmp_path)
    done = invoke("--module", "tiny_regions_2d:two", "--box", "-1:1,-1/2:1", "--json", "--plot", "p.png")
    assert done.exit_code == 0, done.stderr
    payload = json.loads(done.stdout)
    areas = [Fraction(a) for a in payload["areas"]]
    assert sum(areas) == 3 and len(areas) == payload["activation_regions"] == len(payload["polygons"])
    assert payload["euler_characteristic"] == 1 and payload["linear_pieces"] <= payload["activation_regions"]
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    done = invoke("--module", "tiny_regions_2d:three", "--box", "0:1,0:1", "--plane", "0,0,0:1,0,0:0,1,1/2")
    assert done.exit_code == 0, done.stderr
    assert "areas               sum 1 = the box's 1: yes" in done.stdout


def test_box_in_three_dimensions_traverses(tmp_path, monkeypatch):
    (tmp_path / "tiny_regions_2d.py").write_text(TWO_D)
    monkeypatch.chdir(tmp_path)
    done = invoke("--module", "tiny_regions_2d:three", "--box", "-1:1,-1:1,-1:1", "--json")
    assert done.exit_code == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == "complete" and payload["activation_regions"] == len(payload["interior_points"])
    torch = pytest.importorskip("torch")
    import tiny_regions_2d

    first = tiny_regions_2d.three()[0].double()  # float32 weights are exact in float64
    patterns = set()
    for point in payload["interior_points"]:  # torch in float64 agrees that each point is in a distinct region
        z = first(torch.tensor([[float(Fraction(v)) for v in point]], dtype=torch.float64))[0]
        assert z.abs().min().item() > 0
        patterns.add(tuple((z > 0).tolist()))
    assert len(patterns) == payload["activation_regions"]


@pytest.mark.parametrize("args, words", [
    (("--module", "tiny_regions_2d:two", "--box", "0:1"), "U0:U1,V0:V1"),
    (("--module", "tiny_regions_2d:three", "--box", "0:1,0:1,0:1,0:1"), "4 ranges"),
    (("--module", "tiny_regions_2d:two", "--box", "1:0,0:1"), "smaller to a larger"),
    (("--module", "tiny_regions_2d:two", "--box", "0:1,0:1", "--segment", "0,0:1,1"), "exclude"),
    (("--module", "tiny_regions_2d:three", "--box", "0:1,0:1"), "--plane"),
    (("--module", "tiny_regions_2d:three", "--box", "0:1,0:1", "--plane", "0,0,0:1,0,0"), "O:A:B"),
    (("--module", "tiny_regions_2d:three", "--box", "0:1,0:1", "--plane", "0,0,0:1,0,0:2,0,0"), "parallel"),
    (("--module", "tiny_regions_2d:three", "--plane", "0,0,0:1,0,0:0,1,0"), "needs --box"),
    (("--sawtooth", "3", "--box", "0:1,0:1"), "one input"),
])
def test_bad_2d_input(args, words, tmp_path, monkeypatch):
    (tmp_path / "tiny_regions_2d.py").write_text(TWO_D)
    monkeypatch.chdir(tmp_path)
    done = invoke(*args)
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
