"""How pixel adaptive a kernel is: how far its taps fall below the centre (Eq. 6).

``k[u, v] / σ² = exp(-D[u, v] / 2l)`` is 1 where a neighbour's features equal the pixel's and
falls towards 0 for different ones, so ``1 − min k/σ²`` is 0 for a flat kernel (a plain
convolution scaled by σ²) and near 1 for one that shuts some neighbours out, e.g. at an edge.
"""

from __future__ import annotations

import numpy as np


def kernel_selectivity(kernel) -> np.ndarray:
    """``(..., K, K)`` kernels → ``(...)``: ``1 − min_uv k[u, v] / k[centre]``, in [0, 1]."""
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim < 2 or kernel.shape[-1] != kernel.shape[-2] or kernel.shape[-1] % 2 == 0:
        raise ValueError(f"kernel must be (..., K, K) with K odd, got shape {kernel.shape}")
    c = kernel.shape[-1] // 2
    centre = kernel[..., c, c]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = kernel.min(axis=(-2, -1)) / centre
    return np.where(centre > 0, 1.0 - ratio, 0.0)


def edge_and_flat_pixels(kernel) -> tuple[tuple[int, int], tuple[int, int], np.ndarray]:
    """The most and the least selective pixel of one kernel map, away from the border.

    Args:
      kernel: ``(H, W, K, K)``, one image's kernels for one output channel.

    Returns:
      ``(edge, flat, selectivity)``: ``(row, col)`` of the most selective kernel, of the flattest,
      and the ``(H, W)`` selectivity map (NaN within ``K // 2`` of the border, where the zero
      padding of Ψ(f), not the picture, would make kernels look selective).
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be (H, W, K, K), got shape {kernel.shape}")
    h, w, k, _ = kernel.shape
    m = k // 2
    if h <= 2 * m or w <= 2 * m:
        raise ValueError(f"a {h}×{w} map has no pixel at least {m} from the border for K = {k}")
    selectivity = np.full((h, w), np.nan)
    selectivity[m:h - m, m:w - m] = kernel_selectivity(kernel[m:h - m, m:w - m])
    edge = np.unravel_index(np.nanargmax(selectivity), selectivity.shape)
    flat = np.unravel_index(np.nanargmin(selectivity), selectivity.shape)
    return (int(edge[0]), int(edge[1])), (int(flat[0]), int(flat[1])), selectivity
