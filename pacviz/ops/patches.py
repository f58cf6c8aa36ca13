"""Ψ: the K×K patch around every pixel (Eq. 2), and convolution as a product with it (Eq. 3)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._checks import check_image, check_kernel_size, check_weight


def pad_spatial(x, pad: int, value=0):
    """Pad the H and W axes of ``x (..., H, W, C)`` by ``pad`` on each side."""
    widths = [(0, 0)] * (x.ndim - 3) + [(pad, pad), (pad, pad), (0, 0)]
    return jnp.pad(x, widths, constant_values=value)


def psi(x, kernel_size: int):
    """Extract the zero-padded ``K×K`` patch around every pixel (Eq. 2).

    ``Ψ(x)[..., h, w, i, u, v] = x[..., h + u - p, w + v - p, i]`` with ``p = K // 2`` and zeros
    outside the image.

    Floating-point inputs go through one ``lax.conv_general_dilated_patches`` (a single op whose
    gradient is a convolution: fast to compile); integer inputs (orders) through K² slices.

    Args:
      x: ``(..., H, W, C)``, any dtype (orders are integers).
      kernel_size: odd ``K``.

    Returns:
      ``(..., H, W, C, K, K)``.
    """
    check_image(x)
    k = check_kernel_size(kernel_size)
    x = jnp.asarray(x)
    h, w, c = x.shape[-3:]
    if jnp.issubdtype(x.dtype, jnp.inexact):
        flat = x.reshape((-1, h, w, c))
        patches = jax.lax.conv_general_dilated_patches(
            flat, (k, k), (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        # The features come channel-major: (C, K, K) flattened.
        return patches.reshape(x.shape + (k, k))
    xp = pad_spatial(x, k // 2)
    taps = [[xp[..., u:u + h, v:v + w, :] for v in range(k)] for u in range(k)]
    return jnp.stack([jnp.stack(row, axis=-1) for row in taps], axis=-2)


def tap_view(padded, tap, kernel_size: int, height: int, width: int):
    """Tap ``t = u·K + v`` of Ψ without building Ψ: ``padded[:, u:u+H, v:v+W, :]``.

    ``padded`` is ``(N, H + 2p, W + 2p, C)`` (see :func:`pad_spatial`); ``tap`` may be traced
    (a ``lax.scan`` index), so one loop body serves all K² taps: small graphs, fast compiles.
    Returns ``(N, H, W, C)``, equal to ``Ψ(x)[..., u, v]``.
    """
    n, c = padded.shape[0], padded.shape[-1]
    return jax.lax.dynamic_slice(padded, (0, tap // kernel_size, tap % kernel_size, 0), (n, height, width, c))


def conv_as_patch_product(x, weight):
    """The convolution ``W * x`` as ``Ψ(x) · W`` (Eq. 3).

    Args:
      x: ``(..., H, W, Cin)``.
      weight: ``(K, K, Cin, Cout)`` (HWIO, as ``lax.conv``).

    Returns:
      ``(..., H, W, Cout)``: ``sum_{i,u,v} Ψ(x)[..., h, w, i, u, v] · W[u, v, i, o]``.
    """
    check_image(x)
    k = check_weight(weight, in_channels=jnp.shape(x)[-1])
    return jnp.einsum("...hwiuv,uvio->...hwo", psi(x, k), weight)
