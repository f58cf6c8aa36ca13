"""The pixel adaptive kernel (Eq. 5–6)."""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp

from ._checks import check_image, check_kernel_size
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
    dist = feature_distances(f, k)[..., None, :, :]  # (..., H, W, 1, K, K)
    return sigma2[..., None, None] * jnp.exp(-dist / (2.0 * lengthscale[..., None, None]))
