"""Backends: local and Ray give the same results; a dying worker is retried and counted once; clean errors."""
from __future__ import annotations

import functools
import importlib.util
import operator
import os
import sys

import pytest

from expressivity.backends import BackendError, LocalBackend, RayNotInstalledError, make_backend
from expressivity.functions import parity
from expressivity.prove.cubes import prove_width_by_cubes

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason='Ray is not installed (pip install "expressivity[ray]")')


@pytest.fixture(scope="module")
def ray_backend():
    """One local Ray instance with two CPUs for every test of this module, shut down at the end."""
    backend = make_backend("ray", workers=2)
    yield backend
    backend.close()


def test_local_runs_in_order_in_process():
    seen = []
    backend = make_backend()
    results = list(backend.map_unordered(lambda t: seen.append(t) or t * t, [3, 1, 2]))
    assert results == [(3, 9), (1, 1), (2, 4)] and seen == [3, 1, 2]
    assert isinstance(backend, LocalBackend) and backend.describe() == {"backend": "local", "workers": 1}


def test_ray_missing_is_one_line_that_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # "import ray" now raises ImportError
    with pytest.raises(RayNotInstalledError) as caught:
        make_backend("ray")
    message = str(caught.value)
    assert "\n" not in message and message.endswith('pip install "expressivity[ray]"')
    assert isinstance(caught.value, BackendError)


@pytest.mark.parametrize("name,address,workers,message", [
    ("spark", None, None, "unknown backend 'spark': choose local or ray"),
    ("local", None, 0, "workers must be a positive integer, got 0"),
    ("local", None, 2, "the local backend runs one task at a time"),
])
def test_bad_backend_options(name, address, workers, message):
    with pytest.raises(BackendError, match=message):
        make_backend(name, address=address, workers=workers)


@needs_ray
@pytest.mark.parametrize("address,message", [
    ("127.0.0.1:1", "no Ray cluster reachable at '127.0.0.1:1': "),
    ("head-node", "bad Ray address 'head-node': expected host:port, ray://host:port or auto"),
    ("ray://10.0.0.1:port", "bad Ray address"),
])
def test_bad_address_is_one_line(address, message):
    with pytest.raises(BackendError, match=message) as caught:
        make_backend("ray", address=address)
    assert "\n" not in str(caught.value)


@needs_ray
def test_workers_and_address_do_not_mix():
    with pytest.raises(BackendError, match="workers sizes a local Ray instance"):
        make_backend("ray", address="127.0.0.1:1", workers=2)


@needs_ray
def test_ray_and_local_give_the_same_results(ray_backend):
    assert ray_backend.describe() == {"backend": "ray", "workers": 2}
    task = functools.partial(operator.pow, 3)
    local = sorted(LocalBackend().map_unordered(task, range(12)))
    remote = list(ray_backend.map_unordered(task, range(12)))
    assert sorted(remote) == local and len(remote) == 12


@needs_ray
def test_ray_and_local_give_the_same_proof(ray_backend):
    f = parity(3)
    local = prove_width_by_cubes(f, 2)
    remote = prove_width_by_cubes(f, 2, backend=ray_backend)
    assert remote.status == local.status == "proven-infeasible"
    assert [(r.cube, r.status) for r in remote.results] == [(r.cube, r.status) for r in local.results]
    assert (remote.backend, remote.workers, local.backend, local.workers) == ("ray", 2, "local", 1)
    found = prove_width_by_cubes(f, 3, backend=ray_backend)  # stops at the first certified network
    assert found.status == "feasible-certified" and found.certificate.verification.verified


@needs_ray
def test_a_task_whose_worker_dies_is_retried_and_counted_once(ray_backend, tmp_path):
    marker = str(tmp_path / "died-once")

    def task(value):  # a closure: Ray ships it by value
        if value == 5 and not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)  # the worker process dies without a word
        return value * 10

    results = list(ray_backend.map_unordered(task, range(8)))
    assert os.path.exists(marker)
    assert sorted(results) == [(v, v * 10) for v in range(8)]


@needs_ray
def test_an_error_in_a_task_reaches_the_caller(ray_backend):
    def task(value):
        if value == 2:
            raise ValueError("no such cube")
        return value

    with pytest.raises(ValueError, match="no such cube"):
        list(ray_backend.map_unordered(task, range(4)))


@needs_ray
def test_stopping_early_cancels_the_rest(ray_backend, tmp_path):
    import time

    marker = str(tmp_path / "first")

    def task(value):
        # whichever task Ray starts first returns at once (Ray does not promise to start them in order);
        # every other one sleeps far longer than the test waits
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            time.sleep(30)
        return value

    started = time.perf_counter()
    stream = ray_backend.map_unordered(task, range(6))
    first, value = next(stream)
    assert first == value
    stream.close()
    assert time.perf_counter() - started < 20
    assert sorted(ray_backend.map_unordered(abs, [-1, -2])) == [(-2, 2), (-1, 1)]  # still usable
