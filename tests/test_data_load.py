"""`load_dataset`, the `Dataset` contract and where data is looked for."""

import numpy as np
import pytest

from pacviz.data import DATASETS, Dataset, default_root, load_dataset


def test_dataset_names():
    assert DATASETS == ("photos", "photos16", "digits", "cifar10", "imagenet32", "imagenet64")


def test_unknown_name_or_split_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'photos', 'photos16', 'digits', 'cifar10'"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="'train', 'test'"):
        load_dataset("photos", split="val")


def test_default_root_follows_pacviz_data(monkeypatch, tmp_path):
    monkeypatch.setenv("PACVIZ_DATA", str(tmp_path))
    assert default_root("cifar10") == tmp_path / "cifar10"
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "cifar10")):
        load_dataset("cifar10")
    monkeypatch.delenv("PACVIZ_DATA")
    assert default_root("cifar10").parts[-3:] == (".cache", "pacviz", "cifar10")


def test_dataset_checks_its_arrays():
    images = np.zeros((3, 4, 5, 1), np.uint8)
    ds = Dataset("toy", "train", images, num_levels=2)
    assert len(ds) == 3 and ds.image_shape == (4, 5, 1)
    assert repr(ds) == "Dataset('toy', split='train', 3 images of 4×5×1, num_levels=2)"
    with pytest.raises(ValueError, match="uint8"):
        Dataset("toy", "train", images.astype(np.float32))
    with pytest.raises(ValueError, match="3 images"):
        Dataset("toy", "train", images, labels=np.zeros(2))
    assert ds.sources is None and ds.source_names == ()
    with pytest.raises(ValueError, match="2 sources for 3 images"):
        Dataset("toy", "train", images, sources=np.zeros(2, int), source_names=("a",))
    with pytest.raises(ValueError, match=r"index source_names \(0..1\), got values 0..2"):
        Dataset("toy", "train", images, sources=np.array([0, 1, 2]), source_names=("a", "b"))
