"""Writing output files without destroying what the user pointed at.

Every file the toolkit writes goes through :func:`write_atomic`.  What the path
names decides how it is written:

* a regular file, or nothing yet: atomically.  The new content goes to a
  temporary file in the folder of the *final* target (a symlink chain is
  followed with ``os.path.realpath``), then a rename puts it in place, so an
  interrupted run leaves the old file or the whole new one.  An existing file's
  mode (``st_mode & 0o7777``) and owner are kept; a new file gets the mode a
  plain ``open()`` would give it.  Symlinks stay symlinks: their target is
  written.
* a dangling symlink: the file it points at is created (when that file's folder
  exists), and the link is left as it is.
* a character device, a FIFO or a Unix socket: written straight, no rename (a
  FIFO's open waits for a reader, as a shell redirection does, rather than
  failing with ``O_NONBLOCK``'s ENXIO while no reader is there yet; a socket is
  connected to as a stream socket).  Such a write is not atomic: a reader may
  see part of it.  Each write opens the node anew, so a records file that is a
  FIFO needs a reader that reopens it (``while :; do cat FIFO; done``): ``cat``
  alone stops at the first record's end of file, and the next append waits.
* a folder, a block device, a symlink loop, a path whose folder does not exist,
  an empty path, or an existing file whose owner this process cannot give back
  (not root): ``OSError`` with a one-line message, and nothing is written.

:func:`check_writable` makes the same decision without writing, so the CLI can
refuse a bad output path before any work starts.
"""
from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path
from typing import Callable

#: Kinds of target that are written straight, by their ``st_mode`` test.
_STREAMS = {"character device": stat.S_ISCHR, "FIFO": stat.S_ISFIFO, "socket": stat.S_ISSOCK}


def output_target(path: str | os.PathLike) -> tuple[str, Path]:
    """How ``path`` would be written: ``("file", final target)`` or ``("stream", path)``.

    ``"file"`` is a regular file or a new one, written atomically beside the
    returned target (symlinks resolved); ``"stream"`` is a character device,
    FIFO or socket, written straight.  Anything else raises ``OSError`` with a
    one-line reason.

    Examples
    --------
    >>> import tempfile, pathlib, os
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> os.symlink("real.txt", d / "link.txt")
    >>> kind, target = output_target(d / "link.txt")
    >>> kind, target.name
    ('file', 'real.txt')
    >>> output_target("/dev/null")
    ('stream', PosixPath('/dev/null'))
    >>> output_target(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    IsADirectoryError: ... is a folder, not a file
    """
    if not os.fspath(path):
        raise OSError("an empty path names no file")
    path = Path(path)
    try:
        info = os.stat(path)  # follows symlinks, and /dev/stdout's /proc links, to what will be written
    except FileNotFoundError:
        info = None
    except OSError as error:  # ELOOP, ENOTDIR, EACCES: the path itself is unusable
        raise OSError(f"{path}: {error.strerror or error}") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(f"{path} is a folder, not a file")
        if any(test(info.st_mode) for test in _STREAMS.values()):
            return "stream", path
        if not stat.S_ISREG(info.st_mode):
            what = "a block device" if stat.S_ISBLK(info.st_mode) else "not a regular file"
            raise OSError(f"{path} is {what}; refusing to write over it")
    target = Path(os.path.realpath(path))
    if os.path.islink(target):  # realpath stops at a loop without raising
        raise OSError(f"{path}: too many levels of symbolic links")
    folder = target.parent
    if not folder.is_dir():
        via = f" (where the symlink {path} points)" if os.path.islink(path) else ""
        raise FileNotFoundError(f"folder {folder}{via} does not exist")
    return "file", target


def check_writable(path: str | os.PathLike) -> None:
    """Raise ``OSError`` with a short message if ``path`` cannot be written as :func:`write_atomic` would.

    Used by the CLI before long work starts, so a bad ``--out`` fails at once.
    Nothing is opened: a FIFO is not waited on.

    Examples
    --------
    >>> check_writable("/no/such/folder/net.pt")
    Traceback (most recent call last):
    ...
    FileNotFoundError: folder /no/such/folder does not exist
    """
    kind, target = output_target(path)
    if kind == "stream":
        if not os.access(target, os.W_OK):
            raise PermissionError(f"{path} is not writable")
        return
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise PermissionError(f"folder {target.parent} is not writable")
    if target.exists():
        info = target.stat()
        if not _owner_keepable(info, target.parent):
            raise PermissionError(_owner_message(path, info))


