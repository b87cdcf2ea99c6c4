"""Pieces the two halves of ``expressivity regions`` share (1D in :mod:`~expressivity.cli.regions`,
the plane and traversal in :mod:`~expressivity.cli.regions_plane`): exact numbers from the
command line and the region bounds of a network's architecture.  Apart, so that neither
half imports the other back."""
from __future__ import annotations

from fractions import Fraction

from expressivity.cli.common import fail


def parse_number(text: str, option: str) -> Fraction:
    """An exact number from ``3``, ``-0.25``, ``1/3`` or ``1e-3``; one line and exit 2 otherwise."""
    import re

    exponent = re.search(r"[eE]([+-]?\d+)$", text.strip())
    if exponent and abs(int(exponent.group(1))) > 400 or len(text) > 400:
        fail(f"{option}: {text.strip()[:40]!r} is too large or too long (exponents up to 400, 400 characters)")
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        fail(f"{option}: {text.strip()[:40]!r} is not a number (use forms like 3, -0.25, 1/3)")
    return value


def architecture_bounds(network, dimension: int) -> list:
    """The region bounds for this network's hidden widths restricted to ``dimension`` inputs (none without ReLUs)."""
    from expressivity.counts.region_bounds import region_bounds

    return region_bounds(dimension, network.widths) if network.widths else []


def bounds_text(network, dimension: int) -> str:
    """The upper bounds as one line, e.g. ``regions <= 9 (Serra et al. 2018 upper), pieces <= 16 (Telgarsky 2016)``."""
    parts = [f"{b.counts.split()[-1]} <= {b.value:,} ({b.name})" if b.value < 10**30 else
             f"{b.counts.split()[-1]} <= about 10^{len(str(b.value)) - 1} ({b.name})"
             for b in architecture_bounds(network, dimension) if b.kind == "upper"]
    return ", ".join(parts) or "none (no hidden layer)"
