"""Atomic writes leave files with the permissions a plain open() would give them."""
from __future__ import annotations

import os
import stat

import pytest

from expressivity.results.atomic import write_text_atomic


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
