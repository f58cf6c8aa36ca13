"""Sample grids as PNG files."""

from __future__ import annotations

import math
from pathlib import Path

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


def save_grid(path, images, num_levels: int = 256, scale: int = 4):
    """Write :func:`image_grid` of ``images`` to ``path`` (PNG), each pixel ``scale``×``scale``."""
    import matplotlib.image

    grid = image_grid(images, num_levels)
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, grid)
    return path
