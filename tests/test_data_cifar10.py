"""CIFAR-10 from a tiny tarball / folder written here in the official pickle format."""

import io
import pickle
import tarfile

import numpy as np
import pytest

from pacviz.data import load_cifar10, load_dataset

NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def known_images(first, num=2):
    """uint8 (num, 32, 32, 3) where every pixel value depends on (image, row, column, channel)."""
    n, h, w, c = np.meshgrid(np.arange(first, first + num), *map(np.arange, (32, 32, 3)), indexing="ij")
    return ((n * 101 + h * 7 + w * 3 + c * 85) % 256).astype(np.uint8)


def to_rows(images):
    """The official layout written out by hand: red plane, green plane, blue plane, each row-major."""
    rows = np.zeros((len(images), 3072), np.uint8)
    for i, image in enumerate(images):
        for c in range(3):
            for h in range(32):
                rows[i, c * 1024 + h * 32 : c * 1024 + (h + 1) * 32] = image[h, :, c]
    return rows


def batch_bytes(index):
    images = known_images(2 * index)
    batch = {b"batch_label": b"batch", b"labels": [index, (index + 3) % 10],
             b"data": to_rows(images), b"filenames": [b"a.png", b"b.png"]}
    return pickle.dumps(batch, protocol=2)


@pytest.fixture
def tarball_root(tmp_path):
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        for index, name in enumerate(NAMES):
            raw = batch_bytes(index)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return tmp_path


def test_tarball_train_split_is_the_five_batches_in_nhwc(tarball_root):
    ds = load_cifar10(tarball_root, "train")
    assert ds.images.shape == (10, 32, 32, 3) and ds.images.dtype == np.uint8 and ds.num_levels == 256
    np.testing.assert_array_equal(ds.images, known_images(0, 10))
    np.testing.assert_array_equal(ds.labels, [0, 3, 1, 4, 2, 5, 3, 6, 4, 7])
    rows = to_rows(ds.images[:1])[0]
    assert ds.images[0, 0, 1, 0] == rows[1] and ds.images[0, 0, 0, 1] == rows[1024]
    assert ds.images[0, 1, 0, 2] == rows[2048 + 32]


def test_tarball_test_split_is_test_batch(tarball_root):
    ds = load_dataset("cifar10", root=tarball_root, split="test")
    np.testing.assert_array_equal(ds.images, known_images(10))
    np.testing.assert_array_equal(ds.labels, [5, 8])


@pytest.mark.parametrize("inside", [True, False])
def test_extracted_folder_reads_the_same(tmp_path, inside):
    folder = tmp_path / "cifar-10-batches-py" if inside else tmp_path
    folder.mkdir(exist_ok=True)
    for index, name in enumerate(NAMES):
        (folder / name).write_bytes(batch_bytes(index))
    np.testing.assert_array_equal(load_cifar10(tmp_path, "train").images, known_images(0, 10))


def test_missing_data_names_the_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz") as error:
        load_cifar10(tmp_path)
    assert str(tmp_path) in str(error.value) and "data_batch_5" in str(error.value)
    assert "download" in str(error.value)


def test_missing_batch_in_folder_is_named(tmp_path):
    for index, name in enumerate(NAMES):
        if name != "data_batch_3":
            (tmp_path / name).write_bytes(batch_bytes(index))
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        load_cifar10(tmp_path)


def test_pickle_that_would_run_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    for name in NAMES:
        (tmp_path / name).write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(ValueError, match="not a CIFAR-10 python batch.*print, which is not allowed"):
        load_cifar10(tmp_path)
