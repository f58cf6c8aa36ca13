"""The pictures the explorers start from, taken from pacviz's embedded datasets (no download)."""

from __future__ import annotations

import numpy as np

from .example_layer import unit_image

DEFAULT_PHOTO = 398  # a test crop of a white cup's rim on an orange saucer: kernels differ across its edges


def default_photo(index: int = DEFAULT_PHOTO) -> np.ndarray:
    """A 32×32 RGB crop of the embedded "photos" test set, uint8 ``(32, 32, 3)``."""
    from pacviz.data import load_dataset
    return load_dataset("photos", split="test").images[index]


def default_digit(index: int = 0) -> np.ndarray:
    """An 8×8 handwritten digit of the embedded "digits" test set in [0, 1], float ``(8, 8, 1)``."""
    from pacviz.data import load_dataset
    ds = load_dataset("digits", split="test")
    return unit_image(ds.images[index], ds.num_levels)


def block_average(image, size: int) -> np.ndarray:
    """Shrink ``(H, W, C)`` to ``(size, size, C)`` by averaging blocks (H, W multiples of size), else crop."""
    image = np.asarray(image, dtype=np.float32)
    h, w, c = image.shape
    if size < 1 or size > min(h, w):
        raise ValueError(f"size must lie in 1..{min(h, w)}, got {size}")
    if h % size or w % size:
        return image[:size, :size]
    return image.reshape(size, h // size, size, w // size, c).mean(axis=(1, 3))
