"""Fused variational dequantization and channel padding (Sec. 5.1; App. C.4 ``fused_dequantization_padding``)."""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from ..ops.flat_random import normal
from .chain import Chain


class DequantizationTerms(NamedTuple):
    """What :meth:`FusedDequantizationPadding.forward_terms` computes; log terms are ``(...)`` per example.

    ``z``: ``(..., H, W, P)``, the logit-space image and the padding channels.
    ``log_q``: ``log q(u, pad | x)``, the density of the dequantization noise and the padding.
    ``log_det_scale``: ``-H·W·C·log L`` for ``(x + u) → (x + u) / L``.
    ``log_det_logit``: of the scaled logit.
    ``u``: ``(..., H, W, C)``, the dequantization noise in (0, 1).
    """

    z: jnp.ndarray
    log_q: jnp.ndarray
    log_det_scale: jnp.ndarray
    log_det_logit: jnp.ndarray
    u: jnp.ndarray

    @property
    def log_det(self):
        """The ELBO's flow term: ``log p(x) >= log p_Z(z) + log_det`` in expectation over q."""
        return self.log_det_scale + self.log_det_logit - self.log_q


def _standard_normal_log_prob(e):
    return jnp.sum(-0.5 * (e * e + math.log(2.0 * math.pi)), axis=(-3, -2, -1))


def noise_key(rngs):
    """A key from the ``noise`` stream of ``rngs`` (or its ``default`` stream), with a clear error."""
    if rngs is None:
        raise ValueError("pass rngs= (to draw the noise) or noise=")
    if not isinstance(rngs, nnx.Rngs) or not ("noise" in rngs or "default" in rngs):
        raise ValueError(f"rngs must be an nnx.Rngs with a 'noise' stream, e.g. nnx.Rngs(noise=0); got {rngs!r}")
    return rngs.noise()


