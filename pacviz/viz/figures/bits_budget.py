"""Where the bits go: each layer's share of bits/dim, ``−term / (H·W·C · ln 2)`` (Eq. 1)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .style import new_figure


def bits_budget_figure(contributions: Mapping[str, float], title: str | None = None) -> Figure:
    """Horizontal bars, one per term (layers' log-dets and the prior), in bits/dim; the last bar
    is their sum, the model's bits/dim (``ModelSummary.contributions()`` gives the terms).

    A negative bar is a layer that expands volume (it *lowers* bits/dim); the prior's bar is the
    cost of the latent under N(0, I).

    Returns a Figure with one axes: ``len(contributions) + 1`` bars, the total last.
    """
    if not contributions:
        raise ValueError("contributions is empty: pass name → bits/dim")
    names = list(contributions) + ["total (bits/dim)"]
    values = np.array([float(v) for v in contributions.values()])
    values = np.append(values, values.sum())
    fig = new_figure(7.0, 0.28 * len(names) + 1.0, top=1 - 0.45 / (0.28 * len(names) + 1.0), bottom=0.55 /
                     (0.28 * len(names) + 1.0), left=0.3, right=0.97)
    ax = fig.add_subplot()
    colors = ["tab:red" if v > 0 else "tab:green" for v in values[:-1]] + ["black"]
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("bits / dim  (red: costs bits, green: saves bits)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.text(values[-1], y[-1], f" {values[-1]:.3f}", va="center", ha="left" if values[-1] >= 0 else "right",
            fontsize=8)
    ax.set_title(title or "each layer's share of bits/dim", fontsize=10)
    return fig
