"""Progress bars on stderr, with ETA, for long work (tqdm, imported only when a bar is made)."""
from __future__ import annotations

import sys


def progress_bar(total: int, enabled: bool, *, desc: str, unit: str, unit_scale: bool = True):
    """A tqdm bar on stderr that disappears when done; a silent one when ``enabled`` is false."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit=unit, unit_scale=unit_scale,
                leave=False, file=sys.stderr)
