"""Explore orders and masks (Eq. 8): raster, s-curve or a hand-drawn order; a pixel's mask; U and L."""

from __future__ import annotations

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv

from ..custom_order import custom_order
from ..dense import permute_matrix
from ..figures.masks import order_mask_figure
from .base import FigureExplorer
from .pixel_grid import PixelGrid

ORDER_CHOICES = ("raster", "s_curve", "custom")


class OrderMaskExplorer(FigureExplorer):
    """An order, a pixel's mask M and the sparsity of U (Eq. 9) and L (Eq. 10, corrected).

    With ``kind = "custom"`` every click on a pixel button numbers that pixel next (pixels not
    clicked yet take the remaining numbers in raster order); ``reset`` starts over. In every mode
    a click also picks the pixel whose mask is shown.

    Args:
      height, width: the image size (the buttons are labelled with the order).
      channels: C of the dense Jacobians (``H·W·C`` rows).
      kernel_size: K.

    Controls: ``kind`` (Dropdown), ``row``, ``col`` (IntSlider), ``reset`` (Button),
    ``grid`` (PixelGrid). ``clicked`` lists the custom order's pixels so far.
    """

    def __init__(self, height: int = 6, width: int = 6, channels: int = 2, kernel_size: int = 3,
                 *, pixel_size_px: int = 30):
        super().__init__()
        self.height, self.width, self.channels, self.kernel_size = height, width, channels, kernel_size
        self.clicked: list[tuple[int, int]] = []
        ones = jnp.ones((kernel_size, kernel_size, channels, channels), jnp.float32)
        x0 = jnp.zeros((height, width, channels), jnp.float32)
        n = x0.size

        def structure(mask):
            # W = 1 and k = 1: every connection the masks allow is a non-zero.
            ju = jax.jacfwd(lambda v: pv.upper_pac(v, ones, None, mask))(x0).reshape(n, n)
            jl = jax.jacfwd(lambda v: pv.lower_pac(v, ones, None, mask))(x0).reshape(n, n)
            return ju, jl

        self._structure = jax.jit(structure)
        self.kind = widgets.Dropdown(options=ORDER_CHOICES, value="raster", description="order")
        self.row = widgets.IntSlider(value=height // 2, min=0, max=height - 1, description="row")
        self.col = widgets.IntSlider(value=width // 2, min=0, max=width - 1, description="col")
        self.reset = widgets.Button(description="reset custom order")
        self.reset.on_click(lambda _b: self.reset_custom())
        self.grid = PixelGrid(height, width, size_px=pixel_size_px)
        self.grid.on_click(self.click)
        self.watch(self.kind, self.row, self.col)
        self.redraw()

    def order(self):
        """The current order ``(H, W)``, a permutation of ``1..H·W``."""
        if self.kind.value == "custom":
            return custom_order(self.height, self.width, self.clicked)
        return pv.make_order(self.height, self.width, self.kind.value)

    def click(self, row: int, col: int):
        """A click on pixel ``(row, col)``: number it next (custom order) and show its mask."""
        with self.hold():
            if self.kind.value == "custom" and (row, col) not in self.clicked:
                self.clicked.append((row, col))
                self.request_redraw()
            self.row.value, self.col.value = row, col

    def reset_custom(self):
        """Forget the clicks of the custom order."""
        self.clicked = []
        if self.kind.value == "custom":
            self.redraw()

    def jacobians(self, order, mask) -> dict[str, np.ndarray]:
        """Sparsity-revealing dense U and L in "pixel order, then channel"."""
        ju, jl = self._structure(mask)
        return {"U (Eq. 9)": permute_matrix(ju, order, self.channels),
                "L (Eq. 10, corrected)": permute_matrix(jl, order, self.channels)}

    def draw(self):
        order = self.order()
        mask = pv.autoregressive_mask(order, self.kernel_size)
        self.grid.set_labels(np.asarray(order))
        self.grid.select(self.row.value, self.col.value)
        return order_mask_figure(order, mask, self.row.value, self.col.value, self.jacobians(order, mask),
                                 self.channels)

    def controls(self):
        return [widgets.HBox([self.kind, self.reset]), widgets.HBox([self.row, self.col]), self.grid.widget]
