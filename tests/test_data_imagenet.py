"""Downsampled ImageNet from tiny npz files written here in the Chrabaszcz et al. layout."""

import numpy as np
import pytest

from pacviz.data import imagenet, load_dataset, load_imagenet

COUNTS = [3, 1, 2, 2, 1, 1, 2, 3, 1, 2]  # images per train_data_batch_i, uneven on purpose


def random_images(rng, num, size):
    return rng.integers(0, 256, (num, size, size, 3), dtype=np.uint8)


def to_rows(images):
    """R plane, G plane, B plane, each row-major: (N, S, S, 3) -> (N, 3·S²), written plainly."""
    return np.concatenate([images[..., c].reshape(len(images), -1) for c in range(3)], axis=1)


def write_folder(folder, size, seed=0, compressed=False):
    """Writes the 11 npz files; returns (train images, train labels, val images, val labels)."""
    rng = np.random.default_rng(seed)
    save = np.savez_compressed if compressed else np.savez
    folder.mkdir(parents=True, exist_ok=True)
    splits = {}
    for names in ([f"train_data_batch_{i}" for i in range(1, 11)], ["val_data"]):
        all_images, all_labels = [], []
        for name, count in zip(names, COUNTS if len(names) > 1 else [4], strict=True):
            images, labels = random_images(rng, count, size), rng.integers(1, 1001, count)
            save(folder / f"{name}.npz", data=to_rows(images), labels=list(labels),
                 mean=to_rows(images).mean(axis=0))
            all_images.append(images)
            all_labels.append(labels)
        splits[names[0]] = (np.concatenate(all_images), np.concatenate(all_labels))
    return *splits["train_data_batch_1"], *splits["val_data"]


@pytest.mark.parametrize("size, compressed", [(32, False), (64, True)])
def test_both_sizes_load_in_nhwc_with_0_based_labels(tmp_path, size, compressed):
    train, train_labels, val, val_labels = write_folder(tmp_path, size, compressed=compressed)
    ds = load_dataset(f"imagenet{size}", root=tmp_path)
    assert ds.images.shape == (sum(COUNTS), size, size, 3) and ds.images.dtype == np.uint8
    assert ds.name == f"imagenet{size}" and ds.num_levels == 256
    np.testing.assert_array_equal(ds.images, train)
    np.testing.assert_array_equal(ds.labels, train_labels - 1)
    test = load_imagenet(tmp_path, size, "test")
    np.testing.assert_array_equal(test.images, val)
    np.testing.assert_array_equal(test.labels, val_labels - 1)


def test_imagenet64_is_memory_mapped_from_a_cache_made_once(tmp_path, monkeypatch):
    monkeypatch.setattr(imagenet, "_CHUNK", 2)  # convert batch files in several chunks
    train, *_ = write_folder(tmp_path, 64)
    ds = load_imagenet(tmp_path, 64)
    assert isinstance(ds.images, np.memmap) and not ds.images.flags.writeable
    assert sorted(p.name for p in tmp_path.glob("*.npy")) == ["train_64x64.npy", "train_64x64_labels.npy"]
    for batch in tmp_path.glob("train_data_batch_*.npz"):
        batch.unlink()  # the second load must not need the batch files
    again = load_imagenet(tmp_path, 64)
    assert isinstance(again.images, np.memmap)
    np.testing.assert_array_equal(again.images, train)


def test_files_of_the_wrong_size_are_refused_without_leaving_a_cache(tmp_path):
    write_folder(tmp_path, 32)
    with pytest.raises(ValueError, match="32×32 images, not 64×64"):
        load_imagenet(tmp_path, 64)
    assert list(tmp_path.glob("*.npy")) == []


def test_missing_files_are_named_with_how_to_get_them(tmp_path):
    write_folder(tmp_path, 32)
    (tmp_path / "train_data_batch_7.npz").unlink()
    with pytest.raises(FileNotFoundError, match="train_data_batch_7.npz") as error:
        load_imagenet(tmp_path, 32)
    message = str(error.value)
    assert str(tmp_path) in message and "train_data_batch_6" not in message and "login" in message
    with pytest.raises(FileNotFoundError, match="val_data.npz"):
        load_imagenet(tmp_path / "empty", 32, "test")


def test_unsupported_size_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="32, 64"):
        load_imagenet(tmp_path, 16)
