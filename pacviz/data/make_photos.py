"""Build `assets/photos.npz`, the embedded "photos" dataset, from ten photographs.

The photographs ship inside scikit-learn, scikit-image and matplotlib (no download; credits
and licences in `PHOTOS` and assets/README.md). Each is cut into 32×32 crops at full size and
downscaled 2× and 4× by block averaging, on a grid whose stride is chosen per photo and scale
so that no photo contributes more than `MAX_CROPS` crops at a scale (a big photo does not
dominate); flat crops (e.g. the black corners around the retina) are dropped. The test split
is whole photographs that no training crop comes from (`TEST_PHOTOS`). Run from the
repository root; it needs scikit-learn, scikit-image, matplotlib and pillow (pacviz at run
time needs none of them, `pip install ".[build-data]"`):

    python -m pacviz.data.make_photos
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np


class Photo(NamedTuple):
    """One source photograph: its name, where it ships (package, path inside it), credit, licence."""

    name: str
    package: str
    path: str
    credit: str
    licence: str


CC_BY_2 = "CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/)"
PHOTOS = (
    Photo("china", "sklearn", "datasets/images/china.jpg",
          "danielbuechele, Flickr 6061409035", CC_BY_2),
    Photo("flower", "sklearn", "datasets/images/flower.jpg",
          "vultilion, Flickr 6056698931", CC_BY_2),
    Photo("astronaut", "skimage", "data/astronaut.png",
          "NASA (Eileen Collins), NASA Great Images", "public domain"),
    Photo("rocket", "skimage", "data/rocket.jpg",
          "SpaceX (DSCOVR launch on Falcon 9), Flickr 16511594820", "public domain"),
    Photo("hubble_deep_field", "skimage", "data/hubble_deep_field.jpg",
          "NASA/HubbleSite, release 2012-37 (eXtreme Deep Field)", "public domain"),
    Photo("immunohistochemistry", "skimage", "data/ihc.png",
          "Center for Microscopy And Molecular Imaging (CMMI)", "no known copyright restrictions"),
    Photo("retina", "skimage", "data/retina.jpg",
          "Mikael Häggström, Wikimedia Commons", "CC0 1.0 (public domain dedication)"),
    Photo("chelsea", "skimage", "data/chelsea.png", "Stefan van der Walt", "CC0"),
    Photo("coffee", "skimage", "data/coffee.png",
          "Rachel Michetti, courtesy of Pikolo Espresso Bar", "CC0"),
    Photo("grace_hopper", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg",
          "U.S. Navy (Commodore Grace M. Hopper), Naval History and Heritage Command",
          "public domain (work of the U.S. federal government)"),
)
# Whole photographs held out for testing: three everyday scenes unlike one another (a cat's
# fur, a cup on wood, an indoor portrait), each with a training photo of its kind (flower,
# china/rocket, astronaut); the scientific images (hubble, ihc, retina) stay in training.
TEST_PHOTOS = ("chelsea", "coffee", "grace_hopper")
SCALES = ((1, 16), (2, 12), (4, 6))  # (downscale factor, smallest stride after downscaling)
MAX_CROPS = (110, 70, 45)  # most crops one photo gives at each scale (grid thinned to fit)
MIN_CHANNEL_STD = 2.0  # a crop whose every channel varies less than this (levels) is flat: dropped
CROP = 32
OUTPUT = Path(__file__).parent / "assets" / "photos.npz"


def read_photo(photo: Photo) -> np.ndarray:
    """The photograph's pixels, uint8 (H, W, 3)."""
    from PIL import Image

    return np.asarray(Image.open(package_folder(photo.package) / photo.path).convert("RGB"))


