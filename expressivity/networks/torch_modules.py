"""Torch modules that ``nn.Sequential`` cannot express."""
from __future__ import annotations

from torch import nn


class SkipNetwork(nn.Module):
    """``body(x) + direct(x)``: a ReLU network with a direct input-to-output link."""

    def __init__(self, body: nn.Module, direct: nn.Linear) -> None:
        super().__init__()
        self.body = body
        self.direct = direct

    def forward(self, x):
        return self.body(x) + self.direct(x)
