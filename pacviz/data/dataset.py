"""The `Dataset` every loader returns: uint8 images, channels last, and their number of levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DATASETS = ("photos", "photos16", "digits", "cifar10", "imagenet32", "imagenet64")
EMBEDDED = ("photos", "photos16", "digits")  # shipped inside pacviz; the others are read from files
SPLITS = ("train", "test")


def check_split(split: str) -> str:
    """Return `split` if it is "train" or "test", else raise a ValueError saying so."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return split


@dataclass(frozen=True, repr=False)
class Dataset:
    """One split of an image dataset.

    images: uint8 (N, H, W, C), an in-memory array or a read-only `np.memmap`.
    num_levels: how many values a pixel can take (256 for photos, 17 for the 8×8 digits),
        the discretisation that bits/dim must use.
    labels: int (N,), 0-based class ids, or None where the data has none.
    sources: int (N,), which source each image was cut from, an index into `source_names`
        (for "photos": the photograph), or None where the data does not say.
    source_names: the names `sources` indexes, () where there are none.
    """

    name: str
    split: str
    images: np.ndarray
    num_levels: int = 256
    labels: np.ndarray | None = None
    sources: np.ndarray | None = None
    source_names: tuple[str, ...] = ()

    def __post_init__(self):
        if self.images.ndim != 4 or self.images.dtype != np.uint8:
            raise ValueError(
                f"{self.name}: images must be uint8 (N, H, W, C), "
                f"got {self.images.dtype} {self.images.shape}"
            )
        if not 2 <= self.num_levels <= 256:
            raise ValueError(f"{self.name}: num_levels must be in 2..256, got {self.num_levels}")
        if self.labels is not None and len(self.labels) != len(self.images):
            raise ValueError(
                f"{self.name}: {len(self.labels)} labels for {len(self.images)} images"
            )
        if self.sources is not None:
            self._check_sources()

    def _check_sources(self):
        if len(self.sources) != len(self.images):
            raise ValueError(f"{self.name}: {len(self.sources)} sources for {len(self.images)} images")
        if len(self.sources) and not 0 <= self.sources.min() <= self.sources.max() < len(self.source_names):
            raise ValueError(
                f"{self.name}: sources must index source_names (0..{len(self.source_names) - 1}), "
                f"got values {self.sources.min()}..{self.sources.max()}"
            )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C)."""
        return tuple(self.images.shape[1:])

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        h, w, c = self.image_shape
        return (
            f"Dataset({self.name!r}, split={self.split!r}, {len(self)} images of "
            f"{h}×{w}×{c}, num_levels={self.num_levels})"
        )
