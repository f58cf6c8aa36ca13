"""Intermediate activations of a flow, stage by stage: images of a few channels and a histogram
against the standard normal the prior expects (Eq. 1: the flow carries data to N(0, I))."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .style import draw_image, new_figure, plain_axes


def activations_figure(stages: Mapping[str, np.ndarray], *, channels: int = 4, image=None,
                       value_range: float = 3.0, bins: int = 41) -> Figure:
    """One row per stage: its first ``channels`` channels, then a histogram of all its values.

    Args:
      stages: name → activation ``(H, W, C)`` of one example, in forward order.
      channels: channels drawn per stage (fewer if a stage has fewer).
      image: the input image ``(H, W, C)`` (uint8), drawn in its own first row when given.
      value_range: channels are drawn on ``[-value_range, value_range]`` (a diverging map), and the
        histogram covers the same range; values beyond it are clipped into the end bins.
      bins: histogram bins.

    Returns:
      A Figure: per stage ``channels`` image axes then one histogram axes (with the N(0, 1)
      density as a line, labelled "N(0, 1)"), the input row first if ``image`` is given.
    """
    if not stages:
        raise ValueError("stages is empty: pass name → (H, W, C) activations")
    arrays = {name: np.asarray(a) for name, a in stages.items()}
    for name, a in arrays.items():
        if a.ndim != 3:
            raise ValueError(f"stage {name!r} must be one example (H, W, C), got shape {a.shape}")
    if channels < 1 or value_range <= 0:
        raise ValueError(f"channels must be >= 1 and value_range > 0, got {channels}, {value_range}")
    rows = len(arrays) + (image is not None)
    fig = new_figure(1.5 * channels + 3.0, 1.55 * rows + 0.3, top=1 - 0.35 / (1.55 * rows + 0.3), bottom=0.04,
                     left=0.1, right=0.98, wspace=0.1, hspace=0.45)
    grid = fig.add_gridspec(rows, channels + 1, width_ratios=[1.0] * channels + [1.8])
    r = 0
    if image is not None:
        draw_image(fig.add_subplot(grid[0, 0]), image, "input x")
        r = 1
    edges = np.linspace(-value_range, value_range, bins + 1)
    grid_x = np.linspace(-value_range, value_range, 200)
    for name, a in arrays.items():
        for c in range(min(channels, a.shape[-1])):
            ax = fig.add_subplot(grid[r, c])
            ax.imshow(a[..., c], cmap="RdBu_r", vmin=-value_range, vmax=value_range, interpolation="nearest")
            plain_axes(ax, f"ch {c}")
            if c == 0:
                ax.set_ylabel(f"{name}\n{'×'.join(map(str, a.shape))}", fontsize=8)
        ax = fig.add_subplot(grid[r, channels])
        ax.hist(np.clip(a.ravel(), -value_range, value_range), bins=edges, density=True, color="tab:blue", alpha=0.7)
        ax.plot(grid_x, np.exp(-0.5 * grid_x ** 2) / math.sqrt(2 * math.pi), "k-", lw=1, label="N(0, 1)")
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        ax.set_title(f"mean {a.mean():+.2f}, std {a.std():.2f}", fontsize=8)
        if r == (image is not None):
            ax.legend(fontsize=7, loc="upper right")
        r += 1
    return fig
