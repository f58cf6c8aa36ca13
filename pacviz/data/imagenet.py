"""Downsampled ImageNet 32×32 and 64×64 (Chrabaszcz et al. 2017) from its npz files.

`root` holds train_data_batch_1.npz … train_data_batch_10.npz and val_data.npz, each with
"data" (N, 3·s²) uint8 (R, G, B planes, row-major), "labels" (N,) in 1..1000 and "mean".
ImageNet 64 train is 15 GB of pixels, so the first load converts a split once, batch file by
batch file, into `<split>_<s>x<s>.npy` (NHWC) plus `<split>_<s>x<s>_labels.npy` in `root`;
every load then memory-maps it. Delete those two files to rebuild them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .dataset import Dataset, check_split
from .download import IMAGENET_HOWTO
from .layout import planes_to_nhwc
from .paths import missing_files_error

SIZES = (32, 64)
TRAIN_FILES = tuple(f"train_data_batch_{i}.npz" for i in range(1, 11))
TEST_FILES = ("val_data.npz",)
_CHUNK = 8192  # rows converted at a time, bounding the memory of a transposed copy


def load_imagenet(root: str | Path, size: int, split: str = "train") -> Dataset:
    """Downsampled ImageNet `split` ("test" is val_data.npz): images a read-only memmap
    uint8 (N, size, size, 3); labels (N,) 0-based (the files store 1..1000)."""
    if size not in SIZES:
        raise ValueError(f"downsampled ImageNet comes in sizes {SIZES}, got {size}")
    root = Path(root).expanduser()
    images_path, labels_path = _cache_paths(root, size, check_split(split))
    if not (images_path.is_file() and labels_path.is_file()):
        files = [root / name for name in (TRAIN_FILES if split == "train" else TEST_FILES)]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            howto = IMAGENET_HOWTO.format(size=size, folder=root)
            raise missing_files_error(f"ImageNet {size}×{size} ({split})", root, missing, howto)
        _convert(files, size, images_path, labels_path)
    images = np.load(images_path, mmap_mode="r")
    labels = np.load(labels_path)
    return Dataset(f"imagenet{size}", split, images, num_levels=256, labels=labels)


def _cache_paths(root: Path, size: int, split: str) -> tuple[Path, Path]:
    stem = f"{split}_{size}x{size}"
    return root / f"{stem}.npy", root / f"{stem}_labels.npy"


def _convert(files: list[Path], size: int, images_path: Path, labels_path: Path) -> None:
    """Write the .npy cache of `files`, under temporary names renamed at the end, so an
    interrupted conversion leaves no half-written cache behind."""
    tmp_images = images_path.with_name(images_path.stem + ".partial.npy")
    tmp_labels = labels_path.with_name(labels_path.stem + ".partial.npy")
    try:
        labels = _write_images(files, size, tmp_images)
        np.save(tmp_labels, labels)
    except BaseException:
        tmp_images.unlink(missing_ok=True)
        tmp_labels.unlink(missing_ok=True)
        raise
    os.replace(tmp_labels, labels_path)
    os.replace(tmp_images, images_path)


def _write_images(files: list[Path], size: int, path: Path) -> np.ndarray:
    """Fill an NHWC uint8 .npy at `path` from the batch files, one file in memory at a time;
    return the labels, 0-based int16 (N,)."""
    counts = [_rows_in(f) for f in files]
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(sum(counts), size, size, 3))
    labels, start = [], 0
    for file, count in zip(files, counts, strict=True):
        with np.load(file) as batch:
            data, batch_labels = batch["data"], np.asarray(batch["labels"], np.int64)
        if data.shape[1] != 3 * size * size:
            side = round((data.shape[1] / 3) ** 0.5)
            raise ValueError(
                f"{file} holds {side}×{side} images, not {size}×{size}: point the "
                f"imagenet{size} loader at the folder of the {size}×{size} files"
            )
        if batch_labels.min() < 1:
            raise ValueError(f"{file}: labels must be 1-based (1..1000), found {batch_labels.min()}")
        for i in range(0, count, _CHUNK):
            stop = min(i + _CHUNK, count)
            out[start + i : start + stop] = planes_to_nhwc(data[i:stop], size)
        labels.append(batch_labels - 1)
        start += count
    out.flush()
    return np.concatenate(labels).astype(np.int16)


def _rows_in(path: Path) -> int:
    """Number of images in a batch file, read from the .npy header inside the npz (cheap)."""
    try:
        return _rows_in_npz(path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise ValueError(f"{path} is not a downsampled-ImageNet .npz batch holding data.npy ({type(err).__name__}: "
                         f"{err}); download it again") from None


def _rows_in_npz(path: Path) -> int:
    with zipfile.ZipFile(path) as archive, archive.open("data.npy") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, _ = np.lib.format.read_array_header_1_0(f)
        else:
            shape, _, _ = np.lib.format.read_array_header_2_0(f)
    return shape[0]
