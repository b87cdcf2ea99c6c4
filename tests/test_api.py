"""The public API: every name in ``__all__`` resolves, and importing stays light."""
from __future__ import annotations

import subprocess
import sys

import expressivity


def test_every_public_name_resolves():
    for name in expressivity.__all__:
        assert getattr(expressivity, name) is not None, name
    assert len(set(expressivity.__all__)) == len(expressivity.__all__)


def test_import_does_not_load_torch_or_sympy():
    code = "import sys, expressivity; print('torch' in sys.modules, 'sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
