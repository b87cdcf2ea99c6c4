"""The backend interface, its errors, and :func:`make_backend`."""
from __future__ import annotations

from expressivity.errors import InputError

from typing import Any, Callable, Iterable, Iterator

#: The backends :func:`make_backend` knows.
BACKENDS = ("local", "ray")


class BackendError(InputError):
    """A backend that cannot be made or reached; the message is one line saying what to do."""


class RayNotInstalledError(BackendError):
    """The ray backend was asked for and Ray cannot be imported."""

    def __init__(self, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(f'the ray backend needs Ray, which is not installed{why}: pip install "expressivity[ray]"')


class Backend:
    """Runs independent tasks; see :mod:`expressivity.backends`.

    Attributes
    ----------
    name : str
        ``"local"`` or ``"ray"``, for the records.
    workers : int
        How many tasks can run at once (CPUs of the Ray cluster; 1 for local).
    """

    name: str = ""
    workers: int = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(task, fn(task))`` once per task, as each finishes.

        ``fn`` and the tasks must be picklable for Ray (module-level functions,
        ``functools.partial`` of them, small values).  An exception raised by
        ``fn`` is raised here.  Closing the iterator early cancels what is
        still running.
        """
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What the records say about the backend.

        >>> from expressivity.backends.local import LocalBackend
        >>> LocalBackend().describe()
        {'backend': 'local', 'workers': 1}
        """
        return {"backend": self.name, "workers": self.workers}

    def close(self) -> None:
        """Release what the backend started (a Ray instance it started is shut down)."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_backend(name: str = "local", address: str | None = None, workers: int | None = None) -> Backend:
    """The backend called ``name``.

    Parameters
    ----------
    name : {"local", "ray"}
    address : str or None
        Ray only: ``host:port`` (or ``ray://host:port``, or ``auto``) of an existing
        cluster; None starts a local Ray instance for this process.
    workers : int or None
        Ray only, without ``address``: CPUs of the local instance (None: all of
        this machine's).  The local backend runs one task at a time.

    Raises
    ------
    BackendError
        One line: an unknown name, an option the backend does not take, an
        address that cannot be reached; :class:`RayNotInstalledError` when Ray is missing.

    >>> make_backend("dask")
    Traceback (most recent call last):
    ...
    expressivity.backends.base.BackendError: unknown backend 'dask': choose local or ray
    >>> make_backend("local", address="10.0.0.1:6379")
    Traceback (most recent call last):
    ...
    expressivity.backends.base.BackendError: an address is for the ray backend, not for local
    """
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: choose {' or '.join(BACKENDS)}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise BackendError(f"workers must be a positive integer, got {workers!r}")
    if name == "local":
        if address is not None:
            raise BackendError("an address is for the ray backend, not for local")
        if workers not in (None, 1):
            raise BackendError("the local backend runs one task at a time (workers = 1); use the ray backend for more")
        from expressivity.backends.local import LocalBackend

        return LocalBackend()
    from expressivity.backends.ray_backend import RayBackend

    return RayBackend(address=address, workers=workers)


__all__ = ["BACKENDS", "Backend", "BackendError", "RayNotInstalledError", "make_backend"]
