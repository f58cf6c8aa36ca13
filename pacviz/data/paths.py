"""Where dataset files live on disk, and the error raised when they are not there."""

from __future__ import annotations

import os
from pathlib import Path


def default_root(name: str) -> Path:
    """The folder a file-based dataset is read from when no `root` is given:
    `$PACVIZ_DATA/<name>` if that variable is set, else `~/.cache/pacviz/<name>`."""
    base = os.environ.get("PACVIZ_DATA") or Path.home() / ".cache" / "pacviz"
    return Path(base).expanduser() / name


def missing_files_error(what: str, folder: Path, names: list[str], how: str) -> FileNotFoundError:
    """A FileNotFoundError naming the folder, the exact files expected there and how to get them."""
    listed = "\n".join(f"  {name}" for name in names)
    return FileNotFoundError(f"{what}: not found in {folder}. Expected there:\n{listed}\n{how}")
