"""Composition of coupling transformers that share one conditioner output."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import jax.numpy as jnp
from flax import nnx

from .base import ConditionedBijector, zero_log_det


class ConditionedChain(ConditionedBijector):
    """τ = τ_n ∘ … ∘ τ_1, each part reading its own slice of the per-pixel parameters.

    ``params[..., :P1]`` go to the first part, the next ``P2`` to the second, and so on, so
    ``num_params = sum(P_i)``. Forward applies parts in order, inverse in reverse order; log-dets add.

    Args:
      parts: conditioned bijectors that all transform the same number of channels.
    """

    def __init__(self, parts: Sequence[ConditionedBijector]):
        parts = list(parts)
        if not parts:
            raise ValueError("ConditionedChain needs at least one part")
        channels = {p.channels for p in parts}
        if len(channels) != 1:
            raise ValueError(f"all parts must transform the same number of channels, got {sorted(channels)}")
        self.channels = channels.pop()
        self.parts = nnx.List(parts)

    @property
    def num_params(self) -> int:
        return sum(p.num_params for p in self.parts)

    def param_init_scale(self) -> np.ndarray:
        return np.concatenate([p.param_init_scale() for p in self.parts])

    def split_params(self, params):
        """``params (..., H, W, num_params)`` → one ``(..., H, W, P_i)`` slice per part."""
        offsets = np.cumsum([p.num_params for p in self.parts])[:-1]
        return jnp.split(params, offsets, axis=-1)

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        log_det = zero_log_det(x)
        for part, theta in zip(self.parts, self.split_params(params)):
            x, ld = part.forward_and_log_det(x, theta)
            log_det = log_det + ld
        return x, log_det

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        log_det = zero_log_det(z)
        for part, theta in reversed(list(zip(self.parts, self.split_params(params)))):
            z, ld = part.inverse_and_log_det(z, theta)
            log_det = log_det + ld
        return z, log_det
