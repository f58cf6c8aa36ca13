"""A PAC layer built from a picture, so the tutorial's figures show a real image.

The features f are the picture's own colours (Eq. 6 compares feature vectors), σ² and l are
the same at every pixel, and W starts near the identity (a well-conditioned layer; see
``pv.near_identity_weight``).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv


class ExampleLayer(NamedTuple):
    """Inputs of one PAC layer (shapes for an ``(H, W, C)`` picture and kernel size K).

    x: ``(H, W, C)``, the picture scaled to [-1, 1].
    features: ``(H, W, C)``, f of Eq. 6: the picture scaled to [0, 1] times ``feature_scale``.
    sigma2, lengthscale: ``(H, W, C)``, σ² and l of Eq. 6.
    weight: ``(K, K, C, C)``, W of Eq. 4.
    kernel: ``(H, W, C, K, K)``, ``pv.pac_kernel(features, sigma2, lengthscale, K)``.
    """

    x: jnp.ndarray
    features: jnp.ndarray
    sigma2: jnp.ndarray
    lengthscale: jnp.ndarray
    weight: jnp.ndarray
    kernel: jnp.ndarray


def unit_image(image, num_levels: int = 256) -> np.ndarray:
    """A picture as floats in [0, 1]: integer images are divided by ``num_levels - 1``."""
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W, C), got shape {image.shape}")
    if np.issubdtype(image.dtype, np.integer):
        if num_levels < 2:
            raise ValueError(f"num_levels must be >= 2, got {num_levels}")
        return image.astype(np.float32) / (num_levels - 1)
    return image.astype(np.float32)


def example_layer(image, kernel_size: int = 5, *, feature_scale: float = 1.0, sigma2: float = 0.8,
                  lengthscale: float = 0.5, weight_scale: float = 0.02, num_levels: int = 256,
                  seed: int = 0, dtype=jnp.float32) -> ExampleLayer:
    """A PAC layer whose features are the colours of ``image (H, W, C)`` (uint8 or floats in [0, 1])."""
    if sigma2 <= 0 or lengthscale <= 0:
        raise ValueError(f"sigma2 and lengthscale must be positive, got {sigma2} and {lengthscale}")
    unit = jnp.asarray(unit_image(image, num_levels), dtype)
    h, w, c = unit.shape
    features = unit * feature_scale
    s2 = jnp.full((h, w, c), sigma2, dtype)
    ls = jnp.full((h, w, c), lengthscale, dtype)
    weight = pv.near_identity_weight(jax.random.PRNGKey(seed), c, kernel_size, weight_scale, dtype=dtype)
    kernel = pv.pac_kernel(features, s2, ls, kernel_size)
    return ExampleLayer(2 * unit - 1, features, s2, ls, weight, kernel)
