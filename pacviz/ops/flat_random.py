"""Random draws made as one flat vector and reshaped: the same numbers, compiled far faster.

    w = normal(key, (5, 5, 6, 6))          # == jax.random.normal(key, (5, 5, 6, 6)), bit for bit

With JAX's partitionable threefry (``jax_threefry_partitionable``, on by default) element ``i``
of a draw depends only on the key and its flat index ``i``, so a draw of ``n`` numbers reshaped
to ``shape`` equals the draw of ``shape``. XLA:CPU compiles the one-axis draw several times
faster (a 5×5×6×6 normal: ~0.25 s against ~1.4 s; ``bench/RESULTS.md``), and every eager
initialiser of a new shape, and every draw inside a training step, is such a compile. With the
flag off the numbers differ from the shaped draw's but are just as random. ``dtype`` defaults to
JAX's default float, as in ``jax.random`` (float64 under ``jax_enable_x64``).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp


def _flat(shape) -> tuple[int]:
    return (math.prod(shape),)


def normal(key, shape, dtype=float):
    """``N(0, 1)`` of ``shape``: ``jax.random.normal(key, shape, dtype)``."""
    return jax.random.normal(key, _flat(shape), dtype).reshape(shape)


def uniform(key, shape, dtype=float, minval=0.0, maxval=1.0):
    """``U[minval, maxval)`` of ``shape``: ``jax.random.uniform(key, shape, dtype, minval, maxval)``."""
    return jax.random.uniform(key, _flat(shape), dtype, minval, maxval).reshape(shape)


def bernoulli(key, p, shape):
    """Booleans of ``shape``, True with probability ``p``: ``jax.random.bernoulli(key, p, shape)``."""
    return jax.random.bernoulli(key, p, _flat(shape)).reshape(shape)


def lecun_normal(key, shape, dtype=float):
    """``nnx.initializers.lecun_normal()(key, shape, dtype)``: truncated ``N(0, 1/fan_in)`` in ±2σ,
    ``fan_in`` = the product of all axes but the last (a conv kernel ``(K, K, C_in, C_out)``)."""
    fan_in = math.prod(shape[:-1])
    variance = jnp.array(1.0 / fan_in, dtype=dtype)
    stddev = jnp.sqrt(variance) / jnp.array(.87962566103423978, dtype)  # .879…: σ of N(0, 1) cut at ±2
    return jax.random.truncated_normal(key, -2, 2, _flat(shape), dtype).reshape(shape) * stddev


__all__ = ["bernoulli", "lecun_normal", "normal", "uniform"]
