"""A grid of real buttons, one per pixel: click a pixel to pick it.

Why buttons: they are plain DOM elements that work in JupyterLab 4 with ipywidgets 8 and no
extra frontend extension (ipyevents or ipympl would add one), a browser test can click them
(class ``pacviz-pixel``, and ``pacviz-pixel-{row}-{col}`` for one pixel), and a unit test can
call ``button.click()``. All buttons share one ``Layout`` to keep the widget count low.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

PIXEL_CLASS = "pacviz-pixel"
SELECTED_MARK = "●"


def _hex(rgb) -> str:
    r, g, b = (int(round(255 * float(np.clip(v, 0, 1)))) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


class PixelGrid:
    """``height × width`` buttons; ``on_click(fn)`` calls ``fn(row, col)`` when one is clicked.

    Args:
      height, width: the grid size.
      size_px: the side of one button in CSS pixels.
      colors: optional ``(H, W, 3)`` floats in [0, 1]: each button painted with its pixel's colour.
      labels: optional ``(H, W)`` texts (e.g. order numbers).
    """

    def __init__(self, height: int, width: int, *, size_px: int = 14, colors=None, labels=None):
        if height < 1 or width < 1:
            raise ValueError(f"height and width must be >= 1, got ({height}, {width})")
        self.height, self.width = height, width
        self._callbacks: list[Callable[[int, int], None]] = []
        self._colored = colors is not None
        self._labels = [["" for _ in range(width)] for _ in range(height)]
        self.selected: tuple[int, int] | None = None
        layout = widgets.Layout(width=f"{size_px}px", height=f"{size_px}px", padding="0", margin="0", min_width="0")
        self._font = f"{max(6, size_px // 2)}px"
        self.buttons = [[self._button(r, c, layout) for c in range(width)] for r in range(height)]
        if colors is not None:
            self.set_colors(colors)
        if labels is not None:
            self.set_labels(labels)
        self.widget = widgets.GridBox(
            [b for row in self.buttons for b in row],
            layout=widgets.Layout(grid_template_columns=f"repeat({width}, {size_px}px)", grid_gap="1px",
                                  width="max-content"))
        self.widget.add_class("pacviz-pixel-grid")

    def _button(self, r: int, c: int, layout) -> widgets.Button:
        button = widgets.Button(description="", tooltip=f"row {r}, col {c}", layout=layout,
                                style={"font_size": self._font})
        button.add_class(PIXEL_CLASS)
        button.add_class(f"{PIXEL_CLASS}-{r}-{c}")
        button.on_click(lambda _b, r=r, c=c: self._clicked(r, c))
        return button

    def _clicked(self, r: int, c: int):
        for fn in self._callbacks:
            fn(r, c)

    def on_click(self, fn: Callable[[int, int], None]):
        """Call ``fn(row, col)`` on every click."""
        self._callbacks.append(fn)

    def click(self, row: int, col: int):
        """Click pixel ``(row, col)`` from code, as a user would."""
        self.buttons[row][col].click()

    def set_colors(self, colors):
        """Paint the buttons with ``colors (H, W, 3)`` in [0, 1]."""
        colors = np.asarray(colors)
        if colors.shape != (self.height, self.width, 3):
            raise ValueError(f"colors must be ({self.height}, {self.width}, 3), got {colors.shape}")
        for r in range(self.height):
            for c in range(self.width):
                self.buttons[r][c].style.button_color = _hex(colors[r, c])
        self._colored = True

    def set_labels(self, labels):
        """Write ``labels[r][c]`` on the buttons."""
        if len(labels) != self.height or any(len(row) != self.width for row in labels):
            raise ValueError(f"labels must be {self.height} rows of {self.width}")
        self._labels = [[str(v) for v in row] for row in labels]
        for r in range(self.height):
            for c in range(self.width):
                self._show(r, c)

    def select(self, row: int, col: int):
        """Mark ``(row, col)`` as the selected pixel (a dot on colours; highlighted otherwise)."""
        previous, self.selected = self.selected, (row, col)
        if previous is not None:
            self._show(*previous)
        self._show(row, col)

    def _show(self, r: int, c: int):
        button, chosen = self.buttons[r][c], self.selected == (r, c)
        if self._colored:
            button.description = SELECTED_MARK if chosen else self._labels[r][c]
        else:
            button.description = self._labels[r][c]
            button.button_style = "warning" if chosen else ""
