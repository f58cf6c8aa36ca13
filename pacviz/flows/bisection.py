"""Vectorised bisection for inverting monotone elementwise maps under jit."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def bisect(fn, target, lo, hi, num_iters: int):
    """Solve ``fn(x) = target`` elementwise for an increasing ``fn``, by ``num_iters`` halvings.

    Requires a bracket: ``fn(lo) <= target <= fn(hi)`` elementwise. Each step keeps the half
    whose ends still bracket the target, so after ``n`` steps the bracket has width
    ``(hi - lo) · 2⁻ⁿ`` (never less than the float spacing at the root: once ``lo`` and ``hi``
    are neighbouring floats the midpoint equals one of them and the bracket stops shrinking).
    A fixed number of steps (``lax.fori_loop``) keeps it jit-friendly; there is no early exit.

    Args:
      fn: elementwise increasing function, ``fn(x).shape == x.shape``.
      target, lo, hi: arrays of one shape.
      num_iters: number of halvings.

    Returns:
      ``(x, width)``: the midpoint of the final bracket and the bracket's width, so
      ``|x - root| <= width / 2``.
    """

    def step(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        below = fn(mid) < target
        return jnp.where(below, mid, lo), jnp.where(below, hi, mid)

    lo, hi = jax.lax.fori_loop(0, num_iters, step, (lo, hi))
    return 0.5 * (lo + hi), hi - lo
