"""App. A with α = 1: the error matrix G = I − D⁻¹A is strictly triangular, so G^n = 0."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .style import new_figure, plain_axes, plain_log_ticks


def nilpotency_index(powers) -> int | None:
    """The smallest ``n`` with ``G^n == 0`` exactly, given ``powers[n-1] = G^n``; None if none is."""
    powers = np.asarray(powers)
    zero = ~np.any(powers.reshape(powers.shape[0], -1) != 0, axis=1)
    return int(np.argmax(zero)) + 1 if zero.any() else None


def nilpotent_figure(powers, show: Sequence[int] = (1, 2, 4)) -> Figure:
    """Sparsity of a few powers of G and ``max|G^n|`` against n (App. A, α = 1).

    Args:
      powers: ``(n_max, N, N)`` with ``powers[n - 1] = G^n`` (``pacviz.viz.matrix_powers``), in
        "pixel order, then channel" so the triangle shows.
      show: which powers to draw (those ``<= n_max``).

    Returns:
      A Figure with ``len(shown) + 1`` axes: the sparsity of each shown ``G^n``, then
      ``max|G^n|`` per n on a log scale (exact zeros are drawn on the bottom edge as x).
    """
    powers = np.asarray(powers)
    if powers.ndim != 3 or powers.shape[1] != powers.shape[2]:
        raise ValueError(f"powers must be (n_max, N, N), got shape {powers.shape}")
    shown = [n for n in show if 1 <= n <= powers.shape[0]]
    fig = new_figure(2.7 * (len(shown) + 1) + 0.6, 3.2, top=0.88, bottom=0.14, wspace=0.3)
    axes = np.atleast_1d(fig.subplots(1, len(shown) + 1))
    for ax, n in zip(axes, shown):
        ax.imshow(powers[n - 1] != 0, cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
        plain_axes(ax, f"G^{n}: {int(np.count_nonzero(powers[n - 1]))} non-zeros")
    peak = np.abs(powers).reshape(powers.shape[0], -1).max(axis=1)
    ns = np.arange(1, powers.shape[0] + 1)
    ax = axes[-1]
    pos = peak > 0
    ax.semilogy(ns[pos], peak[pos], ".-", markersize=3)
    if (~pos).any():
        bottom = peak[pos].min() / 10 if pos.any() else 1e-300
        ax.semilogy(ns[~pos], np.full((~pos).sum(), bottom), "x", color="red", markersize=4, label="exactly 0")
        ax.legend(fontsize=7)
    index = nilpotency_index(powers)
    ax.set_title("max |G^n|" + (f": G^{index} = 0" if index else ""), fontsize=9)
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("n", fontsize=8)
    ax.tick_params(labelsize=7)
    return fig
