"""The pixel adaptive convolution (Eq. 4)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import jax
import jax.numpy as jnp

from ._checks import check_image, check_kernel, check_weight, is_concrete
from .patches import pad_spatial, tap_view


def pac(x, weight, kernel=None, *, taps=None):
    """Pixel adaptive convolution (Eq. 4).

    ``PAC(W, k, x)[..., h, w, o] = sum_{i,u,v} Ψ(x)[..., h, w, i, u, v] · k[..., h, w, o, u, v] · W[u, v, i, o]``

    With ``kernel=None`` (k = 1) this is the plain convolution of Eq. 3. Masks enter by
    multiplying them into ``weight`` (channel masks) and ``kernel`` (per-location patch masks).

    How it is computed: taps first (:func:`pac_taps`). The kernel is laid out tap-major once,
    ``(K², N, H, W, Cout)``, and a ``lax.scan`` adds one shifted matmul ``Ψ(x)[..., u, v] @ W[u, v]``
    times its kernel plane per tap, skipping ``taps`` the masks zero. This never materialises
    ``Ψ(x)`` (K² times the input); the gradient is another scan that recomputes each tap's
    shifted input. With ``kernel=None`` it is ``lax.conv``.

    Args:
      x: ``(..., H, W, Cin)``.
      weight: ``(K, K, Cin, Cout)``.
      kernel: ``(..., H, W, Cout, K, K)`` (``Cout`` may be 1 to share across channels) or None.
      taps: the taps ``t = u·K + v`` to compute, when the kernel is known to be zero at all the
        others (a triangular mask: see :func:`live_taps`); None for all K².

    Returns:
      ``(..., H, W, Cout)``.
    """
    check_image(x)
    k = check_weight(weight, in_channels=jnp.shape(x)[-1])
    check_kernel(kernel, jnp.shape(x), k, jnp.shape(weight)[-1])
    h, w, c_in = x.shape[-3:]
    c_out = weight.shape[-1]
    if kernel is None and taps is None:  # k = 1: Eq. 3, the plain convolution
        dtype = jnp.result_type(x, weight)
        flat = jnp.reshape(x, (-1, h, w, c_in)).astype(dtype)
        out = jax.lax.conv_general_dilated(flat, weight.astype(dtype), (1, 1), "SAME",
                                           dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return out.reshape(x.shape[:-3] + (h, w, c_out))
    if kernel is None:
        kernel = jnp.ones((h, w, 1, k, k), jnp.result_type(weight))
    batch = jnp.broadcast_shapes(x.shape[:-3], kernel.shape[:-5])
    operands = tap_operands(weight, kernel, batch, jnp.result_type(x, weight, kernel), taps)
    flat = jnp.broadcast_to(x, batch + (h, w, c_in)).reshape((-1, h, w, c_in))
    return apply_taps(flat, operands).reshape(batch + (h, w, c_out))


class TapOperands(NamedTuple):
    """W and k laid out for :func:`pac_taps`, once, so repeated PACs (Jacobi) reuse them.

    ``weights (T, Cin, Cout)``, ``kernels (T, N, H, W, Cout or 1)`` for the listed ``taps``.
    """

    weights: jnp.ndarray
    kernels: jnp.ndarray
    kernel_size: int
    taps: tuple


def tap_operands(weight, kernel, batch, dtype, taps=None) -> TapOperands:
    """Lay out ``weight (K, K, Cin, Cout)`` and ``kernel (..., H, W, Cout, K, K)`` tap-major for ``batch``."""
    k = weight.shape[0]
    taps = tuple(range(k * k)) if taps is None else tuple(int(t) for t in taps)
    if taps and (min(taps) < 0 or max(taps) >= k * k):
        raise ValueError(f"taps must be tap indices t = u·K + v in 0..{k * k - 1}, got {taps}")
    index = np.asarray(taps, int)
    weights = tap_weights(weight)[index].astype(dtype)
    return TapOperands(weights, tap_major(kernel, batch)[index].astype(dtype), k, taps)


def apply_taps(x, operands: TapOperands):
    """The PAC of ``x (N, H, W, Cin)`` with prepared :class:`TapOperands`: ``(N, H, W, Cout)``."""
    x = x.astype(operands.weights.dtype)
    if not operands.taps:  # every tap masked out (a one-pixel image's Lower-PAC)
        return jnp.zeros(x.shape[:-1] + operands.weights.shape[-1:], x.dtype)
    return pac_taps(x, operands.weights, operands.kernels, operands.kernel_size, operands.taps)


def live_taps(spatial_mask):
    """The taps ``t = u·K + v`` where a spatial mask ``(H, W, K, K)`` is True at some pixel.

    The others contribute nothing, so a masked PAC can skip them (Upper- and Lower-PAC over an
    s-curve order each need 15 of 25). None when the mask is traced (then every tap is computed).
    """
    if not is_concrete(spatial_mask):
        return None
    m = np.asarray(spatial_mask)
    return tuple(int(t) for t in np.flatnonzero(m.reshape(-1, m.shape[-2] * m.shape[-1]).any(axis=0)))


def tap_weights(weight):
    """``W (K, K, Cin, Cout)`` as ``(K², Cin, Cout)``, tap ``t = u·K + v``."""
    k, _, c_in, c_out = weight.shape
    return jnp.reshape(weight, (k * k, c_in, c_out))


def tap_major(kernel, batch):
    """A kernel ``(..., H, W, C, K, K)`` broadcast to ``batch`` and laid out ``(K², N, H, W, C)``."""
    h, w, c, k = kernel.shape[-5], kernel.shape[-4], kernel.shape[-3], kernel.shape[-1]
    kern = jnp.broadcast_to(kernel, tuple(batch) + (h, w, c, k, k)).reshape((-1, h, w, c, k * k))
    return jnp.moveaxis(kern, -1, 0)


def pac_taps(x, weights, kernels, kernel_size: int, taps: tuple):
    """Eq. 4 on tap-major operands: ``sum_t (Ψ(x)[..., t] @ W_t) · k_t`` over the listed taps.

    One ``lax.scan`` over the taps, one tap per loop step. Its body is checkpointed: the
    gradient recomputes each tap's shifted input instead of saving T of them, which halves the
    backward pass's memory traffic (and stays differentiable forward, for dense Jacobians).

    Args:
      x: ``(N, H, W, Cin)``.
      weights: ``(T, Cin, Cout)``, rows of :func:`tap_weights`.
      kernels: ``(T, N, H, W, Cout or 1)``, rows of :func:`tap_major`.
      kernel_size: K.
      taps: the T tap indices ``t = u·K + v``.

    Returns:
      ``(N, H, W, Cout)``. All three arrays share one dtype.
    """
    n, h, w, _ = x.shape
    k = kernel_size
    padded = pad_spatial(x, k // 2)

    def add_tap(acc, tap):
        t, w_t, k_t = tap
        return acc + (tap_view(padded, t, k, h, w) @ w_t) * k_t, None

    init = jnp.zeros((n, h, w, weights.shape[-1]), x.dtype)
    body = jax.checkpoint(add_tap, prevent_cse=False)
    out, _ = jax.lax.scan(body, init, (jnp.asarray(taps), weights, kernels))  # unrolling: 3-5× the compile, no faster
    return out
