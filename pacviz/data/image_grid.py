"""``image_grid``: a batch of images tiled into one RGB picture, the one display form of every sample grid."""

from __future__ import annotations

import math

import numpy as np


def image_grid(images, num_levels: int = 256, columns: int | None = None, pad: int = 1):
    """Tile ``images (N, H, W, C)`` (integers in ``0..num_levels-1``) into one uint8 image
    ``(rows·(H+pad)-pad, columns·(W+pad)-pad, 3)``, rescaled to 0..255 and grey expanded to RGB."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C), got {images.shape}")
    n, h, w, c = images.shape
    scaled = np.round(images.astype(np.float64) * 255.0 / (num_levels - 1)).astype(np.uint8)
    if c == 1:
        scaled = np.repeat(scaled, 3, axis=-1)
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, 3), 255, np.uint8)
    for i in range(n):
        r, q = divmod(i, columns)
        grid[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = scaled[i, ..., :3]
    return grid


__all__ = ["image_grid"]
