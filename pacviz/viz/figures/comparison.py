"""Two results side by side with their difference: the tutorial's picture of a brute-force check."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .style import new_figure, plain_axes


def comparison_figure(a, b, labels: tuple[str, str] = ("a", "b"), channel: int = 0) -> Figure:
    """``a``, ``b`` (same shape ``(H, W)`` or ``(H, W, C)``) and ``|a − b|``, one channel.

    Returns:
      A Figure with 3 axes: [0] ``a[..., channel]``, [1] ``b[..., channel]``, [2] ``|a − b|`` of that
      channel; the title gives the max-abs difference over all channels.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if a.ndim != 3 or not 0 <= channel < a.shape[-1]:
        raise ValueError(f"expected (H, W) or (H, W, C) with 0 <= channel < C, got {a.shape}, channel {channel}")
    diff = np.abs(a - b)
    fig = new_figure(9.0, 3.2, top=0.82)
    axes = fig.subplots(1, 3)
    lo, hi = min(a[..., channel].min(), b[..., channel].min()), max(a[..., channel].max(), b[..., channel].max())
    for ax, img, title in zip(axes[:2], (a, b), labels):
        ax.imshow(img[..., channel], cmap="viridis", vmin=lo, vmax=hi, interpolation="nearest")
        plain_axes(ax, f"{title} (channel {channel})")
    axes[2].imshow(diff[..., channel], cmap="magma", interpolation="nearest")
    plain_axes(axes[2], "|difference|")
    fig.suptitle(f"max |{labels[0]} − {labels[1]}| = {diff.max():.2e}", fontsize=10)
    return fig
