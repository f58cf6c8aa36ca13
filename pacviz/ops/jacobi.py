"""The weighted Jacobi method for triangular systems (Eq. 7, Appendix A)."""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import check_alpha, check_float_array, check_int

_DEFAULT_TOL = {8: 1e-10, 4: 1e-5, 2: 1e-2}  # by bytes per element: float64, float32, 16-bit


class JacobiInfo(NamedTuple):
    """What a Jacobi solve did.

    iterations: int scalar, the number of iterations run.
    deltas: ``(max_iters,)``, the max-abs change ``max|x(t+1) - x(t)|`` of each iteration run;
      NaN after the last one.
    converged: bool scalar, True when the last change was <= tol (False on NaN or on hitting
      ``max_iters``).
    """

    iterations: jnp.ndarray
    deltas: jnp.ndarray
    converged: jnp.ndarray


def default_tol(dtype) -> float:
    """The default stopping tolerance on the max-abs change for ``dtype``."""
    return _DEFAULT_TOL[jnp.dtype(dtype).itemsize]


def jacobi(
    matvec: Callable,
    diagonal,
    b,
    *,
    alpha: float = 1.0,
    tol: float | None = None,
    max_iters: int = 200,
    x0=None,
):
    """Solve ``A x = b`` for a triangular ``A`` by weighted Jacobi (Eq. 7).

    ``x(t+1) = x(t) - alpha · diag(A)^-1 (A x(t) - b)``, from ``x0`` (zeros by default), until the
    max-abs change is <= ``tol`` or ``max_iters`` iterations have run. For triangular ``A`` and
    ``alpha`` in (0, 2) the error matrix ``G = I - alpha D^-1 A`` has spectral radius
    ``|1 - alpha| < 1`` (App. A); with ``alpha = 1`` it is strictly triangular, hence nilpotent.

    Runs under ``jit`` (a ``lax.while_loop``: it stops as soon as it converges).

    Args:
      matvec: ``x -> A x`` on arrays shaped like ``b``.
      diagonal: ``diag(A)`` shaped like ``b`` (or broadcastable to it), non-zero.
      b: right-hand side, any shape.
      alpha: the weight, in (0, 2).
      tol: stop when the max-abs change is <= tol; default by dtype (1e-5 float32, 1e-10 float64).
      max_iters: the most iterations to run.
      x0: starting point, shaped like ``b``.

    Returns:
      ``(x, info)`` with ``info`` a :class:`JacobiInfo`. Non-convergence is reported in
      ``info.converged``, never silently hidden.
    """
    check_alpha(alpha)
    check_int("max_iters", max_iters)
    check_float_array("b", b)
    b = jnp.asarray(b)
    tol = default_tol(b.dtype) if tol is None else tol
    if np.shape(diagonal) != b.shape:
        try:
            np.broadcast_shapes(np.shape(diagonal), b.shape)
        except ValueError:
            raise ValueError(
                f"diagonal {np.shape(diagonal)} must have the shape of b {b.shape} or broadcast to it"
            ) from None
    step = alpha / jnp.asarray(diagonal, b.dtype)
    x0 = jnp.zeros_like(b) if x0 is None else jnp.asarray(x0, b.dtype)
    deltas0 = jnp.full((max_iters,), jnp.nan, dtype=b.dtype)

    def cond(state):
        t, _, delta, _ = state
        return (t < max_iters) & (delta > tol)  # a NaN change stops too

    def body(state):
        t, x, _, deltas = state
        x_new = x - step * (matvec(x) - b)
        delta = jnp.max(jnp.abs(x_new - x))
        return t + 1, x_new, delta, deltas.at[t].set(delta)

    init = (jnp.asarray(0, jnp.int32), x0, jnp.asarray(jnp.inf, b.dtype), deltas0)
    t, x, delta, deltas = jax.lax.while_loop(cond, body, init)
    return x, JacobiInfo(iterations=t, deltas=deltas, converged=delta <= tol)
