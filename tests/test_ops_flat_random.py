"""Flat random draws give exactly the numbers of JAX's shaped draws, so no initial weight, noise
or dropout mask changed when pacviz switched to them (pacviz/ops/flat_random.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.models.conditioner import Dropout, GatedResidualBlock
from pacviz.ops import flat_random

SHAPES = [(5, 5, 6, 6), (2, 7, 5), (11,)]  # shaped draws compile slowly: a few shapes of each rank


@pytest.mark.parametrize("shape", SHAPES)
def test_draws_equal_the_shaped_draws(shape):
    key = jax.random.PRNGKey(7)
    draw, shaped = flat_random.normal(key, shape), jax.random.normal(key, shape)
    assert draw.dtype == shaped.dtype  # JAX's default float (float64 here: the tests enable x64)
    np.testing.assert_array_equal(draw, shaped)
    np.testing.assert_array_equal(flat_random.bernoulli(key, 0.8, shape), jax.random.bernoulli(key, 0.8, shape))
    np.testing.assert_array_equal(flat_random.uniform(key, shape, minval=0.5, maxval=2.0),
                                  jax.random.uniform(key, shape, minval=0.5, maxval=2.0))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_draws_of_a_given_dtype_equal_the_shaped_draws(dtype):
    key, shape = jax.random.PRNGKey(2), (3, 4, 5)
    draw = flat_random.normal(key, shape, dtype)
    assert draw.dtype == dtype
    np.testing.assert_array_equal(draw, jax.random.normal(key, shape, dtype))


@pytest.mark.parametrize("shape", [(3, 3, 8, 16), (12, 5)])
def test_lecun_normal_equals_flax(shape):
    key = jax.random.PRNGKey(3)
    for dtype in (jnp.float32, jnp.float64):
        np.testing.assert_array_equal(flat_random.lecun_normal(key, shape, dtype),
                                      nnx.initializers.lecun_normal()(key, shape, dtype))


def test_dropout_masks_like_flax_dropout():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 6, 6, 8)) + 3.0  # no exact zeros before masking
    ours, flax_dropout = Dropout(0.3, rngs=nnx.Rngs(dropout=5)), nnx.Dropout(0.3, rngs=nnx.Rngs(dropout=5))
    for _ in range(2):  # the stream advances alike
        np.testing.assert_array_equal(ours(x), flax_dropout(x))
    dropped = np.asarray(ours(x)) == 0
    assert 0.2 < dropped.mean() < 0.4
    assert ours(x, deterministic=True) is x
    np.testing.assert_array_equal(Dropout(1.0, rngs=nnx.Rngs(0))(x), jnp.zeros_like(x))
    key = jax.random.PRNGKey(9)
    np.testing.assert_array_equal(ours(x, rngs=key), flax_dropout(x, rngs=key))
    broadcast = Dropout(0.5, broadcast_dims=(-1,), rngs=nnx.Rngs(dropout=1))(x)
    zero = np.asarray(broadcast) == 0
    assert np.all(zero == zero[..., :1])  # one decision per pixel, shared by its channels


def test_residual_block_in_training_mode_is_unchanged(monkeypatch):
    """The block with pacviz's Dropout gives what it gave with ``nnx.Dropout``: the same mask from
    the same stream, so the same output (its weights' initialiser: ``test_lecun_normal_equals_flax``)."""
    block = GatedResidualBlock(8, 16, aux_channels=None, dropout_rate=0.2, kernel_size=3, rngs=nnx.Rngs(0))
    before = nnx.clone(block)
    x = jax.random.normal(jax.random.PRNGKey(1), (2, 6, 6, 8))
    ours = block(x)
    assert not np.array_equal(ours, nnx.clone(block)(x))  # the mask is random: a second call differs
    monkeypatch.setattr(Dropout, "__call__", nnx.Dropout.__call__)  # Flax's own mask, same stream
    np.testing.assert_array_equal(ours, before(x))
