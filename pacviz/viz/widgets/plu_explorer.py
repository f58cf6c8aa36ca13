"""Explore the PLU structure (Eq. 9, Eq. 10, Algorithm 1): dense U, L and LU, and the log-det."""

from __future__ import annotations

import functools

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv

from ..dense import permute_matrix
from ..erratum import literal_lower_pac
from ..example_layer import example_layer
from ..figures.jacobian import jacobian_figure
from ..sample_images import block_average, default_photo
from .base import FigureExplorer

LOWER_CHOICES = ("corrected (pacviz)", "as printed (Eq. 10)")


class PluExplorer(FigureExplorer):
    """Order, channel mask, which L, values or sparsity → :func:`jacobian_figure` of U, L, LU.

    The title compares the PLU log-det ``Σ log|U_ii|`` (Algorithm 1, line 15) with
    ``slogdet(LU)``: equal for pacviz's L, different for Eq. 10 as printed.

    Args:
      size: the image is ``size × size × 3`` (a photo shrunk to it), so the matrices are
        ``3·size² `` square.
      kernel_size: K.
      weight_scale: the spread of W around the identity (larger shows more off-diagonal).

    Controls: ``kind``, ``channel_mask``, ``lower``, ``view`` (Dropdowns).
    """

    def __init__(self, size: int = 4, kernel_size: int = 3, *, weight_scale: float = 0.2, seed: int = 0):
        super().__init__()
        photo = block_average(default_photo().astype(np.float32) / 255.0, size)
        self.layer = example_layer(photo, kernel_size, feature_scale=2.0, lengthscale=0.1,
                                   weight_scale=weight_scale, seed=seed)
        self.size, self.kernel_size = size, kernel_size
        self.channels = photo.shape[-1]
        self._jacobian_fns = {}
        self.kind = widgets.Dropdown(options=pv.ORDER_KINDS, value="raster", description="order")
        self.channel_mask = widgets.Dropdown(options=pv.CHANNEL_MASKS, value="all_taps", description="M̂ at")
        self.lower = widgets.Dropdown(options=LOWER_CHOICES, value=LOWER_CHOICES[0], description="L")
        self.view = widgets.Dropdown(options=("values", "sparsity"), value="values", description="show")
        self.watch(self.kind, self.channel_mask, self.lower, self.view)
        self.redraw()

    def _jacobian_fn(self, channel_mask: str, literal: bool):
        """A jitted ``mask -> (dense U, dense L)``, one per setting (compiled once each)."""
        key = (channel_mask, literal)
        if key not in self._jacobian_fns:
            self._jacobian_fns[key] = self._make_jacobian_fn(channel_mask, literal)
        return self._jacobian_fns[key]

    def _make_jacobian_fn(self, channel_mask: str, literal: bool):
        wt, kern = self.layer.weight, self.layer.kernel
        x0 = jnp.zeros_like(self.layer.x)  # the maps are linear: the Jacobian is the same everywhere
        n = x0.size

        def jacobians(mask):
            upper = functools.partial(pv.upper_pac, weight=wt, kernel=kern, mask=mask, channel_mask=channel_mask)
            if literal:
                lower = functools.partial(literal_lower_pac, weight=wt, kernel=kern, mask=mask)
            else:
                lower = functools.partial(pv.lower_pac, weight=wt, kernel=kern, mask=mask, channel_mask=channel_mask)
            return jax.jacfwd(upper)(x0).reshape(n, n), jax.jacfwd(lower)(x0).reshape(n, n)

        return jax.jit(jacobians)

    def jacobians(self) -> dict[str, np.ndarray]:
        """Dense U, L and LU (float64) in "pixel order, then channel" for the current controls."""
        order = pv.make_order(self.size, self.size, self.kind.value)
        mask = pv.autoregressive_mask(order, self.kernel_size)
        ju, jl = self._jacobian_fn(self.channel_mask.value, self.lower.value != LOWER_CHOICES[0])(mask)
        ju = permute_matrix(np.asarray(ju, np.float64), order, self.channels)
        jl = permute_matrix(np.asarray(jl, np.float64), order, self.channels)
        return {"U": ju, "L": jl, "LU": jl @ ju}

    def log_dets(self, jacobians) -> tuple[float, float]:
        """``(Σ log|U_ii| from pv.pac_log_det, slogdet of the dense LU)``."""
        formula = float(pv.pac_log_det(self.layer.weight, self.layer.kernel))
        return formula, float(np.linalg.slogdet(jacobians["LU"])[1])

    def draw(self):
        jac = self.jacobians()
        formula, dense = self.log_dets(jac)
        title = f"log|det| by Σ log|U_ii| = {formula:.4f}    slogdet(LU) = {dense:.4f}"
        return jacobian_figure(jac, self.channels, sparsity=self.view.value == "sparsity", title=title)

    def controls(self):
        return [widgets.HBox([self.kind, self.channel_mask]), widgets.HBox([self.lower, self.view])]
