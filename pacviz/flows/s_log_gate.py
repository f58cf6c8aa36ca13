"""The S-Log gate (Karami et al. 2019), the last step of the transformer (Fig. 3)."""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from ..ops.nonlinearities import squareplus
from .base import ConditionedBijector, compute_dtype, sum_per_example


class SLogGate(ConditionedBijector):
    """``z = sign(x) · log(1 + α|x|) / α`` per element, α > 0.

    A symmetric, monotone squashing: slope 1 at 0, logarithmic growth in the tails.
    ``dz/dx = 1 / (1 + α|x|)``, so the log-det is ``-Σ log(1 + α|x|)``; the inverse is
    ``x = sign(z) · (exp(α|z|) - 1) / α``.

    α is ``sp(θ; γ=1)``: conditioned per element (θ from the conditioner, C parameters per
    pixel; the default, so the gate adapts like the rest of the transformer) or, with
    ``conditioned=False``, a learned per-channel ``nnx.Param`` (0 parameters per pixel). Either
    way α = 1 at θ = 0.

    Args:
      channels: C.
      conditioned: α from the conditioner (True) or learned per channel (False).
      rngs: unused (constructor convention).
    """

    def __init__(self, channels: int, *, conditioned: bool = True, rngs: nnx.Rngs | None = None,
                 param_dtype=jnp.float32):
        self.channels = channels
        self.conditioned = conditioned
        self.gamma = 1.0
        if not conditioned:
            self.raw_alpha = nnx.Param(jnp.zeros((channels,), param_dtype))

    @property
    def num_params(self) -> int:
        return self.channels if self.conditioned else 0

    def alpha(self, x, params):
        """α, broadcastable to ``x``."""
        if self.conditioned:
            return squareplus(params, self.gamma)
        raw = self.raw_alpha[...]
        return squareplus(raw.astype(compute_dtype(x, raw)), self.gamma)

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        alpha = self.alpha(x, params)
        log1p = jnp.log1p(alpha * jnp.abs(x))
        z = jnp.sign(x) * log1p / alpha
        return z, -sum_per_example(jnp.broadcast_to(log1p, jnp.shape(z)))

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        alpha = self.alpha(z, params)
        a_abs_z = alpha * jnp.abs(z)
        x = jnp.sign(z) * jnp.expm1(a_abs_z) / alpha
        # log(1 + α|x|) = α|z| on the way back.
        return x, sum_per_example(jnp.broadcast_to(a_abs_z, jnp.shape(x)))
