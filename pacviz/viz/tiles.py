"""Lay a grid of K×K blocks out as one image (NaN gaps between blocks), and back.

Kernels ``(C, K, K)`` and effective filters ``(Cout, Cin, K, K)`` are many small matrices; one
``imshow`` of their tiling is faster to draw than one axes per block, and the tests read the
blocks back with :func:`untile`.
"""

from __future__ import annotations

import numpy as np


def tile(blocks, gap: int = 1) -> np.ndarray:
    """``(R, S, Bh, Bw)`` blocks → a float ``(R·Bh + (R-1)·gap, S·Bw + (S-1)·gap)`` image, gaps NaN."""
    blocks = np.asarray(blocks, dtype=float)
    if blocks.ndim != 4:
        raise ValueError(f"blocks must have shape (rows, cols, Bh, Bw), got {blocks.shape}")
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    rows, cols, bh, bw = blocks.shape
    out = np.full((rows * bh + (rows - 1) * gap, cols * bw + (cols - 1) * gap), np.nan)
    for i in range(rows):
        for j in range(cols):
            out[i * (bh + gap):i * (bh + gap) + bh, j * (bw + gap):j * (bw + gap) + bw] = blocks[i, j]
    return out


def untile(image, rows: int, cols: int, block_shape: tuple[int, int], gap: int = 1) -> np.ndarray:
    """Inverse of :func:`tile`: a tiled image → ``(rows, cols, Bh, Bw)`` blocks."""
    image = np.asarray(image, dtype=float)
    bh, bw = block_shape
    expected = (rows * bh + (rows - 1) * gap, cols * bw + (cols - 1) * gap)
    if image.shape != expected:
        raise ValueError(f"a {rows}×{cols} tiling of {bh}×{bw} blocks has shape {expected}, got {image.shape}")
    out = np.empty((rows, cols, bh, bw))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = image[i * (bh + gap):i * (bh + gap) + bh, j * (bw + gap):j * (bw + gap) + bw]
    return out
