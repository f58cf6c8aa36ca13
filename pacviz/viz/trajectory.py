"""Every iterate of a weighted Jacobi solve (Eq. 7), for pictures of the error as it shrinks."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

import pacviz as pv


def jacobi_iterates(matvec: Callable, diagonal, b, num_iters: int, *, alpha=1.0, x0=None):
    """``x(0), x(1), ..., x(T)`` of weighted Jacobi (Eq. 7) on ``A x = b``.

    Each step is one call of ``pv.jacobi`` with ``max_iters=1`` (so this is exactly the library's
    iteration ``x ← x − α D⁻¹ (A x − b)``), run under ``lax.scan`` so it jits; ``alpha`` may be
    traced.

    Args:
      matvec: ``x -> A x`` for a triangular ``A``.
      diagonal: ``diag(A)``, shaped like ``b``.
      b: the right-hand side, any shape ``S``.
      num_iters: ``T`` (a Python int).
      alpha: the weight, in (0, 2).
      x0: the start, zeros by default.

    Returns:
      ``(T + 1, *S)``: the start and every iterate.
    """
    if not isinstance(num_iters, int) or num_iters < 0:
        raise ValueError(f"num_iters must be a non-negative int, got {num_iters!r}")
    b = jnp.asarray(b)
    x0 = jnp.zeros_like(b) if x0 is None else jnp.asarray(x0, b.dtype)

    def step(x, _):
        # tol = -1: the change is never <= -1, so exactly one iteration runs.
        x_new, _ = pv.jacobi(matvec, diagonal, b, alpha=alpha, tol=-1.0, max_iters=1, x0=x)
        return x_new, x_new

    _, xs = jax.lax.scan(step, x0, None, length=num_iters)
    return jnp.concatenate([x0[None], xs])
