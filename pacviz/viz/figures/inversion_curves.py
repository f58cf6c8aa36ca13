"""Fig. 5 redrawn: the max-abs change per weighted-Jacobi iteration (Eq. 7) of every PAC layer."""

from __future__ import annotations

import warnings

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .style import new_figure, plain_log_ticks

SOLVE_TITLES = ("L y = z  (Lower-PAC, Eq. 10 corrected)", "U x = y  (Upper-PAC, Eq. 9)")


def curve_points(curve) -> tuple[np.ndarray, np.ndarray]:
    """``(t, values)`` of a ``(T,)`` curve that a log axis can show: iterations ``t = 1..T`` where
    the value is finite and positive (NaN marks iterations a solve did not run)."""
    curve = np.asarray(curve, dtype=float)
    keep = np.isfinite(curve) & (curve > 0)
    return np.arange(1, curve.size + 1)[keep], curve[keep]


def layer_mean(deltas) -> np.ndarray:
    """``(2, T)``: the mean over layers of ``deltas (layers, 2, T)``, over the layers still iterating."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # columns where every layer has stopped
        return np.nanmean(np.asarray(deltas, dtype=float), axis=0)


def inversion_curves_figure(deltas, *, tol: float | None = None, num_images: int | None = None,
                            paper_total: int | None = 60) -> Figure:
    """Fig. 5: ``max|x(t+1) − x(t)|`` per Jacobi iteration, one faint line per layer, their mean bold.

    Args:
      deltas: ``(layers, 2, T)``: per layer, the L solve's changes (``[:, 0]``) then the U solve's
        (``[:, 1]``), NaN after a solve stopped (``pv.inversion_curves(probes).deltas``).
      tol: the stopping tolerance, drawn as a dotted line.
      num_images: how many images were inverted at once (for the title).
      paper_total: the paper's bound on the iterations of a layer's whole inverse (Sec. 5.3: fewer
        than 60), quoted in the title; None leaves it out.

    Returns:
      A Figure with 2 log-scale axes, [0] the L solves and [1] the U solves. Each holds
      ``layers`` faint lines (layer l's :func:`curve_points`), then the bold mean over the layers
      (:func:`layer_mean`), then the ``tol`` line if given.
    """
    deltas = np.asarray(deltas, dtype=float)
    if deltas.ndim != 3 or deltas.shape[1] != 2 or deltas.shape[0] < 1:
        raise ValueError(f"deltas must be (layers, 2, T) with the L and U solves' changes, got shape {deltas.shape}")
    ran = np.isfinite(deltas).sum(axis=2)  # (layers, 2) iterations run
    fig = new_figure(9.5, 3.6, top=0.82, bottom=0.14, left=0.08, right=0.98, wspace=0.08)
    axes = fig.subplots(1, 2, sharey=True)
    mean = layer_mean(deltas)
    for s, ax in enumerate(axes):
        for curve in deltas[:, s]:
            ax.semilogy(*curve_points(curve), color="tab:blue", alpha=0.35, linewidth=0.9)
        ax.semilogy(*curve_points(mean[s]), color="black", linewidth=2.5, label=f"mean of {len(deltas)} layers")
        if tol is not None:
            ax.axhline(tol, color="gray", linestyle=":", linewidth=1, label=f"tol = {tol:g}")
        plain_log_ticks(ax.yaxis)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(SOLVE_TITLES[s], fontsize=9)
        ax.set_xlabel("Jacobi iteration t", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylabel("max |x(t) − x(t−1)|", fontsize=8)
    totals = ran.sum(axis=1)
    images = "" if num_images is None else f" on {num_images} images"
    bound = "" if paper_total is None else f" (paper: < {paper_total})"
    fig.suptitle(f"Fig. 5: weighted Jacobi inverting each PAC layer{images}; "
                 f"iterations L + U per layer: {int(totals.min())}–{int(totals.max())}{bound}", fontsize=10)
    return fig
