"""Pixel layouts: the flat colour-plane rows of CIFAR-10 and downsampled ImageNet ↔ NHWC."""

import numpy as np


def planes_to_nhwc(rows: np.ndarray, size: int) -> np.ndarray:
    """(N, 3·size²) rows holding the R, G and B planes one after another, each row-major,
    -> (N, size, size, 3)."""
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != 3 * size * size:
        raise ValueError(
            f"expected rows of 3·{size}² = {3 * size * size} values, got shape {rows.shape}"
        )
    return rows.reshape(-1, 3, size, size).transpose(0, 2, 3, 1)


def nhwc_to_planes(images: np.ndarray) -> np.ndarray:
    """(N, S, S, 3) -> (N, 3·S²), the inverse of `planes_to_nhwc`."""
    return np.ascontiguousarray(np.asarray(images).transpose(0, 3, 1, 2)).reshape(len(images), -1)
