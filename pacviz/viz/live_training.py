"""A live view of training for notebooks: the loss curves and the latest sample grid, redrawn in
place as ``pv.train`` reports (pass it as a callback); it keeps every sample grid it was sent."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..data.image_grid import image_grid
from .figures.sample_grids import sample_grids_figure
from .figures.style import draw_image
from .figures.training_curves import training_curves_figure
from .render import figure_to_png


def live_training_figure(history, samples=None, num_levels: int = 256, title: str | None = None) -> Figure:
    """Curves of train/test bits/dim (Fig. 4) beside a grid of ``samples (N, H, W, C)`` if given."""
    fig = Figure(figsize=(9 if samples is not None else 6, 3.2))
    ax = fig.add_subplot(1, 2 if samples is not None else 1, 1)
    training_curves_figure(history, title=title, ax=ax)
    if samples is not None:
        ax_s = fig.add_subplot(1, 2, 2)
        draw_image(ax_s, image_grid(samples, num_levels), "samples")
    fig.tight_layout()
    return fig


class LiveTraining:
    """``pv.train(..., callbacks=[LiveTraining()])``: display it, and it redraws on every log line.

    Attributes: ``history`` (the records so far), ``samples`` (the last grid), ``sample_history``
    (``[(step, samples)]``, every grid so far), ``figure``, ``redraw_count`` and ``widget`` (an
    ``ipywidgets.Image``, DOM class ``pacviz-figure``). A grid appears on the redraw after the
    evaluation that made it; :meth:`samples_figure` shows them all side by side.
    """

    def __init__(self, num_levels: int = 256, title: str | None = None):
        self.num_levels, self.title = num_levels, title
        self.history, self.samples, self.figure, self.redraw_count = [], None, None, 0
        self.sample_history = []
        self.widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.widget.add_class("pacviz-figure")

    def _redraw(self):
        self.figure = live_training_figure(self.history, self.samples, self.num_levels, self.title)
        self.widget.value = figure_to_png(self.figure)
        self.redraw_count += 1

    def on_log(self, record):
        if not self.history or self.history[-1] is not record:
            self.history.append(record)
        self._redraw()

    def on_eval(self, record, samples):
        if samples is not None:
            self.samples = np.asarray(samples)
            self.sample_history.append((int(record["step"]), self.samples))

    def samples_figure(self, title: str | None = None) -> Figure:
        """Every sample grid received so far, oldest left (how samples improve as training goes on)."""
        if not self.sample_history:
            raise ValueError("no samples yet: pv.train sends a grid at the evaluations on multiples of sample_every")
        return sample_grids_figure({f"step {step}": s for step, s in self.sample_history}, self.num_levels,
                                   title=title)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
