"""Swap a bijector's directions."""

from __future__ import annotations

from .base import Bijector


class Invert(Bijector):
    """``Invert(b)`` maps with ``b``'s inverse forward and ``b``'s forward inverse (e.g. unsqueeze)."""

    def __init__(self, bijector: Bijector):
        self.bijector = bijector

    def forward_and_log_det(self, x, **ctx):
        return self.bijector.inverse_and_log_det(x, **ctx)

    def inverse_and_log_det(self, z, **ctx):
        return self.bijector.forward_and_log_det(z, **ctx)
