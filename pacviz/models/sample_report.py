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
    converged: every weighted Jacobi inverse of the batch converged (per layer, for the batch).
    """

    finite: np.ndarray
    converged: bool

    @property
    def ok(self) -> np.ndarray:
        """``(B,)`` bool: the image is finite and its inverse converged."""
        return self.finite & self.converged

    @property
    def num_bad(self) -> int:
        return int(np.sum(~self.ok))


def sample_report(z, z0, converged: bool) -> SampleReport:
    """The report of latents ``z (B, ...)`` decoded to ``z0 (B, H, W, P)``."""
    axes = tuple(range(1, np.ndim(z0)))
    finite = np.all(np.isfinite(np.asarray(z0)), axis=axes) & np.all(np.isfinite(np.asarray(z)), axis=axes[:np.ndim(z) - 1])
    return SampleReport(finite=np.asarray(finite, bool), converged=bool(converged))


def warn_about(report: SampleReport, z, temperature: float | None = None, stacklevel: int = 3):
    """One ``RuntimeWarning`` counting the images that cannot be trusted, with the advice that fits
    the cause: NaN latents, a too high temperature, an untrained / diverged model, or too few
    Jacobi iterations."""
    n = len(report.finite)
    bad = np.flatnonzero(~report.finite)
    slow = "" if report.converged else "; weighted Jacobi also did not converge for this batch (raise jacobi_max_iters)"
    if len(bad):
        shown = ", ".join(map(str, bad[:8])) + (", ..." if len(bad) > 8 else "")
        axes = tuple(range(1, np.ndim(z)))
        if not np.all(np.isfinite(np.asarray(z)), axis=axes).all():
            advice = "the latents z passed in hold NaN or inf; decode finite latents"
        elif temperature is not None and temperature > 1:
            advice = f"temperature {temperature:g} is too high for this model; use 1 or less (0.5-0.8 is usual)"
        else:
            advice = ("the model is untrained or its parameters are broken; train it (pacviz train) or load a "
                      "trained run")
        warnings.warn(f"{len(bad)} of {n} samples are not finite (images {shown}; their pixels are meaningless, "
                      f"see the report's .finite): {advice}{slow}", RuntimeWarning, stacklevel=stacklevel)
    elif not report.converged:
        warnings.warn(f"weighted Jacobi did not converge for this batch of {n} samples (the images are "
                      "approximate): raise the model's jacobi_max_iters", RuntimeWarning, stacklevel=stacklevel)


def check_temperature(temperature) -> float:
    """``temperature`` must be a finite number > 0 (the standard deviation of the latents)."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)):
        raise TypeError(f"temperature must be a number > 0, got {temperature!r}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be finite and > 0 (1 samples the model as trained, < 1 gives "
                         f"smoother images), got {temperature}")
    return float(temperature)
