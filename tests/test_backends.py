"""Backends: local and Ray give the same results; a dying worker is retried and counted once; clean errors."""
from __future__ import annotations

import functools
import importlib.util
import operator
import os
import sys
import time

import pytest

from conftest import listening
from expressivity.backends import BackendError, LocalBackend, RayNotInstalledError, make_backend
from expressivity.functions import parity
from expressivity.prove.cubes.cube_split import prove_width_by_cubes

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason='Ray is not installed (pip install "expressivity[ray]")')
# ray_backend: the one local Ray instance (two CPUs) this module shares with test_backend_commands.py (conftest.py)


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
@pytest.mark.parametrize("reply,message", [
    (b"", "accepts connections but sends nothing back within 1 s"),
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "something answers, but not as a Ray cluster does"),
    (b"\x00\x00\x00\x07\x00\x00\x00\x00\x00", "not as a Ray cluster does"),  # an HTTP/2 frame, but GOAWAY
])
def test_an_address_where_something_else_listens_is_refused_in_seconds(reply, message):
    """Ray itself would retry such an address for minutes; the probe decides within its timeouts."""
    from expressivity.backends.ray_backend import check_address

    with listening(reply) as port:
        started = time.monotonic()
        with pytest.raises(BackendError, match=message) as caught:
            check_address(f"127.0.0.1:{port}", timeout=1.0, answer_timeout=1.0)
        assert time.monotonic() - started < 5
    assert "\n" not in str(caught.value) and f"127.0.0.1:{port}" in str(caught.value)


@needs_ray
def test_a_real_ray_cluster_passes_the_probe(ray_backend):
    """The module's local instance is a real GCS: it answers the HTTP/2 preface with SETTINGS."""
    import ray

    from expressivity.backends.ray_backend import check_address

    check_address(ray.get_runtime_context().gcs_address)


@needs_ray
def test_a_local_start_hides_only_the_token_notice():
    """The notice says Ray's default (token authentication on) holds; joining a cluster shows Ray's warnings.

    Read through a handler of the test's own, so that what other tests did to Ray's stderr handlers
    cannot change the answer; the logger's level is restored after each start.
    """
    import logging

    from expressivity.backends.ray_backend import AUTH_NOTICE_LOGGER, _quiet_start

    notice = logging.getLogger(AUTH_NOTICE_LOGGER)
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    notice.addHandler(handler)
    before = notice.level
    try:
        notice.setLevel(logging.WARNING)
        with _quiet_start(local=True):
            notice.warning("Token authentication is enabled for this Ray cluster.")
        assert seen == [] and notice.level == logging.WARNING
        with _quiet_start(local=False):
            notice.warning("Token authentication is disabled for this Ray cluster.")
        assert seen == ["Token authentication is disabled for this Ray cluster."]
    finally:
        notice.removeHandler(handler)
        notice.setLevel(before)


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
