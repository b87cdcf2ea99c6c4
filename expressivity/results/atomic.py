"""Atomic file writes: a temporary file in the same folder, then a rename.

An interrupted run leaves either the old file or the new one, never half of one.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def write_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(temp_path)`` and move the result onto ``path`` atomically.

    ``write`` receives the name of a temporary file beside ``path`` and must
    create it (for example ``torch.save(obj, temp_path)``).  The rename is
    atomic on POSIX, so readers see the old file or the whole new one.

    Raises ``OSError`` when the folder does not exist or is not writable.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = write_atomic(d / "a.txt", lambda t: pathlib.Path(t).write_text("hi"))
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:  # name the user's path, not the temporary file beside it
        raise OSError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(fd)
    try:
        try:
            write(temp)
        except OSError as error:
            raise OSError(f"cannot write {path}: {error.strerror or error}") from None
        # mkstemp makes the file 0600; give it what a plain open() would have given it.
        os.chmod(temp, 0o666 & ~_umask())
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.replace(temp, path)
        except OSError as error:
            raise OSError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return path


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return write_atomic(path, lambda temp: Path(temp).write_text(text, encoding="utf-8"))


def check_writable(path: str | os.PathLike) -> None:
    """Raise ``OSError`` with a short message if ``path`` cannot be written.

    Used by the CLI before long work starts, so a bad ``--out`` fails at once.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OSError(f"{path} is a folder, not a file")
    if not folder.is_dir():
        raise OSError(f"folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OSError(f"folder {folder} is not writable")
