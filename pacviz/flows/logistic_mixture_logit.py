"""Logistic CDF mixture followed by a logit (Flow++, Ho et al. 2019; Fig. 3)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from .base import ConditionedBijector, compute_dtype, sum_per_example
from .bisection import bisect


def _log_sigmoid(u):
    return -jax.nn.softplus(-u)


class LogisticMixtureLogit(ConditionedBijector):
    """``y = logit(F(x))`` with ``F(x) = Σ_k π_k σ((x - μ_k) / s_k)``, per element.

    Parameters per element: K mixture logits, K means and K log-scales, laid out as
    ``params[..., (t, c, k)]`` with ``t`` ∈ (logits, means, log-scales): ``3·K·C`` per pixel
    (Table 1's "3KC"). Log-scales are floored at ``min_log_scale`` (-7, as Flow++) so no component
    becomes a step.

    Numerics: ``log F`` and ``log(1 - F)`` are both evaluated in log space,
    ``logsumexp_k(log π_k + log σ(±u_k))`` with ``log σ(u) = -softplus(-u)``, and
    ``y = log F - log(1 - F)``. That is finite for every finite x, so there is no clipping of F
    to ``[ε, 1 - ε]`` (Flow++'s CDF squashing): such a clip would flatten the map in its tails
    and break invertibility, while the log-space logit stays exact and strictly increasing.

    Log-det: ``Σ [log p(x) - log F - log(1 - F)]`` with the mixture density
    ``p(x) = Σ_k π_k σ(u_k) σ(-u_k) / s_k``.

    Inverse: bisection (:func:`pacviz.flows.bisection.bisect`) on ``y(x) = z``. The bracket
    ``[min μ - s_max(|z| + 1), max μ + s_max(|z| + 1)]`` always contains the root (at its ends
    every component's CDF is beyond ``σ(±(|z| + 1))``). After ``bisection_iters`` (default 60)
    halvings its width is ``W₀·2⁻⁶⁰``: below 1e-6 for any initial width ``W₀ < 1e12``, and in
    practice limited only by the float spacing at the root (float32: ~1e-7·|x|). Bisection is for
    sampling; it passes no useful gradient.

    At θ = 0 (a zero-initialised conditioner) all components are σ(x), so ``y = x``: the identity.

    Args:
      channels: C.
      n_mixtures: K (5 PAC, 10 emerging, 16 RealNVP in the paper).
      min_log_scale: floor of the log-scales.
      bisection_iters: halvings in the inverse.
      rngs: unused (constructor convention).
    """

    def __init__(self, channels: int, *, n_mixtures: int, min_log_scale: float = -7.0,
                 bisection_iters: int = 60, rngs: nnx.Rngs | None = None):
        self.channels = channels
        self.n_mixtures = n_mixtures
        self.min_log_scale = min_log_scale
        self.bisection_iters = bisection_iters

    @property
    def num_params(self) -> int:
        return 3 * self.n_mixtures * self.channels

    def mixture(self, params):
        """``(log π, μ, log s)``, each ``(..., H, W, C, K)``."""
        p = params.reshape(params.shape[:-1] + (3, self.channels, self.n_mixtures))
        log_pi = jax.nn.log_softmax(p[..., 0, :, :], axis=-1)
        return log_pi, p[..., 1, :, :], jnp.maximum(p[..., 2, :, :], self.min_log_scale)

    def _logit_cdf(self, x, log_pi, means, log_scales):
        """``(y, log dy/dx)`` elementwise."""
        u = (x[..., None] - means) * jnp.exp(-log_scales)
        log_cdf = jax.nn.logsumexp(log_pi + _log_sigmoid(u), axis=-1)
        log_sf = jax.nn.logsumexp(log_pi + _log_sigmoid(-u), axis=-1)
        log_pdf = jax.nn.logsumexp(log_pi + _log_sigmoid(u) + _log_sigmoid(-u) - log_scales, axis=-1)
        return log_cdf - log_sf, log_pdf - log_cdf - log_sf

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        y, log_slope = self._logit_cdf(x, *self.mixture(params))
        return y, sum_per_example(log_slope)

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        dtype = compute_dtype(z, params)
        z = z.astype(dtype)
        log_pi, means, log_scales = self.mixture(params.astype(dtype))
        s_max = jnp.exp(jnp.max(log_scales, axis=-1))
        reach = s_max * (jnp.abs(z) + 1.0)
        lo = jnp.min(means, axis=-1) - reach
        hi = jnp.max(means, axis=-1) + reach
        fn = lambda x: self._logit_cdf(x, log_pi, means, log_scales)[0]  # noqa: E731
        x, _ = bisect(fn, z, lo, hi, self.bisection_iters)
        _, log_slope = self._logit_cdf(x, log_pi, means, log_scales)
        return x, -sum_per_example(log_slope)
