"""RealNVP's elementwise scale, the "linear layer" of the RealNVP model (Sec. 5.1; App. C.2)."""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from ..ops.nonlinearities import squareplus
from .base import ConditionedBijector, sum_per_example


class ElementwiseScale(ConditionedBijector):
    """``z = x / sp(θ; γ)`` per element, θ from the conditioner (C parameters per pixel).

    The conditioner output is a scale that *divides* the input, as in App. C.2's RealNVP layer
    ``z = (x - b) / φ(ŝ)`` with φ = squareplus: its polynomial left tail keeps φ(ŝ) from
    collapsing to 0 as fast as softplus or sigmoid would. With γ = 1, ``sp(0; 1) = 1``, so a
    zero-initialised conditioner starts this layer at the identity (App. C.2).

    Log-det: ``-Σ_hwc log sp(θ; γ)``.

    Args:
      channels: C.
      gamma: squareplus γ (1.0: identity at θ = 0).
      rngs: unused (the constructor convention of :class:`ConditionedBijector`).
    """

    def __init__(self, channels: int, *, gamma: float = 1.0, rngs: nnx.Rngs | None = None):
        self.channels = channels
        self.gamma = gamma

    @property
    def num_params(self) -> int:
        return self.channels

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        scale = squareplus(params, self.gamma)
        return x / scale, -sum_per_example(jnp.log(scale))

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        scale = squareplus(params, self.gamma)
        return z * scale, sum_per_example(jnp.log(scale))
