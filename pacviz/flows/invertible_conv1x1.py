"""Invertible 1×1 convolution with weight normalisation (Kingma & Dhariwal 2018; Sec. 5.1; App. C.4)."""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from .base import Bijector, check_image, compute_dtype


class InvertibleConv1x1(Bijector):
    """``z[..., h, w, :] = W x[..., h, w, :]`` with a learned, weight-normalised ``W (C, C)``.

    Weight norm (App. C.4 "OneByOneConv(z, weight_norm=True)"; Salimans & Kingma 2016) here means
    each output row of ``W`` is a direction times a gain: ``W[o, :] = g[o] · V[o, :] / ‖V[o, :]‖``.
    The gains carry the row scales and the directions only where each row points, so
    ``log|det W| = Σ_o log|g_o| + log|det V̂|`` with ``V̂`` the row-normalised ``V``. ``V`` starts
    as a random orthogonal matrix and ``g = 1``, so ``W`` starts orthogonal: perfectly
    conditioned, log-det 0 (the flow starts as a rotation of the identity).

    Log-det: ``H·W·log|det W|`` per example. Inverse: ``x = W⁻¹ z``.

    Args:
      channels: C.
      rngs: draws the orthogonal ``V`` (``rngs.params()``).
    """

    def __init__(self, channels: int, *, rngs: nnx.Rngs, param_dtype=jnp.float32):
        self.channels = channels
        self.direction = nnx.Param(nnx.initializers.orthogonal()(rngs.params(), (channels, channels), param_dtype))
        self.gain = nnx.Param(jnp.ones((channels,), param_dtype))

    def weight(self, dtype=None):
        """``(C_out, C_in)``: ``g[:, None] · V / ‖V‖_row``."""
        v, g = self.direction[...], self.gain[...]
        dtype = dtype or v.dtype
        v, g = v.astype(dtype), g.astype(dtype)
        return g[:, None] * v / jnp.linalg.norm(v, axis=1, keepdims=True)

    def _weight_and_log_det(self, x):
        check_image(x)
        if x.shape[-1] != self.channels:
            raise ValueError(f"InvertibleConv1x1 has {self.channels} channels; got input of shape {x.shape}")
        w = self.weight(compute_dtype(x, self.direction[...]))
        h, wd = x.shape[-3:-1]
        log_det = h * wd * jnp.linalg.slogdet(w)[1]
        return w, jnp.broadcast_to(log_det, x.shape[:-3])

    def forward_and_log_det(self, x, **ctx):
        w, log_det = self._weight_and_log_det(x)
        return jnp.einsum("...i,oi->...o", x, w), log_det

    def inverse_and_log_det(self, z, **ctx):
        w, log_det = self._weight_and_log_det(z)
        return jnp.einsum("...o,io->...i", z, jnp.linalg.inv(w)), -log_det
