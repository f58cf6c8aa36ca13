"""File checksums, so a download (or a file copied by hand) is known to be the right one."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in chunks (files of many GB are fine)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def verify_checksum(path: str | Path, expected: str, algorithm: str = "sha256") -> None:
    """Raise a ValueError unless the file's `algorithm` digest equals `expected` (hex)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cannot check {path}: no such file")
    actual = file_digest(path, algorithm)
    if actual != expected.lower():
        raise ValueError(
            f"{path} has {algorithm} {actual}, expected {expected.lower()}: the file is "
            "incomplete or not the one expected. Delete it and download it again."
        )