def package_folder(package: str) -> Path:
    """Where `package` is installed, found without importing it (scikit-learn's import is slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(
            f"building photos.npz needs the photographs shipped in {package}: "
            'pip install ".[build-data]" (scikit-learn, scikit-image, matplotlib, pillow)'
        )
    return Path(spec.submodule_search_locations[0])


def downscale(image: np.ndarray, factor: int) -> np.ndarray:
    """(H, W, C) -> (H // factor, W // factor, C), each pixel the rounded mean of a
    factor×factor block, so pixel (i, j) depends only on source rows/columns
    [i·factor, (i+1)·factor) × [j·factor, (j+1)·factor)."""
    h, w, c = image.shape[0] // factor, image.shape[1] // factor, image.shape[2]
    blocks = image[: h * factor, : w * factor].reshape(h, factor, w, factor, c)
    total = blocks.sum(axis=(1, 3), dtype=np.int64)
    return ((total + factor**2 // 2) // factor**2).astype(np.uint8)


def grid_stride(height: int, width: int, stride: int, max_crops: int) -> int:
    """The smallest stride ≥ `stride` whose grid of CROP×CROP crops in a height×width image
    holds at most `max_crops` crops."""
    while ((height - CROP) // stride + 1) * ((width - CROP) // stride + 1) > max_crops:
        stride += 1
    return stride


def crop_grid(image: np.ndarray, factor: int, stride: int, max_crops: int):
    """Non-flat CROP×CROP crops of `image` downscaled by `factor`, on a grid of at most
    `max_crops` crops with stride ≥ `stride`.

    Returns crops uint8 (n, CROP, CROP, 3) and boxes int (n, 3): top, left, side of each
    crop in source pixels.
    """
    small = downscale(image, factor)
    stride = grid_stride(small.shape[0], small.shape[1], stride, max_crops)
    corners = [(top, left) for top in range(0, small.shape[0] - CROP + 1, stride)
               for left in range(0, small.shape[1] - CROP + 1, stride)]
    crops = np.stack([small[top : top + CROP, left : left + CROP] for top, left in corners])
    keep = crops.reshape(len(crops), -1, 3).std(axis=1).max(axis=1) >= MIN_CHANNEL_STD
    boxes = np.array([(top * factor, left * factor, CROP * factor) for top, left in corners])
    return crops[keep], boxes[keep]


def build() -> dict[str, np.ndarray]:
    """The arrays of photos.npz: "train"/"test" uint8 (n, 32, 32, 3); "train_boxes"/
    "test_boxes" int16 (n, 4) = (photo index, top, left, side) in source pixels; and per
    photo (indexed as in the boxes) "sources", "credits", "licences", "shapes" (H, W)."""
    pixels = [read_photo(photo) for photo in PHOTOS]
    arrays = {}
    for split in ("train", "test"):
        crops, boxes = [], []
        for index, (photo, image) in enumerate(zip(PHOTOS, pixels, strict=True)):
            if (photo.name in TEST_PHOTOS) != (split == "test"):
                continue
            for (factor, stride), max_crops in zip(SCALES, MAX_CROPS, strict=True):
                c, b = crop_grid(image, factor, stride, max_crops)
                crops.append(c)
                boxes.append(np.column_stack([np.full(len(b), index), b]))
        arrays[split] = np.concatenate(crops)
        arrays[f"{split}_boxes"] = np.concatenate(boxes).astype(np.int16)
    arrays["sources"] = np.array([photo.name for photo in PHOTOS])
    arrays["credits"] = np.array([photo.credit for photo in PHOTOS])
    arrays["licences"] = np.array([photo.licence for photo in PHOTOS])
    arrays["shapes"] = np.array([image.shape[:2] for image in pixels], dtype=np.int16)
    return arrays


def main() -> None:
    arrays = build()
    # grid order, not shuffled: neighbouring crops overlap, which deflate compresses well
    np.savez_compressed(OUTPUT, **arrays)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes): "
          f"{len(arrays['train'])} train crops, {len(arrays['test'])} test crops")
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"{split}_boxes"][:, 0], minlength=len(PHOTOS))
        print(f"  {split}: " + ", ".join(f"{p.name} {n}" for p, n in zip(PHOTOS, counts) if n))


if __name__ == "__main__":
    main()
