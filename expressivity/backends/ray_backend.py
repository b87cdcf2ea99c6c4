"""The ray backend: independent tasks as Ray tasks, on a local instance or an existing cluster.

Without an address, a Ray instance is started for this process, sized to the
machine (or to ``workers`` CPUs), with an object store of
:data:`OBJECT_STORE_BYTES` (containers often have a small ``/dev/shm``; tasks
here pass a few integers and return small records) and no dashboard; it is shut
down by :meth:`RayBackend.close`.  If Ray is already running in this process
(a test's shared instance, a notebook), that instance is used and left running.
With an address, the cluster must answer on it first: ``host:port`` is probed
over TCP (Ray itself would retry an unreachable address for minutes), then
joined.

A task whose worker process dies (killed, out of memory) is resubmitted by Ray
up to ``max_retries`` times; the driver still receives its result once.  An
exception raised by the task's own code is not retried: it is raised to the
caller.
"""
from __future__ import annotations

import socket
from typing import Any, Callable, Iterable, Iterator

from expressivity.backends.base import Backend, BackendError, RayNotInstalledError

#: Object store of a local instance: 200 MB, enough for small tasks and within a small /dev/shm.
OBJECT_STORE_BYTES = 200 * 1024 * 1024
#: Resubmissions of a task whose worker died.
MAX_RETRIES = 3
#: Seconds to wait for a cluster's address to accept a connection.
CONNECT_SECONDS = 5.0


def _import_ray():
    try:
        import ray
    except ImportError as error:
        raise RayNotInstalledError(str(error).splitlines()[0] if str(error) else "") from None
    return ray


def parse_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a cluster address, or None for ``auto`` (Ray finds the local cluster).

    >>> parse_address("10.0.0.5:6379"), parse_address("ray://head:10001"), parse_address("auto")
    (('10.0.0.5', 6379), ('head', 10001), None)
    >>> parse_address("head")
    Traceback (most recent call last):
    ...
    expressivity.backends.base.BackendError: bad Ray address 'head': expected host:port, ray://host:port or auto
    """
    text = address.strip()
    if text == "auto":
        return None
    if text.startswith("ray://"):
        text = text[len("ray://"):]
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BackendError(f"bad Ray address {address!r}: expected host:port, ray://host:port or auto")
    return host, int(port)


def check_address(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Raise :class:`BackendError` (one line) unless ``address`` accepts a TCP connection within ``timeout``."""
    where = parse_address(address)
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise BackendError(f"no Ray cluster reachable at {address!r}: {reason}") from None


def _call(fn: Callable[[Any], Any], task: Any) -> Any:
    """What a Ray task runs (``fn`` travels with each task, so partials and closures work)."""
    return fn(task)


class RayBackend(Backend):
    """Ray tasks; see the module docstring.

    Parameters
    ----------
    address : str or None
        An existing cluster (``host:port``, ``ray://host:port``, ``auto``); None starts a local instance.
    workers : int or None
        CPUs of the local instance (None: all of this machine's); not with ``address``.
    object_store_memory : int
        Bytes of the local instance's object store.
    max_retries : int
        Resubmissions of a task whose worker died.
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 object_store_memory: int = OBJECT_STORE_BYTES, max_retries: int = MAX_RETRIES) -> None:
        ray = _import_ray()
        if address is not None and workers is not None:
            raise BackendError("workers sizes a local Ray instance; a cluster at an address has its own size")
        if address is not None:
            check_address(address)
        self.max_retries = int(max_retries)
        self._owned = False
        if not ray.is_initialized():
            options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
            if address is None:
                options.update(num_cpus=workers, object_store_memory=int(object_store_memory))
            try:
                ray.init(address=address, **options)
            except (ConnectionError, RuntimeError, ValueError) as error:
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise BackendError(f"could not start or join Ray at {address or 'a new local instance'}: {first}") \
                    from None
            self._owned = True
        self.workers = max(int(ray.cluster_resources().get("CPU", 1)), 1)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Submit at most ``2 * workers`` tasks at a time; yield each result as it arrives."""
        ray = _import_ray()
        remote = ray.remote(num_cpus=1, max_retries=self.max_retries)(_call)
        pending = iter(tasks)
        running: dict[Any, Any] = {}
        window = 2 * self.workers
        try:
            exhausted = False
            while True:
                while not exhausted and len(running) < window:
                    try:
                        task = next(pending)
                    except StopIteration:
                        exhausted = True
                        break
                    running[remote.remote(fn, task)] = task
                if not running:
                    return
                (done,), _ = ray.wait(list(running), num_returns=1)
                task = running.pop(done)
                yield task, ray.get(done)
        finally:
            for ref in running:  # stopped early: what is left is not wanted
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # already finished or gone: nothing to cancel
                    pass

    def close(self) -> None:
        """Shut down the Ray instance if this backend started it."""
        if self._owned:
            _import_ray().shutdown()
            self._owned = False


__all__ = ["OBJECT_STORE_BYTES", "MAX_RETRIES", "CONNECT_SECONDS", "RayBackend", "parse_address", "check_address"]
