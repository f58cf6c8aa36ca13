"""Eq. 10 as printed against pacviz's corrected Lower-PAC: where the printed one is not triangular."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .style import new_figure, plain_axes

_COLORS = ListedColormap(["white", "dimgray", "red"])  # zero, allowed non-zero, above the diagonal


def triangle_violations(matrix) -> np.ndarray:
    """``(N, N)`` ints: 0 where zero, 1 non-zero on or below the diagonal, 2 non-zero above it."""
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square (N, N), got shape {m.shape}")
    nonzero = (m != 0).astype(int)
    return nonzero + np.triu(nonzero, 1)


def erratum_figure(literal, corrected, log_dets: Mapping[str, float] | None = None) -> Figure:
    """The printed Eq. 10 and the corrected L, both in "pixel order, then channel".

    Args:
      literal: ``(N, N)``, dense Jacobian of ``pacviz.viz.literal_lower_pac``.
      corrected: ``(N, N)``, dense Jacobian of ``pv.lower_pac``.
      log_dets: optional ``name -> value`` (e.g. the PLU formula and slogdet) for the title.

    Returns:
      A Figure with 2 axes, each the :func:`triangle_violations` image: non-zeros above the
      diagonal (red) make a matrix not lower triangular.
    """
    fig = new_figure(7.0, 3.9, top=0.82, wspace=0.1)
    axes = fig.subplots(1, 2)
    for ax, (name, m) in zip(axes, (("Eq. 10 as printed: ¬(M·M̂)", literal), ("pacviz L: ¬M + I", corrected))):
        v = triangle_violations(m)
        ax.imshow(v, cmap=_COLORS, vmin=0, vmax=2, interpolation="nearest")
        plain_axes(ax, f"{name}\n{int((v == 2).sum())} entries above the diagonal")
    if log_dets:
        fig.suptitle("   ".join(f"{k} = {float(v):.4f}" for k, v in log_dets.items()), fontsize=9)
    return fig
