"""The pixel adaptive kernel (Eq. 5–6)."""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp

from ._checks import check_image, check_kernel_size, check_positive
from .patches import pad_spatial, tap_view


def feature_distances(f, kernel_size: int):
    """Squared feature distance from every pixel to each neighbour in its patch.

    ``D[..., h, w, u, v] = sum_d (f[..., h, w, d] - Ψ(f)[..., h, w, d, u, v])**2``; neighbours
    outside the image are the zero vector (Ψ pads with zeros).

    Args:
      f: features ``(..., H, W, F)``.

    Returns:
      ``(..., H, W, K, K)``.
    """
    k = check_kernel_size(kernel_size)
    h, w, f_dim = f.shape[-3:]
    flat = f.reshape((-1, h, w, f_dim))
    padded = pad_spatial(flat, k // 2)

    def distance(_, tap):  # one tap at a time (a scan): small graph, no Ψ(f) in memory
        diff = flat - tap_view(padded, tap, k, h, w)
        return None, jnp.sum(diff * diff, axis=-1)

    _, dist = jax.lax.scan(distance, None, jnp.arange(k * k))  # (K², N, H, W)
    return jnp.moveaxis(dist, 0, -1).reshape(f.shape[:-1] + (k, k))

def pac_kernel(f, sigma2, lengthscale, kernel_size: int):
    """The squared-exponential pixel adaptive kernel, Eq. 6 as written (the lengthscale divides).

    ``k[..., h, w, o, u, v] = sigma2[..., h, w, o] * exp(-D[..., h, w, u, v] / (2 * lengthscale[..., h, w, o]))``
    with ``D`` from :func:`feature_distances`. At the centre tap ``D = 0``, so ``k = sigma2``.

    Args:
      f: features ``(..., H, W, F)``.
      sigma2: variances ``(..., H, W, C)``, positive.
      lengthscale: ``(..., H, W, C)``, positive.
      kernel_size: odd ``K``.

    Returns:
      ``(..., H, W, C, K, K)``.
    """
    check_image(f, "f")
    check_image(sigma2, "sigma2")
    check_image(lengthscale, "lengthscale")
    check_positive("sigma2", sigma2)
    check_positive("lengthscale", lengthscale)
    k = check_kernel_size(kernel_size)
    if np.shape(sigma2) != np.shape(lengthscale):
        raise ValueError(
            f"sigma2 and lengthscale must have the same shape (..., H, W, C); got {np.shape(sigma2)} "
            f"and {np.shape(lengthscale)}"
        )
    if np.shape(f)[-3:-1] != np.shape(sigma2)[-3:-1]:
        raise ValueError(
            f"f (..., H, W, F) and sigma2 (..., H, W, C) must share H and W; got {np.shape(f)} and {np.shape(sigma2)}"
        )
    h, w = np.shape(f)[-3:-1]
    c = np.shape(sigma2)[-1]
    batch = jnp.broadcast_shapes(np.shape(f)[:-3], np.shape(sigma2)[:-3])
    dtype = jnp.result_type(f, sigma2, lengthscale)

    def flat(a):
        return jnp.broadcast_to(a, batch + np.shape(a)[-3:]).reshape((-1, h, w, np.shape(a)[-1])).astype(dtype)

    taps = kernel_taps(flat(f), flat(sigma2), flat(lengthscale), k)  # (K², N, H, W, C)
    return jnp.moveaxis(taps, 0, -1).reshape(batch + (h, w, c, k, k))


def kernel_taps(f, sigma2, lengthscale, k: int):
    """Eq. 6 tap-major: ``k_t = sigma2 · exp(-D_t / (2 · lengthscale))``, one scan over taps.

    The exponential is taken inside the scan, so the gradient accumulates ``∂sigma2`` and
    ``∂lengthscale`` tap by tap in the loop's carry instead of reducing a ``(K², N, H, W, C)``
    array over its leading axis (slow on CPU); the body is checkpointed, so the gradient
    recomputes each tap's feature differences instead of saving ``K²·F`` numbers per pixel.

    Args:
      f: ``(N, H, W, F)``; sigma2, lengthscale: ``(N, H, W, C)``, one dtype.
      k: odd kernel size K.

    Returns:
      ``(K², N, H, W, C)``, tap ``t = u·K + v``.
    """
    h, w = f.shape[1:3]
    padded = pad_spatial(f, k // 2)
    inv = 0.5 / lengthscale

    def tap(_, t):
        diff = f - tap_view(padded, t, k, h, w)
        return None, sigma2 * jnp.exp(-jnp.sum(diff * diff, axis=-1, keepdims=True) * inv)

    return jax.lax.scan(jax.checkpoint(tap, prevent_cse=False), None, jnp.arange(k * k), unroll=k)[1]
