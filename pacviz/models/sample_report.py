"""Which decoded samples can be trusted: per-image finiteness and Jacobi convergence, with one
warning that counts the bad ones and says what to do about them."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SampleReport:
    """What :meth:`PACFlow.decode` / :meth:`PACFlow.sample` found about their images.

    finite: ``(B,)`` bool, True where the image's latents and inverse stayed finite (a False image
      was decoded from NaN / inf; its pixels mean nothing).
    residual: ``(B,)``, the round trip ``max |f(f⁻¹(z)) − z|`` per image: how far the computed
      inverse is from inverting the flow.
    converged: every weighted Jacobi inverse of the batch met its tolerance (per layer, batch-wide).
    """

    finite: np.ndarray
    residual: np.ndarray
    converged: bool

    @property
    def inverted(self) -> np.ndarray:
        """``(B,)`` bool: the image's round-trip residual is within :data:`ROUND_TRIP_TOL` (relative to ``max|z|``)."""
        return self.finite & (self.residual <= self.tolerance)

    @property
    def tolerance(self) -> float:
        return ROUND_TRIP_TOL

    @property
    def ok(self) -> np.ndarray:
        """``(B,)`` bool: the image is finite and was inverted (its round trip lands on z)."""
        return self.inverted

    @property
    def num_bad(self) -> int:
        return int(np.sum(~self.ok))


# Jacobi stops each layer at a max-abs change of 1e-5 (float32); a whole flow's round trip then
# stays orders of magnitude below this, relative to the latents' scale.
ROUND_TRIP_TOL = 1e-2


def sample_report(z, z0, residual, converged: bool) -> SampleReport:
    """The report of latents ``z (B, ...)`` decoded to ``z0 (B, H, W, P)``, with the per-image
    round-trip ``residual (B,)`` (relative to ``max(1, max|z|)`` per image when judged)."""
    z, z0 = np.asarray(z), np.asarray(z0)
    finite = (np.all(np.isfinite(z0), axis=tuple(range(1, z0.ndim)))
              & np.all(np.isfinite(z), axis=tuple(range(1, z.ndim))))
    scale = np.maximum(1.0, np.max(np.abs(np.where(np.isfinite(z), z, 0.0)), axis=tuple(range(1, z.ndim))))
    relative = np.where(finite, np.asarray(residual, np.float64) / scale, np.inf)
    return SampleReport(finite=np.asarray(finite, bool), residual=relative, converged=bool(converged))


def warn_about(report: SampleReport, z, temperature: float | None = None, stacklevel: int = 3):
    """One ``RuntimeWarning`` counting the images that cannot be trusted, with the advice that fits
    the cause: NaN latents, a too high temperature, an untrained / diverged model, or too few
    Jacobi iterations."""
    n = len(report.finite)
    bad = np.flatnonzero(~report.finite)
    loose = np.flatnonzero(report.finite & ~report.inverted)
    slow = "" if not len(loose) else (f"; {len(loose)} more were not inverted to tolerance (raise the model's "
                                      "jacobi_max_iters)")
    if len(bad):
        shown = ", ".join(map(str, bad[:8])) + (", ..." if len(bad) > 8 else "")
        axes = tuple(range(1, np.ndim(z)))
        if not np.all(np.isfinite(np.asarray(z)), axis=axes).all():
            advice = "the latents z passed in hold NaN or inf; decode finite latents"
        elif temperature is not None and temperature > 1:
            advice = f"temperature {temperature:g} is too high for this model; use 1 or less (0.5-0.8 is usual)"
        else:
            advice = ("the inverse diverged: the model is untrained, early in its training or broken; train it "
                      "longer (pacviz train) or load a trained run, or sample at a lower temperature")
        warnings.warn(f"{len(bad)} of {n} samples are not finite (images {shown}; their pixels are meaningless, "
                      f"see the report's .finite): {advice}{slow}", RuntimeWarning, stacklevel=stacklevel)
    elif len(loose):
        shown = ", ".join(map(str, loose[:8])) + (", ..." if len(loose) > 8 else "")
        warnings.warn(f"{len(loose)} of {n} samples were not inverted to tolerance (images {shown}: the round "
                      f"trip f(f⁻¹(z)) misses z by up to {np.max(report.residual[loose]):.2g} relative; see the "
                      "report's .residual): raise the model's jacobi_max_iters", RuntimeWarning,
                      stacklevel=stacklevel)


def check_temperature(temperature) -> float:
    """``temperature`` must be a finite number > 0 (the standard deviation of the latents)."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)):
        raise TypeError(f"temperature must be a number > 0, got {temperature!r}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0 (1 samples the model as trained, < 1 gives "
                         f"smoother images), got {temperature}")
    return float(temperature)
