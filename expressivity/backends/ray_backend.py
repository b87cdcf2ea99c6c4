"""The ray backend: independent tasks as Ray tasks, on a local instance or an existing cluster.

Without an address, a Ray instance is started for this process, sized to the
machine (or to ``workers`` CPUs), with an object store of
:data:`OBJECT_STORE_BYTES` (containers often have a small ``/dev/shm``; tasks
here pass a few integers and return small records) and no dashboard; it is shut
down by :meth:`RayBackend.close`.  If Ray is already running in this process
(a test's shared instance, a notebook), that instance is used and left running.
With an address, the cluster must answer on it first: ``host:port`` is probed
(Ray itself would retry an unreachable address for minutes, printing C++ log
lines): it must accept a TCP connection within :data:`CONNECT_SECONDS` and
answer the HTTP/2 client preface with a SETTINGS frame, as a Ray GCS or Ray
Client server (gRPC) does, within :data:`ANSWER_SECONDS`; only then is it
joined.  (With ``RAY_USE_TLS`` set, the server speaks TLS first, and only the
TCP connection is probed.)

A local instance starts without the notice that token authentication is on
(Ray's default for a new instance, left on); nothing about a cluster's
authentication is changed.  Ray's C++ log lines came from joining an address
that is not a Ray cluster, which the probe now refuses first.

A task whose worker process dies (killed, out of memory) is resubmitted by Ray
up to ``max_retries`` times; the driver still receives its result once.  An
exception raised by the task's own code is not retried: it is raised to the
caller.
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import Any, Callable, Iterable, Iterator

from expressivity.backends.base import Backend, BackendError, RayNotInstalledError

#: Object store of a local instance: 200 MB, enough for small tasks and within a small /dev/shm.
OBJECT_STORE_BYTES = 200 * 1024 * 1024
#: Resubmissions of a task whose worker died.
MAX_RETRIES = 3
#: Seconds to wait for a cluster's address to accept a connection.
CONNECT_SECONDS = 5.0
#: Seconds to wait, once connected, for the HTTP/2 SETTINGS frame a gRPC server sends first.
ANSWER_SECONDS = 2.0
#: The HTTP/2 client connection preface (RFC 9113, section 3.4) and an empty SETTINGS frame.
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
#: The HTTP/2 frame type of SETTINGS, the first frame a server sends.
SETTINGS_FRAME = 4
#: The logger of Ray's token-authentication notice.
AUTH_NOTICE_LOGGER = "ray._private.authentication.authentication_token_setup"


def _import_ray():
    try:
        import ray
    except ImportError as error:
        raise RayNotInstalledError(str(error).splitlines()[0] if str(error) else "") from None
    return ray


def parse_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a cluster address, or None for ``auto`` (Ray finds the local cluster).

    Examples
    --------
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


def check_address(address: str, timeout: float = CONNECT_SECONDS, answer_timeout: float = ANSWER_SECONDS) -> None:
    """Raise :class:`BackendError` (one line) unless a gRPC server, as Ray's are, answers at ``address``.

    The address must accept a TCP connection within ``timeout`` seconds and send
    an HTTP/2 SETTINGS frame within ``answer_timeout`` seconds of the client
    preface (only the connection is probed where ``RAY_USE_TLS`` is set).

    Examples
    --------
    >>> check_address("127.0.0.1:1")  # nothing listens on port 1
    Traceback (most recent call last):
    ...
    expressivity.backends.base.BackendError: no Ray cluster reachable at '127.0.0.1:1': Connection refused
    """
    where = parse_address(address)
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=timeout) as connection:
            if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
                return
            connection.settimeout(answer_timeout)
            connection.sendall(HTTP2_PREFACE)
            first = _receive(connection, 9, answer_timeout)  # a frame header: length, type, flags, stream
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise BackendError(f"no Ray cluster reachable at {address!r}: {reason}") from None
    if not first:
        raise BackendError(f"{address}: accepts connections but sends nothing back within {answer_timeout:g} s; "
                           "a Ray cluster (a gRPC server) answers at once: is this the GCS port (6379 by default)?")
    if len(first) < 9 or first[3] != SETTINGS_FRAME or any(first[5:9]):
        raise BackendError(f"{address}: something answers, but not as a Ray cluster does (a gRPC server sends an "
                           f"HTTP/2 SETTINGS frame first; this sent {first!r})")


def _receive(connection: socket.socket, size: int, seconds: float) -> bytes:
    """Up to ``size`` bytes from ``connection``, whatever arrives within ``seconds`` in all."""
    deadline = time.monotonic() + seconds
    received = b""
    while len(received) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        connection.settimeout(left)
        try:
            chunk = connection.recv(size - len(received))
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        received += chunk
    return received


@contextlib.contextmanager
def _quiet_start(local: bool):
    """For a local instance, no notice that token authentication is on (Ray's default, which stays on)."""
    notice = logging.getLogger(AUTH_NOTICE_LOGGER)
    previous = notice.level
    if local:
        notice.setLevel(logging.ERROR)
    try:
        yield
    finally:
        notice.setLevel(previous)


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
                with _quiet_start(local=address is None):
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


__all__ = ["OBJECT_STORE_BYTES", "MAX_RETRIES", "CONNECT_SECONDS", "ANSWER_SECONDS", "RayBackend", "parse_address",
           "check_address"]
