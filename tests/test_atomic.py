"""Safe writes: the permissions a plain open() would give a new file; devices, FIFOs, sockets, symlinks, modes
and owners kept (issue 21)."""
from __future__ import annotations

import json
import os
import socket
import stat
import threading

import pytest

from expressivity.results.atomic import check_writable, output_target, write_atomic, write_text_atomic
from expressivity.results.records import append_records, read_records


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_atomic_file_mode_follows_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        plain = tmp_path / "plain.txt"
        with open(plain, "w") as handle:
            handle.write("x")
        atomic = write_text_atomic(tmp_path / "atomic.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~mask
    assert not list(tmp_path.glob(".*.tmp"))


# -- what the path names decides how it is written (issue 21) ---------------------------------

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mknod and chown to another user need root (CI runs as root)")


def no_temporaries(folder):
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def mknod(path, kind=stat.S_IFCHR, device=(1, 3)):
    """A device node in a temporary folder; (1, 3) are /dev/null's numbers, so writing to it is harmless."""
    os.mknod(path, kind | 0o666, os.makedev(*device))
    return os.stat(path).st_rdev


class Reader(threading.Thread):
    """Reads a FIFO (opened first, so the writer's open does not wait forever) or serves a Unix socket once."""

    def __init__(self, path, *, server=None):
        super().__init__(daemon=True)
        self.path, self.server, self.data = path, server, b""
        self.start()

    def run(self):
        if self.server is not None:
            connection, _ = self.server.accept()
            with connection:
                while chunk := connection.recv(65536):
                    self.data += chunk
        else:
            with open(self.path, "rb") as handle:
                self.data = handle.read()


@root_only
def test_a_character_device_is_written_straight_and_stays_a_device(tmp_path):
    device = tmp_path / "null"
    number = mknod(device)
    assert write_text_atomic(device, "x" * 100_000) == device
    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == number
    assert no_temporaries(tmp_path)
    check_writable(device)


@root_only
def test_a_block_device_is_refused_and_left_alone(tmp_path):
    device = tmp_path / "block"
    number = mknod(device, stat.S_IFBLK, (7, 0))  # a loop device's numbers; nothing is ever opened
    for attempt in (lambda: check_writable(device), lambda: write_text_atomic(device, "x")):
        with pytest.raises(OSError, match="block device"):
            attempt()
    assert stat.S_ISBLK(os.lstat(device).st_mode) and os.lstat(device).st_rdev == number


def test_a_fifo_is_written_straight_to_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_writable(fifo)  # deciding opens nothing, so it does not wait for a reader
    text = "".join(f"line {i}\n" for i in range(20_000))  # more than a pipe buffer
    reader = Reader(fifo)
    write_text_atomic(fifo, text)
    reader.join(10)
    assert reader.data.decode() == text
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and no_temporaries(tmp_path)


def test_a_unix_socket_is_connected_to_and_written(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(os.fspath(path))
        server.listen(1)
        reader = Reader(path, server=server)
        write_text_atomic(path, "over the socket")
        reader.join(10)
    assert reader.data == b"over the socket"
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_symlink_chain_writes_its_final_target_and_stays_a_chain(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "file.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    os.symlink(target, tmp_path / "first")
    os.symlink("first", tmp_path / "second")  # relative, resolved against the link's folder
    assert output_target(tmp_path / "second") == ("file", target)
    write_text_atomic(tmp_path / "second", "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.readlink(tmp_path / "second") == "first" and os.readlink(tmp_path / "first") == str(target)
    assert no_temporaries(tmp_path / "real") and no_temporaries(tmp_path)


def test_a_dangling_symlink_creates_its_target_and_stays_a_link(tmp_path):
    os.symlink("made.txt", tmp_path / "link")
    write_text_atomic(tmp_path / "link", "made")
    assert os.path.islink(tmp_path / "link") and (tmp_path / "made.txt").read_text() == "made"
    # ... but only where the target's folder exists: nothing is created, the link is left
    os.symlink("missing/made.txt", tmp_path / "deep")
    for attempt in (lambda: check_writable(tmp_path / "deep"), lambda: write_text_atomic(tmp_path / "deep", "x")):
        with pytest.raises(FileNotFoundError, match="does not exist"):
            attempt()
    assert os.readlink(tmp_path / "deep") == "missing/made.txt" and not (tmp_path / "missing").exists()


def test_a_symlink_loop_is_refused_and_left_alone(tmp_path):
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    for attempt in (lambda: check_writable(tmp_path / "a"), lambda: write_text_atomic(tmp_path / "a", "x")):
        with pytest.raises(OSError, match="symbolic links"):
            attempt()
    assert os.readlink(tmp_path / "a") == "b" and os.readlink(tmp_path / "b") == "a"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chmod(path, mode)
    write_text_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == mode


@root_only
def test_an_existing_file_keeps_its_owner_as_root(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chown(path, 65534, 65534)  # nobody:nogroup, not the writer
    os.chmod(path, 0o2640)  # set-group-ID too: chown would clear it were it not set after
    write_text_atomic(path, "new")
    info = path.stat()
    assert path.read_text() == "new" and (info.st_uid, info.st_gid) == (65534, 65534)
    assert stat.S_IMODE(info.st_mode) == 0o2640


@root_only
def test_an_owner_that_cannot_be_kept_refuses_before_writing(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chown(path, 65534, 65534)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as if an unprivileged user, neither root nor the owner

    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    with pytest.raises(PermissionError, match="change its owner"):
        check_writable(path)
    with pytest.raises(PermissionError, match="change its owner"):
        write_text_atomic(path, "new")
    assert path.read_text() == "old" and no_temporaries(tmp_path)


@pytest.mark.parametrize("name,expected", [("", "empty path"), (".", "is a folder"), ("nowhere/f", "does not exist")])
def test_unwritable_paths_are_refused_with_one_line(tmp_path, monkeypatch, name, expected):
    monkeypatch.chdir(tmp_path)
    for attempt in (lambda: check_writable(name), lambda: write_text_atomic(name, "x")):
        with pytest.raises(OSError, match=expected) as error:
            attempt()
        assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def half(temp):
        with open(temp, "w") as handle:
            handle.write("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomic(path, half)
    assert path.read_text() == "old" and no_temporaries(tmp_path)


def test_records_append_through_a_symlink_keeping_the_mode(tmp_path):
    target = tmp_path / "runs.jsonl"
    os.symlink(target.name, tmp_path / "link.jsonl")
    first, second = {"n": 2, "width": 2, "successes": 1}, {"n": 3, "width": 3, "successes": 2}
    append_records(tmp_path / "link.jsonl", [first])
    os.chmod(target, 0o600)
    append_records(tmp_path / "link.jsonl", [second])
    assert os.path.islink(tmp_path / "link.jsonl") and stat.S_IMODE(target.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(r["n"], r["width"]) for r in lines] == [(2, 2), (3, 3)]
    assert read_records(tmp_path / "link.jsonl") == lines


def test_records_go_straight_into_a_fifo_and_read_back_as_none(tmp_path):
    fifo = tmp_path / "records"
    os.mkfifo(fifo)
    assert read_records(fifo) == []  # a stream holds nothing to resume: no read, so no wait for a writer
    reader = Reader(fifo)
    append_records(fifo, [{"n": 2, "width": 2, "successes": 1}])
    reader.join(10)
    assert [(r["n"], r["width"]) for r in map(json.loads, reader.data.decode().splitlines())] == [(2, 2)]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and no_temporaries(tmp_path)


@root_only
def test_records_go_straight_into_a_character_device(tmp_path):
    device = tmp_path / "null"
    number = mknod(device)
    append_records(device, [{"n": 2, "width": 2, "successes": 1}])
    assert read_records(device) == []
    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == number
