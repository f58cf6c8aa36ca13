"""Explore the pixel adaptive kernel (Eq. 5–6): σ², l, feature scale and a pixel of a photo."""

from __future__ import annotations

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv
from pacviz.ops.flat_random import normal

from ..example_layer import unit_image
from ..figures.kernel import kernel_figure
from ..sample_images import default_photo
from .base import FigureExplorer
from .pixel_grid import PixelGrid

NEIGHBOURS = {"right": (0, 1), "below": (1, 0), "left": (0, -1), "above": (-1, 0)}


def neighbour(row: int, col: int, direction: str, height: int, width: int) -> tuple[int, int]:
    """The pixel next to ``(row, col)`` in ``direction``, kept inside the image."""
    dr, dc = NEIGHBOURS[direction]
    return min(max(row + dr, 0), height - 1), min(max(col + dc, 0), width - 1)


class KernelExplorer(FigureExplorer):
    """σ², l and feature-scale sliders and a pixel of a photo → :func:`kernel_figure`.

    The features are the photo's colours in [0, 1] times the feature scale (Eq. 6 compares
    them), σ² and l are the same at every pixel and channel, and W is fixed. The chosen pixel is
    drawn beside a neighbour (right, below, ...): across an edge their kernels differ.

    Args:
      image: ``(H, W, 3)`` uint8 or floats in [0, 1]; default a 32×32 test photo.
      kernel_size: K.
      weight: ``(K, K, C, C)``; default ``N(0, 1)/K`` (seed ``seed``), so the filters show.
      pixel_size_px: the side of one pixel button.

    Controls: ``sigma2``, ``lengthscale``, ``feature_scale`` (sliders), ``row``, ``col``
    (IntSlider), ``direction`` (Dropdown), ``grid`` (PixelGrid, painted with the photo).
    """

    def __init__(self, image=None, kernel_size: int = 5, *, weight=None, seed: int = 0, pixel_size_px: int = 12):
        super().__init__()
        self.image = unit_image(default_photo() if image is None else image)
        h, w, c = self.image.shape
        self.kernel_size = kernel_size
        if weight is None:
            weight = normal(jax.random.PRNGKey(seed), (kernel_size, kernel_size, c, c)) / kernel_size
        self.weight = np.asarray(weight)
        if self.weight.shape != (kernel_size, kernel_size, c, c):
            raise ValueError(f"weight must be ({kernel_size}, {kernel_size}, {c}, {c}), got {self.weight.shape}")
        self._kernel_fn = jax.jit(self._kernel)
        style = {"description_width": "90px"}
        self.sigma2 = widgets.FloatSlider(value=0.8, min=0.05, max=1.0, step=0.05, description="σ²", style=style)
        self.lengthscale = widgets.FloatLogSlider(value=0.05, base=10, min=-3, max=0, step=0.1,
                                                  description="l", style=style)
        self.feature_scale = widgets.FloatSlider(value=1.0, min=0.0, max=4.0, step=0.1,
                                                 description="feature scale", style=style)
        self.row = widgets.IntSlider(value=h // 2, min=0, max=h - 1, description="row", style=style)
        self.col = widgets.IntSlider(value=w // 2, min=0, max=w - 1, description="col", style=style)
        self.direction = widgets.Dropdown(options=list(NEIGHBOURS), value="right", description="neighbour",
                                          style=style)
        self.grid = PixelGrid(h, w, size_px=pixel_size_px, colors=self.image)
        self.grid.on_click(self.select)
        self.watch(self.sigma2, self.lengthscale, self.feature_scale, self.row, self.col, self.direction)
        self.redraw()

    def _kernel(self, image, sigma2, lengthscale, feature_scale):
        h, w, c = image.shape
        ones = jnp.ones((h, w, c), image.dtype)
        return pv.pac_kernel(image * feature_scale, sigma2 * ones, lengthscale * ones, self.kernel_size)

    def kernel(self) -> np.ndarray:
        """k ``(H, W, C, K, K)`` for the current sliders (Eq. 6)."""
        return np.asarray(self._kernel_fn(self.image, self.sigma2.value, self.lengthscale.value,
                                          self.feature_scale.value))

    def pixels(self) -> list[tuple[int, int]]:
        """The chosen pixel and its neighbour."""
        h, w = self.image.shape[:2]
        r, c = self.row.value, self.col.value
        return [(r, c), neighbour(r, c, self.direction.value, h, w)]

    def select(self, row: int, col: int):
        """Pick pixel ``(row, col)`` (what a click does): one redraw."""
        with self.hold():
            self.row.value, self.col.value = row, col

    def draw(self):
        self.grid.select(self.row.value, self.col.value)
        return kernel_figure(self.image, self.kernel(), self.weight, self.pixels())

    def controls(self):
        sliders = widgets.VBox([self.sigma2, self.lengthscale, self.feature_scale])
        picks = widgets.VBox([self.row, self.col, self.direction])
        return [widgets.HBox([sliders, picks]), self.grid.widget]
