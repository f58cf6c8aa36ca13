"""The datasets shipped inside pacviz: shapes, levels, and train/test splits with no shared source."""

import importlib.util
from importlib import resources

import numpy as np
import pytest

from pacviz.data import load_dataset, load_photo_crops, photo_credits
from pacviz.data.assets import read_asset
from pacviz.data.make_photos import MAX_CROPS, TEST_PHOTOS


@pytest.mark.parametrize("split", ["train", "test"])
def test_photos_are_cifar_shaped_uint8_with_256_levels(split):
    ds = load_dataset("photos", split=split)
    assert ds.images.dtype == np.uint8 and ds.image_shape == (32, 32, 3)
    assert ds.num_levels == 256 and ds.name == "photos" and ds.split == split
    assert len(ds) > (2000 if split == "train" else 500)
    assert ds.images.min() == 0 and ds.images.max() == 255  # real photos use the full range
    assert ds.sources.shape == (len(ds),) and len(ds.source_names) == 10


def test_photos_train_holds_each_crop_and_its_mirror_image_with_its_source():
    crops, boxes = load_photo_crops("train")
    ds = load_dataset("photos")
    np.testing.assert_array_equal(ds.images[: len(crops)], crops)
    np.testing.assert_array_equal(ds.images[len(crops) :], crops[:, :, ::-1])
    np.testing.assert_array_equal(ds.sources, np.tile(boxes[:, 0], 2))


def test_no_test_photo_contributes_a_train_crop():
    train, test = load_dataset("photos"), load_dataset("photos", split="test")
    train_photos, test_photos = set(train.sources.tolist()), set(test.sources.tolist())
    assert not train_photos & test_photos and len(test_photos) >= 2
    assert train_photos | test_photos == set(range(len(train.source_names)))  # every photo used
    assert {train.source_names[i] for i in test_photos} == set(TEST_PHOTOS)
    assert np.array_equal(test.sources, load_photo_crops("test")[1][:, 0])


@pytest.mark.parametrize("split", ["train", "test"])
def test_photo_boxes_lie_inside_their_photo_and_no_photo_dominates(split):
    _, boxes = load_photo_crops(split)
    shapes = read_asset("photos.npz")["shapes"].astype(int)
    photo, top, left, side = boxes.astype(int).T
    assert set(side) == {32, 64, 128} and (top >= 0).all() and (left >= 0).all()
    assert (top + side <= shapes[photo, 0]).all() and (left + side <= shapes[photo, 1]).all()
    assert np.bincount(photo).max() <= sum(MAX_CROPS)


def test_every_photo_is_credited_with_its_licence_in_the_readme():
    readme = (resources.files("pacviz.data") / "assets" / "README.md").read_text()
    records = photo_credits()
    assert [r["name"] for r in records] == list(load_dataset("photos").source_names)
    for record in records:
        assert record["credit"] and record["licence"]
        assert f"`{record['name']}`" in readme and record["licence"] in readme, record
    assert {r["name"] for r in records if r["split"] == "test"} == set(TEST_PHOTOS)


def test_photo_crops_are_what_their_boxes_say():
    """Rebuilds every crop from the source photographs, so the boxes above are trustworthy."""
    for package in ("sklearn", "skimage", "matplotlib", "PIL"):
        if importlib.util.find_spec(package) is None:  # find, not import: importing is slow
            pytest.skip(f"needs the photographs shipped in {package}")
    from pacviz.data.make_photos import PHOTOS, downscale, read_photo

    small = {}
    for split in ("train", "test"):
        crops, boxes = load_photo_crops(split)
        for crop, (photo, top, left, side) in zip(crops, boxes.astype(int), strict=True):
            factor = side // 32
            if (photo, factor) not in small:
                small[photo, factor] = downscale(read_photo(PHOTOS[photo]), factor)
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


@pytest.mark.parametrize("split", ["train", "test"])
def test_photos16_is_photos_at_half_size_with_the_same_sources(split):
    full, half = load_dataset("photos", split=split), load_dataset("photos16", split=split)
    assert half.name == "photos16" and half.image_shape == (16, 16, 3) and half.num_levels == 256
    np.testing.assert_array_equal(half.sources, full.sources)
    # brute force: every pixel is the rounded mean of its 2×2 block
    i = np.arange(0, len(full), 97)
    blocks = full.images[i].astype(float)
    means = (blocks[:, 0::2, 0::2] + blocks[:, 1::2, 0::2] + blocks[:, 0::2, 1::2] + blocks[:, 1::2, 1::2]) / 4
    np.testing.assert_array_equal(half.images[i], np.floor(means + 0.5).astype(np.uint8))


def test_half_size_refuses_odd_sides():
    from pacviz.data.photos import half_size

    with pytest.raises(ValueError, match="even height and width"):
        half_size(np.zeros((1, 5, 4, 3), np.uint8))
