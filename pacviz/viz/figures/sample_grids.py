"""Sample grids side by side (the paper's Figs. 6–8): data beside samples, or samples as training goes on."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from ...data.image_grid import image_grid
from .style import draw_image, new_figure


def sample_grids_figure(grids: Mapping[str, np.ndarray], num_levels: int = 256, title: str | None = None,
                        columns: int | None = None) -> Figure:
    """One panel per entry: ``title → images (N, H, W, C)`` (integers in ``0..num_levels-1``),
    each tiled with :func:`pacviz.data.image_grid.image_grid` (``columns`` per row, default ≈ √N).

    Returns a Figure with one axes per entry, left to right, titled with its key.
    """
    if not grids:
        raise ValueError("grids is empty: pass title → images (N, H, W, C)")
    tiles = {name: image_grid(images, num_levels, columns) for name, images in grids.items()}
    n = len(tiles)
    height = 2.8 + (0.3 if title else 0.0)
    fig = new_figure(2.7 * n + 0.2, height, top=1 - (0.65 if title else 0.35) / height, bottom=0.02,
                     left=0.01, right=0.99, wspace=0.06)
    for i, (name, tile) in enumerate(tiles.items()):
        draw_image(fig.add_subplot(1, n, i + 1), tile, name)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
