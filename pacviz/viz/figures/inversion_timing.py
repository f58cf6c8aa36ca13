"""Weighted Jacobi vs substitution as the image grows: time and sequential steps (Sec. 4.2)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .style import new_figure

BATCH_STYLES = ("-", "--", ":", "-.")


def inversion_timing_figure(timing, title: str | None = None) -> Figure:
    """Two panels from a :class:`pacviz.viz.inversion_timing.InversionTiming`.

    Returns:
      A Figure with 2 axes: [0] ms per inverse against the image side (log-log), Jacobi and
      substitution, one line style per batch; [1] steps against the side (log-log): Jacobi's
      iterations (L + U, per batch) and substitution's ``2·H·W`` sequential steps.
    """
    sides = np.asarray(timing.sides)
    fig = new_figure(10.0, 3.8, top=0.82, bottom=0.15, left=0.09, right=0.98, wspace=0.3)
    ax_t, ax_s = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for i, batch in enumerate(timing.batches):
        style = BATCH_STYLES[i % len(BATCH_STYLES)]
        ax_t.plot(sides, timing.jacobi_ms[i], style, color="tab:blue", marker="o", label=f"Jacobi, batch {batch}")
        ax_t.plot(sides, timing.substitution_ms[i], style, color="tab:orange", marker="s",
                  label=f"substitution, batch {batch}")
        ax_s.plot(sides, timing.jacobi_iterations[i], style, color="tab:blue", marker="o",
                  label=f"Jacobi iterations, batch {batch}")
    ax_s.plot(sides, timing.substitution_steps, color="tab:orange", marker="s", label="substitution steps (2·H·W)")
    for ax, ylabel, heading in ((ax_t, "ms per inverse (fastest call)", f"time on {timing.device}"),
                                (ax_s, "sequential steps (L + U)", "steps")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sides, [str(s) for s in sides])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))  # 0.5, 2, 100: no mathtext
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("image side H = W")
        ax.set_ylabel(ylabel)
        ax.set_title(heading, fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "inverting z = L U x: weighted Jacobi vs pixel-by-pixel substitution", fontsize=11)
    return fig
