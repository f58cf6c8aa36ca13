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


def comparison_curves_figure(results: dict, ylim: tuple[float, float] | None = None) -> Figure:
    """Train bits/dim (thin, batch means) and test bits/dim (bold, dots) against step for every model
    of a :func:`~pacviz.train.compare` result, one colour per model — the paper's Fig. 4.

    Returns a Figure with one axes: two lines per model, labelled "<model> train" / "<model> test".
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for name in _models(results):
        curve = results["models"][name]["curve"]
        train = [(r["step"], r["train_bpd"]) for r in curve if r.get("train_bpd") is not None]
        test = [(r["step"], r["test_bpd"]) for r in curve if r.get("test_bpd") is not None]
        color = _COLORS.get(name)
        if train:
            ax.plot(*zip(*train), lw=1, alpha=0.45, color=color, label=f"{_LABELS[name]} train")
        if test:
            ax.plot(*zip(*test), "o-", lw=2.2, color=color, label=f"{_LABELS[name]} test")
    ax.set_xlabel("step")
    ax.set_ylabel("bits / dim")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(f"{results.get('budget', {}).get('dataset', '')}: train (thin) and test (bold) bits/dim")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
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
