"""A PAC blur next to a plain blur: the pixel adaptive kernel (Eq. 6) keeps edges a convolution smears.

With ``W`` a box blur (``1/K²`` at every tap, channels kept apart), Eq. 4 with ``k = 1`` is a
plain blur, and with a selective ``k`` it averages only over neighbours whose features look
like the pixel's, like a bilateral filter. Both are divided by their own weight sums (the
result of blurring an image of ones), so flat regions keep their colour and only the edges
tell the two apart.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import pacviz as pv

from .example_layer import example_layer, unit_image


def box_blur_weight(kernel_size: int, channels: int, dtype=jnp.float32):
    """``(K, K, C, C)``: ``1/K²`` at every tap from channel i to output i, 0 across channels."""
    return jnp.einsum("uv,io->uvio", jnp.full((kernel_size, kernel_size), 1.0 / kernel_size**2, dtype),
                      jnp.eye(channels, dtype=dtype))


def step_edge(size: int = 24, colors=((0.15, 0.3, 0.8), (0.95, 0.6, 0.1)), noise: float = 0.03,
              seed: int = 0) -> np.ndarray:
    """``(size, size, 3)`` floats in [0, 1]: left half ``colors[0]``, right half ``colors[1]``, plus noise."""
    if size < 2:
        raise ValueError(f"size must be at least 2, got {size}")
    image = np.empty((size, size, 3), np.float32)
    image[:, : size // 2], image[:, size // 2:] = colors[0], colors[1]
    image += noise * np.random.default_rng(seed).standard_normal(image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0)


def edge_blurs(image, kernel_size: int = 5, *, lengthscale: float = 0.02, feature_scale: float = 1.0,
               num_levels: int = 256) -> dict[str, np.ndarray]:
    """The picture, its normalised convolution blur and its normalised PAC blur, all ``(H, W, C)`` in [0, 1].

    Args:
      image: ``(H, W, C)`` uint8 or floats in [0, 1]; its colours are the features f of Eq. 6.
      lengthscale: l of Eq. 6 (small: only near-identical colours are averaged).
    """
    unit = unit_image(image, num_levels)
    layer = example_layer(unit, kernel_size, sigma2=1.0, lengthscale=lengthscale, feature_scale=feature_scale)
    box = box_blur_weight(kernel_size, unit.shape[-1])
    ones = jnp.ones_like(unit)
    blurs = {"picture": unit}
    for name, kernel in (("convolution blur", None), ("PAC blur", layer.kernel)):
        blurs[name] = np.asarray(pv.pac(unit, box, kernel) / pv.pac(ones, box, kernel))
    return blurs
