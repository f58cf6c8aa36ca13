"""Step through weighted Jacobi (Eq. 7) inverting a PAC layer, beside exact substitution."""

from __future__ import annotations

import functools
import time

import ipywidgets as widgets
import jax
import numpy as np

import pacviz as pv

from ..example_layer import example_layer
from ..sample_images import block_average, default_photo
from ..figures.jacobi import error_images, jacobi_step_figure
from ..trajectory import jacobi_iterates
from .base import FigureExplorer

SYSTEMS = ("U x = y", "L y = z")


def _timed(fn, *args, repeats: int = 3) -> tuple[object, float]:
    """``fn(*args)`` and its best wall time over ``repeats`` runs after one warm-up (compile) run."""
    out = jax.block_until_ready(fn(*args))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - start)
    return out, best


class JacobiStepper(FigureExplorer):
    """α and iteration sliders → the error image and convergence curve of one triangular solve.

    The layer is built from a photo (``x`` = the photo, ``z = L U x``). Inverting it solves
    ``L y = z``, then ``U x = y`` (§4.2); pick either system. The flat grey line is the error of
    exact substitution (``pv.pac_inverse_substitution``), the dotted line α = 1.

    Args:
      size: the photo is shrunk to ``size × size`` (default 16).
      kernel_size: K.
      order_kind: "raster" or "s_curve".
      max_iters: the last iteration the slider reaches.
      weight_scale: W's spread around the identity.

    Controls: ``alpha`` (FloatSlider), ``iteration`` (IntSlider), ``system`` (Dropdown).
    """

    def __init__(self, size: int = 16, kernel_size: int = 5, *, order_kind: str = "s_curve", max_iters: int = 40,
                 weight_scale: float = 0.05, seed: int = 0):
        super().__init__()
        photo = block_average(default_photo().astype(np.float32) / 255.0, size)
        layer = example_layer(photo, kernel_size, feature_scale=2.0, lengthscale=0.1, weight_scale=weight_scale,
                              seed=seed)
        self.layer, self.max_iters = layer, max_iters
        self.order = pv.make_order(size, size, order_kind)
        mask = pv.autoregressive_mask(self.order, kernel_size)
        f = pv.triangular_factors(layer.x.shape, layer.weight, layer.kernel, mask)
        self.x_true = np.asarray(layer.x)
        y = pv.upper_pac(layer.x, layer.weight, layer.kernel, mask)
        self.z = pv.lower_pac(y, layer.weight, layer.kernel, mask)
        self.y_true = np.asarray(y)
        diag_u = pv.upper_diagonal(layer.weight, layer.kernel)
        self._problems = {  # system -> (matvec, diagonal, b, solution)
            SYSTEMS[0]: (lambda v: pv.pac(v, f.upper_weight, f.upper_kernel), diag_u, y, self.x_true),
            SYSTEMS[1]: (lambda v: v + pv.pac(v, f.lower_weight, f.lower_kernel), np.ones_like(self.y_true),
                         self.z, self.y_true),
        }
        self._iterate_fns = {name: jax.jit(functools.partial(jacobi_iterates, mv, d, b, max_iters))
                             for name, (mv, d, b, _) in self._problems.items()}
        substitution = jax.jit(lambda z: pv.pac_inverse_substitution(z, layer.weight, layer.kernel, mask, self.order))
        jacobi = jax.jit(lambda z: pv.pac_inverse(z, layer.weight, layer.kernel, mask)[0])
        x_sub, self.substitution_s = _timed(substitution, self.z)
        x_jac, self.jacobi_s = _timed(jacobi, self.z)
        self.substitution_error = float(np.max(np.abs(np.asarray(x_sub) - self.x_true)))
        self.jacobi_error = float(np.max(np.abs(np.asarray(x_jac) - self.x_true)))
        self._cache: dict[tuple[str, float], np.ndarray] = {}
        self.alpha = widgets.FloatSlider(value=1.0, min=0.1, max=1.9, step=0.05, description="α")
        self.iteration = widgets.IntSlider(value=min(5, max_iters), min=0, max=max_iters, description="iteration")
        self.system = widgets.Dropdown(options=SYSTEMS, value=SYSTEMS[0], description="solve")
        self.watch(self.alpha, self.iteration, self.system)
        self.redraw()

    def iterates(self, system: str | None = None, alpha: float | None = None) -> np.ndarray:
        """``(max_iters + 1, H, W, C)``: x(0) ... x(T) of Jacobi on ``system`` with weight ``alpha``."""
        system = self.system.value if system is None else system
        alpha = float(self.alpha.value if alpha is None else alpha)
        key = (system, alpha)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = np.asarray(self._iterate_fns[system](alpha=alpha))
        return self._cache[key]

    def solution(self, system: str | None = None) -> np.ndarray:
        """The exact solution of ``system``: x for ``U x = y``, y for ``L y = z``."""
        return self._problems[self.system.value if system is None else system][3]

    def draw(self):
        sol = self.solution()
        base = error_images(self.iterates(alpha=1.0), sol).reshape(self.max_iters + 1, -1).max(axis=1)
        note = (f"full inverse of z = LUx: Jacobi (α = 1) {1e3 * self.jacobi_s:.1f} ms, max error "
                f"{self.jacobi_error:.1e};  substitution {1e3 * self.substitution_s:.1f} ms, max error "
                f"{self.substitution_error:.1e}")
        return jacobi_step_figure(self.iterates(), sol, self.iteration.value, alpha=self.alpha.value,
                                  baseline={"α = 1": base}, reference_error=self.substitution_error,
                                  reference_label="substitution", value_range=(-1.0, 1.0), note=note)

    def controls(self):
        return [widgets.HBox([self.alpha, self.iteration, self.system])]
