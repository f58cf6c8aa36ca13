"""How fast weighted Jacobi inverts each PAC layer of a model (Sec. 5.3, Fig. 5).

    probes = probe_pac_layers(model, images)      # 64 test images in the paper
    curves = inversion_curves(probes)
    curves.deltas      # (layers, 2, T): max-abs change per iteration of the L solve, then the U solve
    curves.mean        # (2, T): averaged over the layers (Fig. 5)

Inverting ``z = L U x`` is two Jacobi solves (Eq. 7): ``L y = z``, then ``U x = y``. Each layer
is inverted from the output its forward pass gave, with the layer's own Jacobi settings, on the
whole batch at once: exactly what ``model.decode`` does layer by layer during a reconstruction
(there each layer receives the output of the later layers' inverses, equal up to rounding), and
what ``model.inverse_stats()`` then reports.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import NamedTuple

import jax
import numpy as np

from ..ops.inverse import pac_inverse
from ..ops.jacobi import default_tol
from .layer_probe import PACLayerProbe

SOLVES = ("L y = z", "U x = y")  # the order pac_inverse runs them in


class InversionCurves(NamedTuple):
    """Per-iteration max-abs changes of every layer's Jacobi inverse.

    names: the layers, as in the probes.
    deltas: ``(layers, 2, T)``: ``max|x(t+1) − x(t)|`` at iteration ``t`` of the L solve (``[:, 0]``)
      and the U solve (``[:, 1]``), over the whole batch; NaN after a solve stopped.
    iterations: int ``(layers, 2)``: the iterations each solve ran.
    converged: bool ``(layers,)``.
    errors: ``(layers,)``: ``max|x̂ − x|``, how far each layer's inverse lands from its input.
    tol: the stopping tolerance used (on the max-abs change).
    """

    names: tuple
    deltas: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    errors: np.ndarray
    tol: float

    @property
    def mean(self) -> np.ndarray:
        """``(2, T)``: the average over the layers still iterating at ``t`` (NaN once all stopped)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            return np.nanmean(self.deltas, axis=0)

    @property
    def total_iterations(self) -> np.ndarray:
        """int ``(layers,)``: iterations of both solves, the paper's "iterations total"."""
        return self.iterations.sum(axis=1)


@partial(jax.jit, static_argnames=("channel_mask", "alpha", "tol", "max_iters"))
def _invert(z, weight, kernel, mask, channel_mask, alpha, tol, max_iters):
    return pac_inverse(z, weight, kernel, mask, channel_mask=channel_mask, alpha=alpha, tol=tol,
                       max_iters=max_iters)


def invert_probe(probe: PACLayerProbe, *, alpha: float | None = None, tol: float | None = None,
                 max_iters: int | None = None):
    """``(x, info)``: the layer's output ``probe.z`` inverted by weighted Jacobi (``pv.pac_inverse``).

    Settings default to the layer's own (``probe.alpha``, ``.tol``, ``.max_iters``); ``x``
    reconstructs ``probe.x``.
    """
    if not isinstance(probe, PACLayerProbe):
        raise ValueError(f"expected a PACLayerProbe (from probe_pac_layers), got {type(probe).__name__}")
    alpha = probe.alpha if alpha is None else alpha
    tol = probe.tol if tol is None else tol
    max_iters = probe.max_iters if max_iters is None else max_iters
    return _invert(probe.z, probe.weight, probe.kernel, probe.mask,
                   probe.channel_mask, float(alpha), None if tol is None else float(tol), int(max_iters))


def inversion_curves(probes, *, alpha: float | None = None, tol: float | None = None,
                     max_iters: int | None = None) -> InversionCurves:
    """Fig. 5's data: each probed layer's Jacobi inverse, its max-abs change per iteration.

    Args:
      probes: from :func:`~pacviz.models.layer_probe.probe_pac_layers` (the paper: 64 test images,
        every PAC layer of the s-curve model).
      alpha, tol, max_iters: override the layers' own Jacobi settings (Eq. 7).

    Returns:
      :class:`InversionCurves`; ``deltas[l]`` equals ``pv.pac_inverse(...)[1].deltas`` for layer l.
    """
    probes = list(probes)
    if not probes:
        raise ValueError("pass at least one PACLayerProbe (probe_pac_layers(model, images))")
    solved = [invert_probe(p, alpha=alpha, tol=tol, max_iters=max_iters) for p in probes]
    infos = [info for _, info in solved]
    errors = np.array([float(np.max(np.abs(np.asarray(x) - p.x))) for (x, _), p in zip(solved, probes)])
    length = max(info.deltas.shape[-1] for info in infos)
    deltas = np.full((len(probes), 2, length), np.nan)
    for row, info in zip(deltas, infos):
        row[:, :info.deltas.shape[-1]] = np.asarray(info.deltas)
    iterations = np.array([[int(info.lower.iterations), int(info.upper.iterations)] for info in infos])
    converged = np.array([bool(info.converged) for info in infos])
    tol = probes[0].tol if tol is None else tol
    tol = default_tol(probes[0].z.dtype) if tol is None else float(tol)
    return InversionCurves(tuple(p.name for p in probes), deltas, iterations, converged, errors, tol)


__all__ = ["SOLVES", "InversionCurves", "inversion_curves", "invert_probe"]
