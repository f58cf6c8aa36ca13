"""The embedded "photos" dataset: CIFAR-shaped 32×32 RGB crops of two real photographs.

Made by `make_photos.py` from scikit-learn's sample images china.jpg (by danielbuechele)
and flower.jpg (by vultilion), both from Flickr under CC BY 2.0
(https://creativecommons.org/licenses/by/2.0/); the crops and downscaled copies are
adaptations of them, shipped under the same licence (see assets/README.md).

Train: 2416 crops of the left 3/4 of each photo at full size and downscaled 2× and 4×, plus
their mirror images (4832). Test: 662 crops of the right 1/4, never mirrored. Train and test
share no source pixel. A natural-image stand-in for CIFAR-10 that needs no download; being
two photographs, it is far less varied, so its bits/dim are not comparable with CIFAR-10's.
"""

from __future__ import annotations

import numpy as np

from .assets import read_asset
from .dataset import Dataset, check_split

FILENAME = "photos.npz"


def load_photo_crops(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The stored crops of `split`, without mirror images: uint8 (n, 32, 32, 3), and their
    boxes int16 (n, 4) = (photo index, top, left, side) in source-photo pixels."""
    arrays = read_asset(FILENAME)
    return arrays[check_split(split)], arrays[f"{split}_boxes"]


def load_photos(split: str = "train") -> Dataset:
    """The "photos" dataset: images uint8 (N, 32, 32, 3), 256 levels."""
    crops, _ = load_photo_crops(split)
    if split == "train":  # mirror images double the training set at no storage cost
        crops = np.concatenate([crops, crops[:, :, ::-1]])
    return Dataset("photos", split, crops, num_levels=256)
