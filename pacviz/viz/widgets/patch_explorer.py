"""Explore Ψ (Eq. 2): pick a pixel and a kernel size, see its patch and the row of Ψ(x) it becomes."""

from __future__ import annotations

import functools

import ipywidgets as widgets
import jax
import numpy as np

import pacviz as pv

from ..example_layer import unit_image
from ..figures.patches import patch_figure
from ..figures.style import as_display_image
from ..sample_images import default_digit
from .base import FigureExplorer
from .pixel_grid import PixelGrid

KERNEL_SIZES = (1, 3, 5, 7)


@functools.lru_cache(maxsize=None)
def _psi(kernel_size: int):
    return jax.jit(lambda x: pv.psi(x, kernel_size))


class PatchExplorer(FigureExplorer):
    """Row/column sliders (or a click on a pixel) and a kernel-size menu → :func:`patch_figure`.

    Args:
      image: ``(H, W, C)`` floats (default: an 8×8 digit); small images suit the button grid.
      kernel_size: the starting K.
      pixel_size_px: the side of one pixel button.

    Controls: ``row``, ``col`` (IntSlider), ``kernel_size`` (Dropdown), ``grid`` (PixelGrid).
    """

    def __init__(self, image=None, kernel_size: int = 3, *, pixel_size_px: int = 22):
        super().__init__()
        x = default_digit() if image is None else unit_image(image)
        if kernel_size not in KERNEL_SIZES:
            raise ValueError(f"kernel_size must be one of {KERNEL_SIZES}, got {kernel_size}")
        self.x = np.asarray(x, np.float32)
        h, w, _ = self.x.shape
        self.row = widgets.IntSlider(value=h // 2, min=0, max=h - 1, description="row")
        self.col = widgets.IntSlider(value=w // 2, min=0, max=w - 1, description="col")
        self.kernel_size = widgets.Dropdown(options=KERNEL_SIZES, value=kernel_size, description="K")
        colors, _ = as_display_image(self.x)
        self.grid = PixelGrid(h, w, size_px=pixel_size_px,
                              colors=colors if colors.ndim == 3 else np.repeat(colors[..., None], 3, axis=-1))
        self.grid.on_click(self.select)
        self.grid.select(self.row.value, self.col.value)
        self.watch(self.row, self.col, self.kernel_size)
        self.redraw()

    def select(self, row: int, col: int):
        """Pick pixel ``(row, col)`` (what a click does): one redraw."""
        with self.hold():
            self.row.value, self.col.value = row, col

    def patches(self):
        """Ψ(x) ``(H, W, C, K, K)`` for the current K."""
        return np.asarray(_psi(self.kernel_size.value)(self.x))

    def draw(self):
        self.grid.select(self.row.value, self.col.value)
        return patch_figure(self.x, self.patches(), self.row.value, self.col.value)

    def controls(self):
        return [widgets.HBox([self.row, self.col, self.kernel_size]), self.grid.widget]
