"""A grid of real buttons, one per pixel: click a pixel to pick it.

Why buttons: they are plain DOM elements that work in JupyterLab 4 with ipywidgets 8 and no
extra frontend extension (ipyevents or ipympl would add one), a browser test can click them
(class ``pacviz-pixel``, and ``pacviz-pixel-{row}-{col}`` for one pixel), and a unit test can
call ``button.click()``. All buttons share one ``Layout`` to keep the widget count low, and each
button is born with its colour, text and classes: a 32×32 grid then costs the kernel 2 048 comm
messages (a button and its style), not 5 000+, which keeps a fast kernel under the Jupyter
server's IOPub rate limit (1 000 messages/s over 3 s; past it the server drops outputs, widgets
included).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

PIXEL_CLASS = "pacviz-pixel"
SELECTED_MARK = "●"


def hex_colors_of(colors) -> list[str]:
    """``(..., 3)`` floats in [0, 1] → ``"#rrggbb"`` strings, in row-major order, converted in one go."""
    rgb = np.round(255 * np.clip(np.asarray(colors, dtype=float), 0, 1)).astype(int).reshape(-1, 3)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]


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
        if labels is not None:
            self._labels = self._checked_labels(labels)
        hex_colors = hex_colors_of(self._checked_colors(colors)) if colors is not None else None
        self.selected: tuple[int, int] | None = None
        layout = widgets.Layout(width=f"{size_px}px", height=f"{size_px}px", padding="0", margin="0", min_width="0")
        self._font = f"{max(6, size_px // 2)}px"
        self.buttons = [[self._button(r, c, layout, None if hex_colors is None else hex_colors[r * width + c])
                         for c in range(width)] for r in range(height)]
        self.widget = widgets.GridBox(
            [b for row in self.buttons for b in row],
            layout=widgets.Layout(grid_template_columns=f"repeat({width}, {size_px}px)", grid_gap="1px",
                                  width="max-content"), _dom_classes=("pacviz-pixel-grid",))

    def _button(self, r: int, c: int, layout, color: str | None) -> widgets.Button:
        style = {"font_size": self._font} if color is None else {"font_size": self._font, "button_color": color}
        # Everything set in the constructor: each later change is one more comm message per button.
        button = widgets.Button(description=self._labels[r][c], tooltip=f"row {r}, col {c}", layout=layout,
                                style=style, _dom_classes=(PIXEL_CLASS, f"{PIXEL_CLASS}-{r}-{c}"))
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

    def _checked_colors(self, colors) -> np.ndarray:
        colors = np.asarray(colors)
        if colors.shape != (self.height, self.width, 3):
            raise ValueError(f"colors must be ({self.height}, {self.width}, 3), got {colors.shape}")
        return colors

    def _checked_labels(self, labels) -> list[list[str]]:
        if len(labels) != self.height or any(len(row) != self.width for row in labels):
            raise ValueError(f"labels must be {self.height} rows of {self.width}")
        return [[str(v) for v in row] for row in labels]

    def set_colors(self, colors):
        """Paint the buttons with ``colors (H, W, 3)`` in [0, 1] (one message per button whose colour changes)."""
        buttons = (button for row in self.buttons for button in row)
        for button, color in zip(buttons, hex_colors_of(self._checked_colors(colors))):
            if button.style.button_color != color:
                button.style.button_color = color
        self._colored = True

    def set_labels(self, labels):
        """Write ``labels[r][c]`` on the buttons."""
        self._labels = self._checked_labels(labels)
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
