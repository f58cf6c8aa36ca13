"""An autoregressive order drawn by hand: the pixels clicked so far, then the rest in raster order."""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np


def custom_order(height: int, width: int, clicked: Sequence[tuple[int, int]]):
    """The order ``(H, W)`` (a permutation of ``1..H·W``, as Eq. 8 needs) for clicked pixels.

    The ``n`` clicked ``(row, col)`` pixels get ``1..n`` in click order; every other pixel gets
    the remaining numbers ``n+1..H·W`` in raster order (row by row).
    """
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be >= 1, got ({height}, {width})")
    order = np.zeros((height, width), np.int32)
    for n, (r, c) in enumerate(clicked, start=1):
        if not (0 <= r < height and 0 <= c < width):
            raise ValueError(f"pixel ({r}, {c}) lies outside the {height}×{width} image")
        if order[r, c]:
            raise ValueError(f"pixel ({r}, {c}) was clicked twice; each pixel gets one number")
        order[r, c] = n
    rest = order == 0
    order[rest] = np.arange(len(clicked) + 1, height * width + 1)  # boolean indexing is row-major
    return jnp.asarray(order)
