"""Weighted Jacobi (Eq. 7) step by step: the error image and the convergence curve."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .style import draw_image, new_figure, plain_axes, plain_log_ticks


def error_images(iterates, solution) -> np.ndarray:
    """``(T + 1, H, W)``: ``max_c |x(t) − x*|`` per pixel, for iterates ``(T + 1, H, W, C)``."""
    iterates, solution = np.asarray(iterates), np.asarray(solution)
    if iterates.ndim != 4 or iterates.shape[1:] != solution.shape:
        raise ValueError(f"iterates must be (T + 1, H, W, C) and solution (H, W, C); "
                         f"got {iterates.shape} and {solution.shape}")
    return np.max(np.abs(iterates - solution), axis=-1)


def log_error_floor(dtype) -> float:
    """log10 of the smallest error worth a colour: a little below the dtype's resolution."""
    return float(np.floor(np.log10(np.finfo(dtype).eps))) - 1


def jacobi_step_figure(iterates, solution, iteration: int, *, alpha: float | None = None,
                       baseline: Mapping[str, np.ndarray] | None = None,
                       reference_error: float | None = None, reference_label: str = "substitution",
                       value_range: tuple[float, float] | None = None, note: str | None = None) -> Figure:
    """One moment of a Jacobi solve ``A x = b``: ``x(t)``, its error image, and the curves.

    Args:
      iterates: ``(T + 1, H, W, C)``, ``x(0) ... x(T)`` (``pacviz.viz.jacobi_iterates``).
      solution: ``(H, W, C)``, the exact ``x*``.
      iteration: ``t`` in ``0..T``.
      alpha: the weight used, for the title.
      baseline: ``name -> (T' + 1,)`` max-abs error curves to compare with (e.g. α = 1).
      reference_error: the max-abs error of another solver (exact substitution), a flat line.
      value_range: ``(lo, hi)`` for showing ``x(t)`` on a fixed scale (default: the solution's range).
      note: an extra line for the title (e.g. timings).

    Returns:
      A Figure with 4 axes: [0] ``x(t)``; [1] ``log10 max_c |x(t) − x*|`` per pixel on a fixed
      colour range (the floor is the dtype's resolution); [2] its colour bar; [3] the max-abs
      error and max-abs change ``max|x(t+1) − x(t)|`` per iteration (log scale), t marked.
    """
    iterates = np.asarray(iterates)
    errors = error_images(iterates, solution)
    last = iterates.shape[0] - 1
    if not 0 <= iteration <= last:
        raise ValueError(f"iteration must lie in 0..{last}, got {iteration}")
    floor = log_error_floor(iterates.dtype if np.issubdtype(iterates.dtype, np.floating) else np.float64)
    if value_range is None:
        lo, hi = float(np.min(solution)), float(np.max(solution))
        value_range = (lo, hi) if hi > lo else (lo - 1, hi + 1)

    fig = new_figure(11.0, 3.6, top=0.78, bottom=0.13, wspace=0.12, right=0.99)
    grid = fig.add_gridspec(1, 5, width_ratios=[1.0, 1.0, 0.06, 0.3, 1.9])  # column 3: room for tick labels
    ax_x, ax_err, ax_bar, ax_curve = (fig.add_subplot(grid[0, i]) for i in (0, 1, 2, 4))
    draw_image(ax_x, iterates[iteration], f"x({iteration})", value_range=value_range)
    _draw_error_image(fig, ax_err, ax_bar, errors, iteration, floor)
    curves = {"max |x(t) − x*|": errors.reshape(last + 1, -1).max(axis=1)}
    _draw_curves(ax_curve, curves, iterates, baseline or {}, reference_error, reference_label, iteration, floor)
    a = "" if alpha is None else f", α = {alpha:g}"
    title = f"Eq. 7: x(t+1) = x(t) − α·diag(A)⁻¹(A x(t) − b){a};  t = {iteration}"
    fig.suptitle(title + (f"\n{note}" if note else ""), fontsize=10)
    return fig


def _draw_error_image(fig, ax, ax_bar, errors, iteration, floor):
    """log10 of the error at ``iteration`` on a colour range fixed across iterations."""
    log_err = np.log10(np.maximum(errors, 10.0 ** floor))
    top = max(float(log_err.max()), floor + 1)
    im = ax.imshow(log_err[iteration], cmap="inferno", vmin=floor, vmax=top, interpolation="nearest")
    plain_axes(ax, "log10 max_c |x(t) − x*|")
    fig.colorbar(im, cax=ax_bar)


def _draw_curves(ax, curves, iterates, baseline, reference_error, reference_label, iteration, floor):
    """Error and change per iteration (log scale), comparison curves, and t marked."""
    tiny = 10.0 ** floor  # log axes cannot show exact zeros
    for name, curve in curves.items():
        ax.semilogy(np.arange(curve.size), np.maximum(curve, tiny), label=name)
    if iterates.shape[0] > 1:
        changes = np.abs(np.diff(iterates, axis=0)).reshape(iterates.shape[0] - 1, -1).max(axis=1)
        ax.semilogy(np.arange(1, iterates.shape[0]), np.maximum(changes, tiny), "--", label="max |x(t) − x(t−1)|")
    for name, curve in baseline.items():
        curve = np.asarray(curve)
        ax.semilogy(np.arange(curve.size), np.maximum(curve, tiny), ":", label=name)
    if reference_error is not None:
        ax.axhline(max(reference_error, tiny), color="gray", linewidth=1, label=reference_label)
    ax.axvline(iteration, color="red", linewidth=1)
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("iteration t", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper right")


def convergence_figure(curves: Mapping[str, np.ndarray], *, tol: float | None = None,
                       ylabel: str = "max |x(t) − x(t−1)|") -> Figure:
    """Convergence curves on a log scale, e.g. one per α (Eq. 7; App. A: converges for α ∈ (0, 2)).

    Args:
      curves: ``name -> (T,)`` positive values per iteration (NaN entries, e.g. after a solver
        stopped, are left out).
      tol: an optional stopping tolerance, drawn as a flat line.

    Returns:
      A Figure with 1 axes, one line per curve.
    """
    if not curves:
        raise ValueError("pass at least one curve")
    fig = new_figure(6.0, 3.4, top=0.95, bottom=0.15, left=0.14, right=0.97)
    ax = fig.subplots()
    for name, curve in curves.items():
        curve = np.asarray(curve, dtype=float)
        if curve.ndim != 1:
            raise ValueError(f"curve {name!r} must be 1-D, got shape {curve.shape}")
        keep = np.isfinite(curve) & (curve > 0)
        ax.semilogy(np.arange(1, curve.size + 1)[keep], curve[keep], label=name)
    if tol is not None:
        ax.axhline(tol, color="gray", linestyle=":", label=f"tol = {tol:g}")
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("iteration", fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8)
    return fig