def write_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(temp_path)`` and put the result at ``path`` (see the module's rules).

    ``write`` receives the name of a temporary file and must create it (for
    example ``torch.save(obj, temp_path)``).  For a regular or new file the
    temporary file lies beside the final target and is renamed onto it; for a
    device, FIFO or socket its bytes are copied there straight.  Returns
    ``Path(path)``.

    Raises ``OSError`` (one line, naming ``path``) when it cannot be written;
    then nothing at ``path`` has changed.

    Examples
    --------
    >>> import tempfile, pathlib, os
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = write_atomic(d / "a.txt", lambda t: pathlib.Path(t).write_text("hi"))
    >>> p.read_text()
    'hi'
    >>> os.chmod(p, 0o600)
    >>> os.symlink("a.txt", d / "link")
    >>> _ = write_text_atomic(d / "link", "via the link")
    >>> os.path.islink(d / "link"), p.read_text(), oct(p.stat().st_mode & 0o777)
    (True, 'via the link', '0o600')
    >>> _ = write_text_atomic("/dev/null", "gone")
    >>> pathlib.Path("/dev/null").is_char_device()
    True
    """
    user_path = Path(path)
    try:
        kind, target = output_target(path)
    except OSError as error:
        raise type(error)(f"cannot write {os.fspath(path) or repr('')}: {error}") from None
    if kind == "stream":
        _write_stream(user_path, write)
    else:
        _replace(user_path, target, write)
    return user_path


def _replace(path: Path, target: Path, write: Callable[[str], None]) -> None:
    """Write through a temporary file beside ``target``, give it the old file's mode and owner, rename."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:  # name the user's path, not the temporary file beside it
        raise OSError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(fd)
    try:
        try:
            write(temp)
        except OSError as error:
            raise OSError(f"cannot write {path}: {error.strerror or error}") from None
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
        if old is None:  # mkstemp makes the file 0600; give it what a plain open() would have given it
            os.chmod(temp, 0o666 & ~_umask())
        else:
            mine = os.stat(temp)
            if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
                try:  # before chmod: chown clears set-user-ID and set-group-ID bits
                    os.chown(temp, old.st_uid, old.st_gid)
                except PermissionError:
                    raise PermissionError(_owner_message(path, old)) from None
            os.chmod(temp, stat.S_IMODE(old.st_mode))
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.replace(temp, target)
        except OSError as error:
            raise OSError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise


def _write_stream(path: Path, write: Callable[[str], None]) -> None:
    """Let ``write`` fill a private temporary file, then copy its bytes straight into the device, FIFO or socket."""
    with tempfile.TemporaryDirectory(prefix="expressivity-") as folder:
        temp = os.path.join(folder, "output")
        try:
            write(temp)
            with open(temp, "rb") as source:
                if stat.S_ISSOCK(os.stat(path).st_mode):
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sink:
                        sink.connect(os.fspath(path))
                        sink.sendfile(source)
                else:
                    # No O_CREAT: should the node vanish meanwhile, no regular file appears in its place.
                    with open(os.open(path, os.O_WRONLY | os.O_NOCTTY), "wb") as sink:
                        shutil.copyfileobj(source, sink)
        except OSError as error:
            raise OSError(f"cannot write {path}: {error.strerror or error}") from None


def _owner_keepable(info: os.stat_result, folder: Path) -> bool:
    """Whether a new file in ``folder`` can be given ``info``'s owner and group by this process."""
    if os.geteuid() == 0:
        return True
    folder_info = folder.stat()
    group = folder_info.st_gid if folder_info.st_mode & stat.S_ISGID else os.getegid()
    return info.st_uid == os.geteuid() and info.st_gid in {group, os.getegid(), *os.getgroups()}


def _owner_message(path, info: os.stat_result) -> str:
    return (f"{path} belongs to uid {info.st_uid} gid {info.st_gid}; replacing it would change its owner, "
            f"which only root may keep")


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` by :func:`write_atomic`'s rules (UTF-8)."""
    return write_atomic(path, lambda temp: Path(temp).write_text(text, encoding="utf-8"))
