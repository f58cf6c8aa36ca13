"""Lay a grid of K×K blocks out as one image (NaN gaps between blocks), and back.

Kernels ``(C, K, K)`` and effective filters ``(Cout, Cin, K, K)`` are many small matrices; one
``imshow`` of their tiling is faster to draw than one axes per block, and the tests read the
blocks back with :func:`untile`.
"""

from __future__ import annotations

import numpy as np


def tile(blocks, gap: int = 1) -> np.ndarray:
    """``(R, S, K, L)`` blocks → a float ``(R·K + (R-1)·gap, S·L + (S-1)·gap)`` image, gaps NaN."""
    blocks = np.asarray(blocks, dtype=float)
    if blocks.ndim != 4:
        raise ValueError(f"blocks must have shape (rows, cols, K, L), got {blocks.shape}")
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    r, s, k, l = blocks.shape
    out = np.full((r * k + (r - 1) * gap, s * l + (s - 1) * gap), np.nan)
    for i in range(r):
        for j in range(s):
            out[i * (k + gap):i * (k + gap) + k, j * (l + gap):j * (l + gap) + l] = blocks[i, j]
    return out


def untile(image, rows: int, cols: int, block_shape: tuple[int, int], gap: int = 1) -> np.ndarray:
    """Inverse of :func:`tile`: a tiled image → ``(rows, cols, K, L)`` blocks."""
    image = np.asarray(image, dtype=float)
    k, l = block_shape
    expected = (rows * k + (rows - 1) * gap, cols * l + (cols - 1) * gap)
    if image.shape != expected:
        raise ValueError(f"a {rows}×{cols} tiling of {k}×{l} blocks has shape {expected}, got {image.shape}")
    out = np.empty((rows, cols, k, l))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = image[i * (k + gap):i * (k + gap) + k, j * (l + gap):j * (l + gap) + l]
    return out
