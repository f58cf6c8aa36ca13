"""Figure → PNG bytes: how every widget shows its picture.

The widgets draw with plain ``matplotlib.figure.Figure`` (no pyplot, no global state) and show
the result as a PNG in an ``ipywidgets.Image``. That works the same in a test, in nbclient and
in JupyterLab, needs no interactive matplotlib backend (no ipympl), and gives a browser test a
stable ``<img>`` whose ``src`` changes on every redraw.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def figure_to_png(fig: Figure, dpi: float = 100) -> bytes:
    """Render ``fig`` with Agg and return the PNG file's bytes."""
    if not isinstance(fig, Figure):
        raise ValueError(f"expected a matplotlib Figure, got {type(fig).__name__}")
    FigureCanvasAgg(fig)  # attach an Agg canvas: savefig then needs no backend switch
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
