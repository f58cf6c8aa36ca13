"""Blurred pictures side by side, with one row's profile across an edge (notebook 02)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .style import draw_image, new_figure

CHANNEL_COLORS = ("tab:red", "tab:green", "tab:blue")
STYLES = ("-", "--", "-.", ":")


def edge_blur_figure(images: Mapping[str, np.ndarray], row: int, title: str | None = None) -> Figure:
    """Each ``(H, W, 3)`` picture in [0, 1] (all channels, as colour), and row ``row`` of each as curves.

    Returns:
      A Figure with ``len(images) + 1`` axes: one per picture (the row marked by a white line),
      then the profile of that row: one colour per channel, one line style per picture.
    """
    arrays = {name: np.asarray(img, dtype=float) for name, img in images.items()}
    shapes = {a.shape for a in arrays.values()}
    if not arrays or len(shapes) != 1 or len(next(iter(shapes))) != 3:
        raise ValueError(f"pass pictures of one shape (H, W, C); got shapes {sorted(shapes)}")
    h, w, c = next(iter(shapes))
    if not 0 <= row < h:
        raise ValueError(f"row must lie in 0..{h - 1}, got {row}")
    n = len(arrays)
    fig = new_figure(3.0 * n + 4.0, 3.4, top=0.8, bottom=0.15, left=0.02, right=0.98, wspace=0.2)
    grid = fig.add_gridspec(1, n + 1, width_ratios=[1.0] * n + [1.6])
    profile = fig.add_subplot(grid[0, n])
    for i, (name, img) in enumerate(arrays.items()):
        ax = fig.add_subplot(grid[0, i])
        draw_image(ax, np.clip(img, 0.0, 1.0), name, value_range=(0.0, 1.0))
        ax.axhline(row, color="white", linewidth=0.8)
        for ch in range(c):
            profile.plot(img[row, :, ch], STYLES[i % len(STYLES)], color=CHANNEL_COLORS[ch % 3],
                         label=name if ch == 0 else None)
    profile.set_xlabel("column")
    profile.set_ylabel("value (colour = channel)")
    profile.set_title(f"row {row}, every channel", fontsize=10)
    profile.legend(fontsize=7)
    profile.grid(alpha=0.3)
    fig.suptitle(title or "a plain blur smears the edge; the PAC blur averages only over similar colours",
                 fontsize=11)
    return fig
