"""ActNorm with data-dependent initialisation (Kingma & Dhariwal 2018; Sec. 5.1; App. C.2)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from ..ops.nonlinearities import inverse_squareplus, squareplus
from .base import Bijector, check_image, compute_dtype


class ActNorm(Bijector):
    """Per-channel affine normalisation ``z = (x - b) / sp(s; γ)``.

    The scale is ``sp(s; γ)`` (squareplus, App. C.2), so it stays positive and a data-dependent
    init can set it to a batch's standard deviation through ``s = sp⁻¹(std)`` (Eq. 17).

    Log-det: ``-H·W·Σ_c log sp(s_c; γ)`` per example.

    Data-dependent init: while ``self.initialized`` is False, the next forward call first sets
    ``b`` to the per-channel mean of its input and ``sp(s)`` to ``sqrt(var + eps)`` (over all axes
    but the channels), so that call's output has zero mean and unit variance per channel; it
    then sets ``initialized = True``. Run the model forward once on the init batch (eagerly or
    inside ``nnx.jit``: the flag is a static attribute and ``nnx.jit`` carries its change out)
    before training. ``data_init=False`` starts initialised, at the identity.

    Args:
      channels: C.
      data_init: initialise from the first forward batch (default) or start at the identity.
      gamma: squareplus γ (App. C.1 default 0.5).
      eps: added to the batch variance so constant channels stay finite (1e-6).
    """

    def __init__(self, channels: int, *, data_init: bool = True, gamma: float = 0.5, eps: float = 1e-6,
                 param_dtype=jnp.float32):
        self.channels = channels
        self.gamma = gamma
        self.eps = eps
        self.bias = nnx.Param(jnp.zeros((channels,), param_dtype))
        # sp⁻¹(1) so an uninitialised ActNorm is the identity.
        self.raw_scale = nnx.Param(jnp.full((channels,), inverse_squareplus(1.0, gamma), param_dtype))
        self.initialized = not data_init

    def scale(self, dtype=None):
        """``(C,)``: the positive scale ``sp(s; γ)`` that the input is divided by."""
        raw = self.raw_scale[...]
        return squareplus(raw.astype(dtype or raw.dtype), self.gamma)

    def initialize(self, x):
        """Set bias and scale from the batch ``x (..., H, W, C)`` and mark the layer initialised."""
        axes = tuple(range(x.ndim - 1))
        x = jax.lax.stop_gradient(x)
        mean = jnp.mean(x, axis=axes)
        std = jnp.sqrt(jnp.var(x, axis=axes) + self.eps)
        self.bias[...] = mean.astype(self.bias[...].dtype)
        self.raw_scale[...] = inverse_squareplus(std, self.gamma).astype(self.raw_scale[...].dtype)
        self.initialized = True

    def _params(self, x):
        dtype = compute_dtype(x, self.bias[...])
        return self.bias[...].astype(dtype), self.scale(dtype)

    def _log_det(self, x, scale):
        h, w = x.shape[-3:-1]
        return jnp.broadcast_to(-h * w * jnp.sum(jnp.log(scale)), x.shape[:-3])

    def _check(self, x):
        check_image(x)
        if x.shape[-1] != self.channels:
            raise ValueError(f"ActNorm has {self.channels} channels; got input of shape {x.shape}")

    def forward_and_log_det(self, x, **ctx):
        self._check(x)
        if not self.initialized:
            self.initialize(x)
        bias, scale = self._params(x)
        return (x - bias) / scale, self._log_det(x, scale)

    def inverse_and_log_det(self, z, **ctx):
        self._check(z)
        bias, scale = self._params(z)
        return z * scale + bias, -self._log_det(z, scale)
