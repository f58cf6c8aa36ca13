"""Weighted Jacobi (Eq. 7) against exact substitution: time and steps as the image grows.

    timing = pvz.time_inversions(sides=(8, 16, 32, 64), batches=(1, 8))
    pvz.inversion_timing_figure(timing); print(pvz.inversion_timing_summary(timing))

Both invert the same ``z = L U x`` of a near-identity PAC layer (random x, features, σ², l; the
s-curve order). Jacobi runs a few whole-image masked PACs; substitution runs ``H·W`` sequential
pixel steps per triangular solve. Times are the fastest of a few calls measured round-robin
after the compiling call (the call least disturbed by other work on a shared machine), on
whatever device JAX uses: the numbers are this machine's, not a constant.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv
from pacviz.ops.flat_random import normal, uniform


@dataclass(frozen=True)
class InversionTiming:
    """Medians per (batch, side) of inverting one PAC layer.

    sides: ``(S,)`` image sides ``H = W``; batches: ``(B,)`` images per call.
    jacobi_ms, substitution_ms: ``(B, S)`` milliseconds per call, fastest of the repeats (jit, after compiling).
    jacobi_iterations: ``(B, S)`` Jacobi iterations, L and U solves together.
    substitution_steps: ``(S,)`` sequential steps of substitution, ``2·H·W``.
    max_error: ``(B, S)`` max |x_jacobi − x_substitution|.
    device: where it ran (e.g. "cpu").
    """

    sides: np.ndarray
    batches: np.ndarray
    jacobi_ms: np.ndarray
    substitution_ms: np.ndarray
    jacobi_iterations: np.ndarray
    substitution_steps: np.ndarray
    max_error: np.ndarray
    device: str

    @property
    def speedup(self) -> np.ndarray:
        """``(B, S)``: substitution time / Jacobi time (> 1: Jacobi is faster)."""
        return self.substitution_ms / self.jacobi_ms


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _layer(key, batch, side, channels, kernel_size, mask):
    """``(weight, kernel, z)`` of a random near-identity layer and its output at a random x: one
    compiled program per shape (op by op, each random draw and the forward would compile on its own)."""
    ks = jax.random.split(key, 5)
    shape = (batch, side, side, channels)
    x = normal(ks[0], shape)
    f = jnp.tanh(normal(ks[1], shape))
    sigma2 = uniform(ks[2], shape, minval=0.5, maxval=1.0)
    lengthscale = uniform(ks[3], shape, minval=0.2, maxval=1.0)
    weight = pv.near_identity_weight(ks[4], channels, kernel_size, 0.02)
    kernel = pv.pac_kernel(f, sigma2, lengthscale, kernel_size)
    return weight, kernel, pv.pac_forward(x, weight, kernel, mask)[0]


def _fastest_ms(functions, args, repeats):
    """Fastest ms per call of each function, called round-robin (machine noise hits all alike)."""
    samples = [[] for _ in functions]
    for _ in range(repeats):
        for i, fn in enumerate(functions):
            start = time.perf_counter()
            jax.block_until_ready(fn(*args))
            samples[i].append(1e3 * (time.perf_counter() - start))
    return [float(np.min(s)) for s in samples]


def time_inversions(sides=(8, 16, 32, 64), batches=(1, 8), *, kernel_size: int = 5, channels: int = 3,
                    repeats: int = 5, seed: int = 0) -> InversionTiming:
    """Time ``pv.pac_inverse`` (Jacobi, α = 1) and ``pv.pac_inverse_substitution`` on one layer.

    Each (batch, side) compiles both once (not counted), then keeps the fastest of ``repeats`` calls.
    """
    sides, batches = tuple(int(s) for s in sides), tuple(int(b) for b in batches)
    if not sides or not batches or min(sides) < kernel_size or min(batches) < 1 or repeats < 1:
        raise ValueError(f"need sides >= kernel_size ({kernel_size}), batches >= 1 and repeats >= 1; "
                         f"got sides {sides}, batches {batches}, repeats {repeats}")
    shape = (len(batches), len(sides))
    jacobi_ms, substitution_ms, iterations, error = (np.zeros(shape) for _ in range(4))
    for j, side in enumerate(sides):
        order = pv.make_order(side, side, "s_curve")
        mask = pv.autoregressive_mask(order, kernel_size)
        jacobi = jax.jit(lambda z, w, k, mask=mask: pv.pac_inverse(z, w, k, mask))
        substitution = jax.jit(lambda z, w, k, mask=mask, order=order: pv.pac_inverse_substitution(z, w, k, mask, order))
        # One draw at the largest batch: its first b images are the batch-b draw (flat draws), one compile.
        weight, kernel_all, z_all = _layer(jax.random.PRNGKey(seed), max(batches), side, channels,
                                           kernel_size, mask)
        for i, batch in enumerate(batches):
            kernel, z = kernel_all[:batch], z_all[:batch]
            x_jacobi, info = jax.block_until_ready(jacobi(z, weight, kernel))
            x_substitution = jax.block_until_ready(substitution(z, weight, kernel))
            iterations[i, j] = int(info.lower.iterations) + int(info.upper.iterations)
            error[i, j] = float(jnp.max(jnp.abs(x_jacobi - x_substitution)))
            jacobi_ms[i, j], substitution_ms[i, j] = _fastest_ms(
                (lambda *a: jacobi(*a)[0], substitution), (z, weight, kernel), repeats)
    return InversionTiming(np.array(sides), np.array(batches), jacobi_ms, substitution_ms, iterations,
                           2 * np.array(sides) ** 2, error, jax.default_backend())


def inversion_timing_summary(timing: InversionTiming) -> str:
    """A few sentences that read the measured numbers, whichever way they came out."""
    lines = []
    for i, batch in enumerate(timing.batches):
        parts = []
        for j, side in enumerate(timing.sides):
            ratio = timing.speedup[i, j]
            parts.append(f"{side}×{side}: Jacobi {ratio:.1f}× faster" if ratio >= 1
                         else f"{side}×{side}: substitution {1 / ratio:.1f}× faster")
        lines.append(f"batch {batch}: " + "; ".join(parts))
    wins = timing.speedup >= 1
    if wins.all():
        verdict = "Jacobi won at every size measured here."
    elif not wins.any():
        verdict = "substitution won at every size measured here."
    else:
        firsts = [timing.sides[np.argmax(row)] for row in wins if row.any()]
        verdict = (f"Jacobi won from side {min(firsts)} on (in some batch) and substitution below that."
                   if firsts else "")
    growth = timing.speedup[:, -1] / timing.speedup[:, 0]
    if np.all(growth > 1.1):
        trend = "Jacobi gained on substitution as the image side grew"
    elif np.all(growth < 0.9):
        trend = "Jacobi lost ground to substitution as the image side grew"
    else:
        trend = "the ratio showed no clear trend with the image side in every batch"

    return (f"Measured on {timing.device}: " + " | ".join(lines) + f". {verdict} {trend} "
            f"(substitution/Jacobi at side {timing.sides[-1]} over the same at side {timing.sides[0]}: "
            + ", ".join(f"{g:.1f}×" for g in growth) + f"); Jacobi used at most "
            f"{int(timing.jacobi_iterations.max())} iterations (L + U) where substitution took up to "
            f"{int(timing.substitution_steps.max())} sequential steps.")
