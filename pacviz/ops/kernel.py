"""The pixel adaptive kernel (Eq. 5–6)."""

from __future__ import annotations

import numpy as np
import jax.numpy as jnp

from ._checks import check_image, check_kernel_size


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
    h, w = f.shape[-3], f.shape[-2]
    # Features first, so each tap's sum over d adds whole (H, W) planes (vectorises well).
    planes = jnp.moveaxis(f, -1, -3)  # (..., F, H, W)
    padded = jnp.pad(planes, [(0, 0)] * (planes.ndim - 2) + [(k // 2, k // 2)] * 2)
    dist = [jnp.sum((planes - padded[..., u:u + h, v:v + w]) ** 2, axis=-3) for u in range(k) for v in range(k)]
    return jnp.stack(dist, axis=-1).reshape(dist[0].shape + (k, k))

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
