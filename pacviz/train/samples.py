"""Sample grids as PNG files, and drawing a saved run's samples (``pacviz sample``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.image_grid import image_grid


def save_grid(path, images, num_levels: int = 256, scale: int = 4):
    """Write :func:`image_grid` of ``images`` to ``path`` (PNG), each pixel ``scale``×``scale``."""
    import matplotlib.image

    grid = image_grid(images, num_levels)
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, grid)
    return path


def sample_run(workdir, out, *, num: int = 64, which: str = "best", seed: int = 0, temperature: float = 1.0,
               progress: bool = False):
    """``pacviz sample``: ``num`` samples of checkpoint ``which`` of the run in ``workdir``, saved as a
    grid to ``out``. Returns ``(path, stats)``: the PNG and the Jacobi inversion statistics per layer.

    ``progress``: a bar over the two slow stages, loading (seconds) and sampling (the first call
    compiles the inverse; then Jacobi iterations in every PAC / emerging layer).
    """
    from flax import nnx
    from tqdm.auto import tqdm

    from .load import load_run

    with tqdm(total=2, desc="loading the run", unit="stage", disable=not progress, leave=False) as bar:
        model, _ = load_run(workdir, which=which)
        bar.update(1)
        bar.set_description(f"sampling {num} images (compiling, then inverting)")
        images = model.sample(num, rngs=nnx.Rngs(noise=seed), temperature=temperature)
        bar.update(1)
    return save_grid(out, images, model.num_levels), model.inverse_stats()
