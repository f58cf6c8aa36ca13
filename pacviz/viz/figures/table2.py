"""Table 2 in miniature as pictures: the four models' loss curves (Fig. 4) and samples (Figs. 6–8)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...data.image_grid import image_grid
from .style import draw_image, new_figure

_LABELS = {"realnvp": "RealNVP", "emerging": "Emerging Conv.", "pac_raster": "PAC raster",
           "pac_s_curve": "PAC s-curve"}
_COLORS = {"realnvp": "tab:blue", "emerging": "tab:orange", "pac_raster": "tab:green", "pac_s_curve": "tab:red"}


def _models(results: dict) -> list[str]:
    if not isinstance(results, dict) or "models" not in results:
        raise ValueError("results must be a dict from pacviz.train.compare / load_comparison (with 'models')")
    return [m for m in results.get("order", list(results["models"])) if m in results["models"]]


def _across_seeds(runs: list[dict], key: str):
    """``(steps, mean, low, high)`` of ``key`` over the runs' curves at each step some run reached
    (a run stopped early drops out of the later steps)."""
    by_step = {}
    for run in runs:
        for r in run["curve"]:
            if r.get(key) is not None:
                by_step.setdefault(r["step"], []).append(r[key])
    steps = sorted(by_step)
    return (np.array(steps), np.array([np.mean(by_step[t]) for t in steps]),
            np.array([min(by_step[t]) for t in steps]), np.array([max(by_step[t]) for t in steps]))


def comparison_curves_figure(results: dict, ylim: tuple[float, float] | None = None) -> Figure:
    """Train bits/dim (thin, batch means) and test bits/dim (bold, dots) against step for every model
    of a :func:`~pacviz.train.compare` result, one colour per model — the paper's Fig. 4. With several
    seeds the lines are the means over the seeds' runs at each step and the shaded band spans the
    seeds' test values (min to max).

    Returns a Figure with one axes: two lines per model, labelled "<model> train" / "<model> test".
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for name in _models(results):
        record = results["models"][name]
        runs = record.get("runs") or [record]
        color = _COLORS.get(name)
        steps, train, _, _ = _across_seeds(runs, "train_bpd")
        if len(steps):
            ax.plot(steps, train, lw=1, alpha=0.45, color=color, label=f"{_LABELS[name]} train")
        steps, test, low, high = _across_seeds(runs, "test_bpd")
        if len(steps):
            ax.plot(steps, test, "o-", lw=2.2, color=color, label=f"{_LABELS[name]} test")
            if len(runs) > 1:
                ax.fill_between(steps, low, high, color=color, alpha=0.2, lw=0)
    ax.set_xlabel("step")
    ax.set_ylabel("bits / dim")
    if ylim is not None:
        ax.set_ylim(*ylim)
    seeds = len(results.get("budget", {}).get("seeds", [0]))
    ax.set_title(f"{results.get('budget', {}).get('dataset', '')}: train (thin) and test (bold) bits/dim"
                 + (f", mean of {seeds} seeds (band: their range)" if seeds > 1 else ""), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return fig


def paired_intervals_figure(results: dict) -> Figure:
    """The paired comparisons of a :func:`~pacviz.train.compare` result (``results["paired"]``): per
    pair A − B, the mean difference of per-image test bits/dim (dot) and its bootstrap interval
    (bar), with 0 marked (left of 0: A is better). Returns a Figure with one axes, one row per pair
    (a note instead when the results hold no paired values)."""
    paired = _models(results) and results.get("paired", [])
    fig = Figure(figsize=(7, 0.6 + 0.55 * max(1, len(paired))), layout="constrained")
    ax = fig.add_subplot()
    if not paired:
        ax.text(0.5, 0.5, "no paired values (one seed and no per-image test bits/dim in these results)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    rows = np.arange(len(paired))[::-1]
    for y, p in zip(rows, paired):
        ax.errorbar(p["mean"], y, xerr=[[p["mean"] - p["low"]], [p["high"] - p["mean"]]], fmt="o", capsize=4,
                    color="black" if p["low"] <= 0 <= p["high"] else _COLORS.get(p["a"] if p["high"] < 0 else p["b"]))
    ax.axvline(0, color="gray", lw=1, ls="--")
    ax.set_yticks(rows, [f"{_LABELS[p['a']]} − {_LABELS[p['b']]}" for p in paired])
    ax.set_xlabel(f"test bits/dim difference (mean over {paired[0]['seeds']} seeds × {paired[0]['images']} images; "
                  f"bar: {paired[0]['level']:.0%} bootstrap interval)", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    return fig


def comparison_samples_figure(results: dict, columns: int | None = None) -> Figure:
    """Each model's final samples (``results["samples"][name]``, ``(N, H, W, C)`` integers) as one
    tiled grid per axes, titled with the model and its test bits/dim — the paper's Figs. 6–8.

    Returns a Figure with one axes per model that has samples, each showing :func:`image_grid`.
    """
    names = [m for m in _models(results) if m in results.get("samples", {})]
    if not names:
        raise ValueError("results hold no samples (results['samples'] is empty); load them with load_comparison")
    fig = new_figure(3.0 * len(names), 3.4, top=0.86, wspace=0.08)
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    levels = results.get("num_levels", 256)
    for ax, name in zip(axes, names):
        draw_image(ax, image_grid(results["samples"][name], levels, columns=columns))
        ax.set_title(f"{_LABELS[name]}\n{results['models'][name]['test_bpd']:.3f} bits/dim", fontsize=10)
    return fig
