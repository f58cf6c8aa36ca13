"""Checksums and the download path, exercised on local files (there is no network here)."""

import hashlib

import pytest

from pacviz.data import download, fetch_file, file_digest, verify_checksum


@pytest.fixture
def payload(tmp_path):
    path = tmp_path / "payload.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    return path


def test_digest_matches_hashlib(payload):
    data = payload.read_bytes()
    assert file_digest(payload) == hashlib.sha256(data).hexdigest()
    assert file_digest(payload, "md5") == hashlib.md5(data).hexdigest()


def test_right_checksum_passes_wrong_one_says_what_to_do(payload):
    md5 = hashlib.md5(payload.read_bytes()).hexdigest()
    verify_checksum(payload, md5.upper(), "md5")
    with pytest.raises(ValueError, match=f"has md5 {md5}, expected 0+.*download it again"):
        verify_checksum(payload, "0" * 32, "md5")
    with pytest.raises(FileNotFoundError, match="no such file"):
        verify_checksum(payload.with_name("absent"), md5, "md5")


def test_fetch_file_keeps_only_verified_downloads(payload, tmp_path):
    url = payload.as_uri()
    sha = file_digest(payload)
    target = tmp_path / "out" / "copy.bin"
    target.parent.mkdir()
    with pytest.raises(ValueError, match="expected"):
        fetch_file(url, target, checksum="f" * 64)
    assert list(target.parent.iterdir()) == []  # neither the file nor a .partial is left
    assert fetch_file(url, target, checksum=sha) == target
    assert target.read_bytes() == payload.read_bytes()
    payload.unlink()  # already there and verified: nothing is fetched again
    assert fetch_file(url, target, checksum=sha) == target


def test_download_explains_imagenet_and_rejects_unknown_names(tmp_path):
    with pytest.raises(RuntimeError, match="login.*train_data_batch_1.npz"):
        download("imagenet64", tmp_path)
    with pytest.raises(ValueError, match="cifar10"):
        download("mnist", tmp_path)
    assert download("photos", tmp_path) == tmp_path  # embedded: nothing to fetch
