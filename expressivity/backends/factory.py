"""``make_backend``: the backend named on the command line, made from its module (the one place that knows both).

It lives apart from :mod:`expressivity.backends.base` so that the interface imports no
backend and no backend imports this module: no import circle.
"""
from __future__ import annotations

from expressivity.backends.base import BACKENDS, Backend, BackendError


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

    Examples
    --------
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


__all__ = ["make_backend"]
