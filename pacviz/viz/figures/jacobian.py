"""Dense Jacobians of U, L and LU in "pixel order, then channel" (Eq. 9, Eq. 10, Algorithm 1)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.colors import SymLogNorm
from matplotlib.figure import Figure

from .style import new_figure, plain_axes

MAX_GRID = 400  # pixel-block grid lines only while they stay readable


def _check_square(matrix) -> np.ndarray:
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"a Jacobian must be a square (N, N) matrix, got shape {m.shape}")
    return m


def draw_jacobian(ax, matrix, channels: int, sparsity: bool = False, title: str | None = None):
    """One ``(N, N)`` matrix: its values (symmetric log colours) or its sparsity (non-zero = dark).

    Thin lines separate pixels (blocks of C rows/columns); the dotted line is the diagonal.
    """
    m = _check_square(matrix)
    n = m.shape[0]
    if channels < 1 or n % channels:
        raise ValueError(f"the matrix size {n} must be a multiple of channels = {channels}")
    if sparsity:
        ax.imshow(m != 0, cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
    else:
        vmax = float(np.max(np.abs(m))) or 1.0
        ax.imshow(m, cmap="RdBu_r", norm=SymLogNorm(linthresh=1e-3 * vmax, vmin=-vmax, vmax=vmax),
                  interpolation="nearest")
    if channels > 1 and n <= MAX_GRID:
        lines = np.arange(channels, n, channels) - 0.5  # one collection each: cheap to draw
        ax.hlines(lines, -0.5, n - 0.5, color="lightgray", linewidth=0.3, zorder=0.5)
        ax.vlines(lines, -0.5, n - 0.5, color="lightgray", linewidth=0.3, zorder=0.5)
    ax.plot([-0.5, n - 0.5], [-0.5, n - 0.5], ":", color="orange", linewidth=0.8)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    plain_axes(ax, title)


def jacobian_figure(matrices: Mapping[str, np.ndarray], channels: int, *, sparsity: bool = False,
                    title: str | None = None) -> Figure:
    """Dense Jacobians side by side, e.g. U (Eq. 9), L (Eq. 10 corrected) and their product LU.

    Args:
      matrices: ``name -> (N, N)``, ``N = H·W·C``, rows/columns in "pixel order, then channel"
        (``pacviz.viz.pac_jacobians`` returns them so). In that order U is upper triangular and
        L unit lower triangular: the PLU structure whose log-det is ``Σ log|U_ii|``.
      channels: C.
      sparsity: draw non-zero patterns instead of values.

    Returns:
      A Figure with one axes per matrix, in the mapping's order.
    """
    if not matrices:
        raise ValueError("pass at least one matrix")
    fig = new_figure(3.3 * len(matrices), 3.6, top=0.84 if title else 0.9)
    axes = np.atleast_1d(fig.subplots(1, len(matrices)))
    for ax, (name, m) in zip(axes, matrices.items()):
        draw_jacobian(ax, m, channels, sparsity, name)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
