"""Downloading datasets where a network exists (the build machines have none).

    pacviz.data.download("cifar10")              # to default_root("cifar10")
    pacviz.data.download("cifar10", "~/data/cifar10")

Only CIFAR-10 can be fetched: downsampled ImageNet needs a login, so `download` says where
to put the files instead. "photos" and "digits" ship inside pacviz.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from .checksum import verify_checksum
from .dataset import DATASETS, EMBEDDED
from .paths import default_root

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_FILE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"  # published on the CIFAR page

IMAGENET_HOWTO = (
    "Downsampled ImageNet (Chrabaszcz et al. 2017) needs a login, so pacviz cannot fetch it: "
    "sign in at https://image-net.org, open Download, get the npz files of "
    "'Downsampled ImageNet {size}x{size}' (Imagenet{size}_train_npz… and Imagenet{size}_val_npz "
    "zips), unzip them and put train_data_batch_1.npz … train_data_batch_10.npz and "
    "val_data.npz in {folder} (one folder per image size, the names being the same)."
)


def download(name: str, folder: str | Path | None = None) -> Path:
    """Fetch dataset `name` into `folder` (default `default_root(name)`); return the folder.

    Embedded datasets need nothing and return the folder untouched; ImageNet raises a
    RuntimeError that says where to put the files by hand.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    folder = Path(folder).expanduser() if folder is not None else default_root(name)
    if name in EMBEDDED:
        return folder
    if name.startswith("imagenet"):
        raise RuntimeError(IMAGENET_HOWTO.format(size=name.removeprefix("imagenet"), folder=folder))
    folder.mkdir(parents=True, exist_ok=True)
    fetch_file(CIFAR10_URL, folder / CIFAR10_FILE, checksum=CIFAR10_MD5, algorithm="md5")
    return folder


def fetch_file(url: str, destination: str | Path, *, checksum: str, algorithm: str = "sha256") -> Path:
    """Download `url` to `destination` unless a file with the right checksum is already there.

    The data goes to `<destination>.partial` first and is renamed only once its checksum
    matches, so an interrupted or corrupted download never looks finished.
    """
    destination = Path(destination)
    if destination.is_file():
        verify_checksum(destination, checksum, algorithm)
        return destination
    partial = destination.with_name(destination.name + ".partial")
    try:
        urllib.request.urlretrieve(url, partial)
        verify_checksum(partial, checksum, algorithm)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return destination
