"""Composition of bijectors."""

from __future__ import annotations

from collections.abc import Sequence

from flax import nnx

from .base import Bijector, zero_log_det


class Chain(Bijector):
    """``z = f_n(… f_2(f_1(x)))``: layers apply in list order, the inverse in reverse order.

    The log-det is the sum of the layers' log-dets (chain rule). Context keywords (``aux`` …)
    reach every layer.

    Args:
      layers: bijectors, applied first to last in the forward (data → latent) direction.
    """

    def __init__(self, layers: Sequence[Bijector]):
        self.layers = nnx.List(list(layers))

    def forward_parts(self, x, **ctx):
        """``(z, [log-det of each layer])``, the layers in order: what :meth:`forward_and_log_det` sums."""
        log_dets = []
        for layer in self.layers:
            x, ld = layer.forward_and_log_det(x, **ctx)
            log_dets.append(ld)
        return x, log_dets

    def forward_and_log_det(self, x, **ctx):
        z, log_dets = self.forward_parts(x, **ctx)
        return z, sum(log_dets, zero_log_det(x))

    def inverse_and_log_det(self, z, **ctx):
        log_det = zero_log_det(z)
        for layer in reversed(self.layers):
            z, ld = layer.inverse_and_log_det(z, **ctx)
            log_det = log_det + ld
        return z, log_det
