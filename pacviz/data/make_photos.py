"""Build `assets/photos.npz`, the embedded "photos" dataset, from two photographs.

The photographs are scikit-learn's sample images `china.jpg` and `flower.jpg` (427×640 RGB,
CC BY 2.0; see assets/README.md). Each is cut at column 480: 32×32 crops of the left part
(at full size and downscaled 2× and 4× by block averaging) form the train split, crops of the
right part the test split, so no test pixel is ever seen in training. Run once, from the
repository root (needs scikit-learn and pillow; pacviz at run time needs neither):

    python -m pacviz.data.make_photos
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SOURCES = ("china.jpg", "flower.jpg")
SPLIT_COLUMN = 480  # train: columns [0, 480), test: [480, 640); divisible by every factor
SCALES = ((1, 16), (2, 12), (4, 6))  # (downscale factor, stride between crops after downscaling)
CROP = 32
OUTPUT = Path(__file__).parent / "assets" / "photos.npz"


def read_photo(filename: str) -> np.ndarray:
    """One of scikit-learn's sample photographs, uint8 (427, 640, 3)."""
    from PIL import Image

    return np.asarray(Image.open(sklearn_images_folder() / filename).convert("RGB"))


def sklearn_images_folder() -> Path:
    """scikit-learn's sample-image folder, found without importing scikit-learn (slow)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ModuleNotFoundError("building photos.npz needs scikit-learn: pip install scikit-learn")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "images"


def downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """(H, W, C) -> (H // factor, W // factor, C), each pixel the rounded mean of a
    factor×factor block, so pixel (i, j) depends only on source rows/columns
    [i·factor, (i+1)·factor) × [j·factor, (j+1)·factor)."""
    h, w, c = image.shape[0] // factor, image.shape[1] // factor, image.shape[2]
    blocks = image[: h * factor, : w * factor].reshape(h, factor, w, factor, c)
    total = blocks.sum(axis=(1, 3), dtype=np.int64)
    return ((total + factor**2 // 2) // factor**2).astype(np.uint8)


def crop_grid(image: np.ndarray, factor: int, stride: int, columns: tuple[int, int]):
    """CROP×CROP crops of `image` downscaled by `factor`, on a grid of `stride`, lying
    inside source `columns` [begin, end).

    Returns crops uint8 (n, CROP, CROP, 3) and boxes int (n, 3): top, left, side of each
    crop in source pixels.
    """
    small = downscale(image, factor)
    begin, end = columns[0] // factor, columns[1] // factor
    tops = range(0, small.shape[0] - CROP + 1, stride)
    lefts = range(begin, end - CROP + 1, stride)
    crops = [small[top : top + CROP, left : left + CROP] for top in tops for left in lefts]
    boxes = [(top * factor, left * factor, CROP * factor) for top in tops for left in lefts]
    return np.stack(crops), np.array(boxes)


def build() -> dict[str, np.ndarray]:
    """The arrays of photos.npz: "train"/"test" uint8 (n, 32, 32, 3) and "train_boxes"/
    "test_boxes" int16 (n, 4) = (photo index, top, left, side) in source pixels."""
    photos = [read_photo(name) for name in SOURCES]
    width = photos[0].shape[1]
    arrays = {}
    for split, columns in (("train", (0, SPLIT_COLUMN)), ("test", (SPLIT_COLUMN, width))):
        crops, boxes = [], []
        for factor, stride in SCALES:
            for index, photo in enumerate(photos):
                c, b = crop_grid(photo, factor, stride, columns)
                crops.append(c)
                boxes.append(np.column_stack([np.full(len(b), index), b]))
        arrays[split] = np.concatenate(crops)
        arrays[f"{split}_boxes"] = np.concatenate(boxes).astype(np.int16)
    arrays["sources"] = np.array(SOURCES)
    arrays["split_column"] = np.array(SPLIT_COLUMN)
    return arrays


def main() -> None:
    arrays = build()
    # grid order, not shuffled: neighbouring crops overlap, which deflate compresses well
    np.savez_compressed(OUTPUT, **arrays)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes): "
          f"{len(arrays['train'])} train and {len(arrays['test'])} test crops")


if __name__ == "__main__":
    main()
