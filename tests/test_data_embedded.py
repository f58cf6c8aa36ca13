"""The datasets shipped inside pacviz: shapes, levels, and a train/test split with no shared pixel."""

import importlib.util

import numpy as np
import pytest

from pacviz.data import load_dataset, load_photo_crops


@pytest.mark.parametrize("split", ["train", "test"])
def test_photos_are_cifar_shaped_uint8_with_256_levels(split):
    ds = load_dataset("photos", split=split)
    assert ds.images.dtype == np.uint8 and ds.image_shape == (32, 32, 3)
    assert ds.num_levels == 256 and ds.name == "photos" and ds.split == split
    assert len(ds) > (4000 if split == "train" else 500)
    assert ds.images.min() == 0 and ds.images.max() == 255  # real photos use the full range


def test_photos_train_holds_each_crop_and_its_mirror_image():
    crops, _ = load_photo_crops("train")
    images = load_dataset("photos").images
    np.testing.assert_array_equal(images[: len(crops)], crops)
    np.testing.assert_array_equal(images[len(crops) :], crops[:, :, ::-1])


def test_photos_test_crops_share_no_source_pixel_with_train_crops():
    (_, train), (_, test) = load_photo_crops("train"), load_photo_crops("test")
    split_column = 480
    for boxes, inside in ((train, lambda left, right: right <= split_column),
                          (test, lambda left, right: left >= split_column)):
        photo, top, left, side = boxes.astype(int).T
        assert set(photo) == {0, 1} and set(side) == {32, 64, 128}
        assert inside(left, left + side).all()
        assert (top >= 0).all() and (top + side <= 427).all() and (left + side <= 640).all()


def test_photo_crops_are_what_their_boxes_say():
    """Rebuilds every crop from the source photographs, so the boxes above are trustworthy."""
    if importlib.util.find_spec("sklearn") is None:  # find, not import: importing takes a second
        pytest.skip("needs scikit-learn's sample photographs")
    pytest.importorskip("PIL")
    from pacviz.data.make_photos import SOURCES, downscale, read_photo

    photos = [read_photo(name) for name in SOURCES]
    small = {(p, f): downscale(photo, f) for p, photo in enumerate(photos) for f in (1, 2, 4)}
    for split in ("train", "test"):
        crops, boxes = load_photo_crops(split)
        for crop, (photo, top, left, side) in zip(crops, boxes.astype(int), strict=True):
            factor = side // 32
            row, col = top // factor, left // factor
            expected = small[photo, factor][row : row + 32, col : col + 32]
            # tolerance: another libjpeg may decode a pixel a level or two apart
            assert np.abs(expected.astype(int) - crop).max() <= 2


@pytest.mark.parametrize("split, size", [("train", 1500), ("test", 297)])
def test_digits_have_17_levels_and_labels(split, size):
    ds = load_dataset("digits", split=split)
    assert ds.images.shape == (size, 8, 8, 1) and ds.images.dtype == np.uint8
    assert ds.num_levels == 17 and ds.images.max() == 16 and ds.images.min() == 0
    assert ds.labels.shape == (size,) and set(ds.labels) == set(range(10))


def test_digits_train_and_test_are_different_images():
    train, test = load_dataset("digits").images, load_dataset("digits", split="test").images
    train_rows = {img.tobytes() for img in train}
    # the source has a few duplicate bitmaps, so ask for "almost all", not all
    assert sum(img.tobytes() not in train_rows for img in test) > 0.95 * len(test)
