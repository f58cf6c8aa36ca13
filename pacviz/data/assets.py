"""The data files shipped in `pacviz/data/assets/` (see the README there for provenance)."""

from __future__ import annotations

from importlib import resources

import numpy as np


def read_asset(filename: str) -> dict[str, np.ndarray]:
    """All arrays of the npz `filename` in the assets folder, loaded into memory."""
    source = resources.files(__package__) / "assets" / filename
    if not source.is_file():
        raise FileNotFoundError(
            f"pacviz's embedded data file assets/{filename} is missing from {source}: "
            "reinstall pacviz, or rebuild it with python -m pacviz.data.make_photos / make_digits"
        )
    with resources.as_file(source) as path, np.load(path) as npz:
        return {key: npz[key] for key in npz.files}
