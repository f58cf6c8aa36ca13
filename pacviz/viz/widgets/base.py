"""What every explorer shares: controls that redraw one figure, shown as a PNG."""

from __future__ import annotations

import contextlib
import time

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..render import figure_to_png

FIGURE_CLASS = "pacviz-figure"  # a stable DOM class for browser tests


class FigureExplorer:
    """Base class: subclasses build controls, call :meth:`watch` on them and implement :meth:`draw`.

    Attributes:
      figure: the last ``Figure`` drawn (tests read its axes' data).
      redraw_count: how many times the figure was redrawn.
      last_redraw_s: seconds the last redraw took (draw + PNG).
      output: the ``ipywidgets.Image`` showing the PNG (DOM class ``pacviz-figure``).
      widget: the whole explorer as one ipywidget; displaying the explorer displays it.
    """

    dpi = 100  # titles and tick labels readable at the figures' small font sizes

    def __init__(self):
        self.figure: Figure | None = None
        self.redraw_count = 0
        self.last_redraw_s = 0.0
        self._held = 0
        self._pending = False
        self.output = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.output.add_class(FIGURE_CLASS)
        self._widget = None

    # -- to implement ---------------------------------------------------------------------
    def draw(self) -> Figure:
        """Return a new Figure for the current control values."""
        raise NotImplementedError

    def controls(self) -> list[widgets.Widget]:
        """The widgets shown above the figure."""
        raise NotImplementedError

    # -- shared machinery -----------------------------------------------------------------
    def watch(self, *controls: widgets.Widget):
        """Redraw whenever one of ``controls`` changes its value."""
        for control in controls:
            control.observe(self.request_redraw, names="value")

    def request_redraw(self, _change=None):
        """Redraw now, or once at the end of the current :meth:`hold`."""
        if self._held:
            self._pending = True
        else:
            self.redraw()

    @contextlib.contextmanager
    def hold(self):
        """Change several controls at once with a single redraw at the end (if any changed)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._pending:
                self._pending = False
                self.redraw()

    def redraw(self):
        """Draw the figure for the current controls and show it."""
        start = time.perf_counter()
        fig = self.draw()
        self.output.value = figure_to_png(fig, self.dpi)
        self.figure = fig
        self.redraw_count += 1
        self.last_redraw_s = time.perf_counter() - start

    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            self._widget = widgets.VBox(list(self.controls()) + [self.output])
            self._widget.add_class("pacviz-explorer")
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
