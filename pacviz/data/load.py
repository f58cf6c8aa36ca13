"""`load_dataset(name)`: one entry point for every dataset pacviz knows.

    ds = load_dataset("photos")                          # embedded, works offline
    ds = load_dataset("cifar10", root="~/data/cifar10", split="test")
"""

from __future__ import annotations

from pathlib import Path

from .cifar10 import load_cifar10
from .dataset import DATASETS, Dataset, check_split
from .digits import load_digits
from .imagenet import load_imagenet
from .paths import default_root
from .photos import load_photos, load_photos16


def load_dataset(name: str, *, root: str | Path | None = None, split: str = "train") -> Dataset:
    """Dataset `name` (one of DATASETS), split "train" or "test".

    "photos", "photos16" and "digits" ship inside pacviz and ignore `root`; the others are read from
    `root`, by default `default_root(name)` (`$PACVIZ_DATA/<name>` or `~/.cache/pacviz/<name>`).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    check_split(split)
    if name == "photos":
        return load_photos(split)
    if name == "photos16":
        return load_photos16(split)
    if name == "digits":
        return load_digits(split)
    root = Path(root).expanduser() if root is not None else default_root(name)
    if name == "cifar10":
        return load_cifar10(root, split)
    return load_imagenet(root, int(name.removeprefix("imagenet")), split)
