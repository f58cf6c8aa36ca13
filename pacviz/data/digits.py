"""The embedded "digits" dataset: scikit-learn's 8×8 handwritten digits, for fast smoke runs.

Pixels count the "on" pixels of 4×4 blocks of a 32×32 bitmap, so they take 17 values, 0..16:
`num_levels` is 17, which bits/dim must use. 1500 train and 297 test images, split once by a
fixed shuffle (`make_digits.py`). Source: the test set of the UCI "Optical Recognition of
Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0), as bundled with
scikit-learn (BSD-3-Clause).
"""

from __future__ import annotations

from .assets import read_asset
from .dataset import Dataset, check_split

FILENAME = "digits.npz"
NUM_LEVELS = 17


def load_digits(split: str = "train") -> Dataset:
    """The "digits" dataset: images uint8 (N, 8, 8, 1) in 0..16, labels (N,) in 0..9."""
    arrays = read_asset(FILENAME)
    images, labels = arrays[check_split(split)], arrays[f"{split}_labels"]
    return Dataset("digits", split, images, num_levels=NUM_LEVELS, labels=labels.astype(int))
