"""The embedded "photos" dataset: CIFAR-shaped 32×32 RGB crops of ten real photographs.

Made by `make_photos.py` from photographs that ship inside scikit-learn (china, flower; CC BY
2.0), scikit-image (astronaut, rocket, hubble_deep_field, immunohistochemistry, retina,
chelsea, coffee; public domain or CC0) and matplotlib (grace_hopper; public domain); the
crops and downscaled copies are shipped under the photographs' licences (assets/README.md,
`photo_credits()`).

Crops at full size and downscaled 2× and 4×, at most 225 per photograph. Train: 1409 crops of
seven photographs plus their mirror images (2818). Test: 643 crops of three whole photographs
(chelsea, coffee, grace_hopper) that no training crop comes from. `Dataset.sources` says which
photograph each image was cut from. Far less varied than CIFAR-10 (ten scenes, some of them
microscope or telescope images), so its bits/dim are not comparable with CIFAR-10's.

"photos16" is the same images at 16×16 (each 2×2 block of pixels averaged), same splits and
sources: a quarter of the pixels per step, for comparisons that must reach a plateau on a CPU.
"""

from __future__ import annotations

import numpy as np

from dataclasses import replace

from .assets import read_asset
from .dataset import Dataset, check_split

FILENAME = "photos.npz"


def load_photo_crops(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The stored crops of `split`, without mirror images: uint8 (n, 32, 32, 3), and their
    boxes int16 (n, 4) = (photo index into `photo_credits()`, top, left, side) in source-photo pixels."""
    return crops_and_boxes(read_asset(FILENAME), split)


def crops_and_boxes(arrays: dict[str, np.ndarray], split: str) -> tuple[np.ndarray, np.ndarray]:
    """`split`'s crops and boxes out of the arrays of photos.npz."""
    return arrays[check_split(split)], arrays[f"{split}_boxes"]


def photo_credits() -> list[dict[str, str]]:
    """One record per source photograph, in photo-index order: name, split ("train"/"test"),
    credit and licence."""
    arrays = read_asset(FILENAME)
    test = set(arrays["test_boxes"][:, 0].tolist())
    return [dict(name=str(name), split="test" if index in test else "train", credit=str(credit),
                 licence=str(licence))
            for index, (name, credit, licence)
            in enumerate(zip(arrays["sources"], arrays["credits"], arrays["licences"], strict=True))]


def load_photos(split: str = "train") -> Dataset:
    """The "photos" dataset: images uint8 (N, 32, 32, 3), 256 levels; `sources` int (N,)
    indexes `source_names`, the photograph each image was cut from."""
    arrays = read_asset(FILENAME)
    crops, boxes = crops_and_boxes(arrays, split)
    sources = boxes[:, 0].astype(int)
    if split == "train":  # mirror images double the training set at no storage cost
        crops, sources = np.concatenate([crops, crops[:, :, ::-1]]), np.tile(sources, 2)
    names = tuple(str(name) for name in arrays["sources"])
    return Dataset("photos", split, crops, num_levels=256, sources=sources, source_names=names)


def half_size(images: np.ndarray) -> np.ndarray:
    """Each 2×2 block of pixels averaged, rounded half up: uint8 (N, H, W, C) -> (N, H/2, W/2, C)."""
    n, h, w, c = images.shape
    if h % 2 or w % 2:
        raise ValueError(f"half_size needs an even height and width, got {h}×{w}")
    sums = images.reshape(n, h // 2, 2, w // 2, 2, c).astype(np.uint16).sum(axis=(2, 4))
    return ((sums + 2) // 4).astype(np.uint8)


def load_photos16(split: str = "train") -> Dataset:
    """The "photos16" dataset: the "photos" images at half size, uint8 (N, 16, 16, 3), with the
    same splits, mirror images and `sources`."""
    full = load_photos(split)
    return replace(full, name="photos16", images=half_size(full.images))