class FusedDequantizationPadding(nnx.Module):
    """Maps integer images ``x (..., H, W, C)`` to ``z (..., H, W, P)`` with a variational ELBO term.

    Steps (Sec. 5.1, App. C.4):

    1. features ``f = features(2x/(L-1) - 1)``: a conditioner with ``feature_channels`` outputs
       (App. C.4: 6 blocks, 3 channels), the ``aux`` of every layer below;
    2. ``ε ~ N(0, I)`` of shape ``(..., H, W, P)``; ``v = g(ε; f)`` through ``n_layers`` (4)
       main-flow layers with checkerboard splits, so
       ``log q(v | x) = log N(ε) - log|dv/dε|``. (The outline runs the main flow's inverse here; we
       run it forward: any bijection gives a valid q, and the forward pass needs no iterative
       inversion — no bisection, no Jacobi — during training.)
    3. split ``v = [v_d (C channels), pad (P - C)]``; ``u = σ(v_d) ∈ (0, 1)``, so
       ``log q(u, pad | x) = log q(v | x) - Σ log σ'(v_d)``;
    4. ``y = (x + u) / L`` with ``L = num_levels`` (log-det ``-H·W·C·log L``), then the scaled logit
       of RealNVP (Dinh et al. 2017) ``logit(λ + (1 - 2λ) y)``, λ = ``logit_margin`` = 0.05;
    5. ``z = concat(logit, pad)``.

    Then ``log P(x) >= E_q[log p_Z(z) + log_det_scale + log_det_logit - log q(u, pad | x)]``;
    :meth:`forward_and_log_det` returns ``(z, log_det_scale + log_det_logit - log_q)``, a sample
    of everything but ``log p_Z(z)``. Bits per dimension: ``-(log p_Z(z) + log_det) / (H·W·C·ln 2)``.

    Args:
      channels: C of the image (3 for RGB, 1 for grey).
      make_features: ``make_features(in_channels, out_channels, *, aux_channels, rngs)``, the
        feature network; e.g. ``partial(Conditioner, n_blocks=6, zero_init=False)`` (zero-init
        is for flows, which start at the identity; features should carry x from the start).
      make_layer: ``make_layer(channels, *, checkerboard, aux_channels, rngs) -> Bijector``: the
        main-flow layer class of the model, e.g. ``partial(MainFlowLayer, make_transformer=...,
        make_conditioner=partial(Conditioner, n_blocks=3))``; its forward takes ``aux=``.
      padded_channels: P >= C (default 2C: 6 for RGB).
      num_levels: L, pixel values are ``0 … L-1`` (256 for photos, 17 for the 8×8 digits).
      n_layers: main-flow layers in q (4).
      feature_channels: channels of f (3).
      logit_margin: λ.
      rngs: for the sub-networks.
    """

    def __init__(self, channels: int, *, make_features, make_layer, padded_channels: int | None = None,
                 num_levels: int = 256, n_layers: int = 4, feature_channels: int = 3,
                 logit_margin: float = 0.05, rngs: nnx.Rngs):
        padded_channels = 2 * channels if padded_channels is None else padded_channels
        if padded_channels < channels:
            raise ValueError(f"padded_channels ({padded_channels}) must be >= channels ({channels})")
        if num_levels < 2:
            raise ValueError(f"num_levels must be at least 2, got {num_levels}")
        if not 0.0 <= logit_margin < 0.5:
            raise ValueError(f"logit_margin must lie in [0, 0.5), got {logit_margin}")
        self.channels = channels
        self.padded_channels = padded_channels
        self.num_levels = num_levels
        self.logit_margin = logit_margin
        self.features = make_features(channels, feature_channels, aux_channels=None, rngs=rngs)
        self.flow = Chain([
            make_layer(padded_channels, checkerboard=True, aux_channels=feature_channels, rngs=rngs)
            for _ in range(n_layers)
        ])

    def forward_terms(self, x, *, rngs: nnx.Rngs | None = None, noise=None, dtype=jnp.float32):
        """All terms, with ``noise`` ε ``(..., H, W, P)`` given or drawn from ``rngs.noise()``.

        ``x`` holds integers in ``0 … L-1`` (any dtype); computation is in ``noise.dtype`` when
        noise is given, else ``dtype``.
        """
        if x.ndim < 3 or x.shape[-1] != self.channels:
            raise ValueError(f"x must have shape (..., H, W, {self.channels}), got {x.shape}")
        shape = x.shape[:-1] + (self.padded_channels,)
        if noise is None:
            noise = normal(noise_key(rngs), shape, dtype)
        elif noise.shape != shape:
            raise ValueError(f"noise must have shape {shape}, got {noise.shape}")
        x = x.astype(noise.dtype)
        levels = self.num_levels

        f = self.features(2.0 * x / (levels - 1) - 1.0)
        v, log_det_flow = self.flow.forward_and_log_det(noise, aux=f)
        v_d, pad = v[..., : self.channels], v[..., self.channels :]
        u = jax.nn.sigmoid(v_d)
        log_det_sigmoid = jnp.sum(-jax.nn.softplus(v_d) - jax.nn.softplus(-v_d), axis=(-3, -2, -1))
        log_q = _standard_normal_log_prob(noise) - log_det_flow - log_det_sigmoid

        y = (x + u) / levels
        num_dims = math.prod(x.shape[-3:])
        log_det_scale = jnp.full(x.shape[:-3], -num_dims * math.log(levels), noise.dtype)
        lam = self.logit_margin
        s = lam + (1.0 - 2.0 * lam) * y
        logit = jnp.log(s) - jnp.log1p(-s)
        log_det_logit = jnp.sum(math.log(1.0 - 2.0 * lam) - jnp.log(s) - jnp.log1p(-s), axis=(-3, -2, -1))

        z = jnp.concatenate([logit, pad], axis=-1)
        return DequantizationTerms(z, log_q, log_det_scale, log_det_logit, u)

    def forward_and_log_det(self, x, *, rngs: nnx.Rngs | None = None, noise=None, dtype=jnp.float32):
        """``(z, log_det_scale + log_det_logit - log q(u, pad | x))``; see :meth:`forward_terms`."""
        terms = self.forward_terms(x, rngs=rngs, noise=noise, dtype=dtype)
        return terms.z, terms.log_det

    def decode(self, z):
        """Integer image ``(..., H, W, C)`` (int32, in ``0 … L-1``) from ``z (..., H, W, P)``: undo the
        scaled logit and scaling, floor (the dequantization's left inverse); the padding is dropped."""
        s = jax.nn.sigmoid(z[..., : self.channels])
        y = (s - self.logit_margin) / (1.0 - 2.0 * self.logit_margin)
        return jnp.clip(jnp.floor(y * self.num_levels), 0, self.num_levels - 1).astype(jnp.int32)
