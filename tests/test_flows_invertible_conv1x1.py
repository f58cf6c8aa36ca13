"""The weight-normalised invertible 1×1 convolution."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import InvertibleConv1x1
from pacviz.flows.testing import assert_bijector, perturb_params


def _x(shape=(2, 4, 4, 3), seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape))


def test_starts_orthogonal_with_zero_log_det():
    conv = InvertibleConv1x1(4, rngs=nnx.Rngs(0))
    w = conv.weight(jnp.float64)
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-6)
    assert not np.allclose(np.abs(w), np.eye(4), atol=1e-2)  # a random rotation, not the identity
    np.testing.assert_allclose(conv.forward_and_log_det(_x((2, 4, 4, 4)))[1], 0.0, atol=1e-4)


def test_weight_norm_row_gains_and_directions():
    conv = InvertibleConv1x1(3, rngs=nnx.Rngs(0))
    perturb_params(conv, 1, 0.5)
    w = conv.weight(jnp.float64)
    np.testing.assert_allclose(jnp.linalg.norm(w, axis=1), jnp.abs(conv.gain[...]), rtol=1e-6)
    # rescaling a direction row leaves W unchanged: only its direction counts
    conv.direction[...] = conv.direction[...].at[1].multiply(7.0)
    np.testing.assert_allclose(conv.weight(jnp.float64), w, rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_bijector_contract(jit):
    conv = InvertibleConv1x1(3, rngs=nnx.Rngs(0))
    perturb_params(conv, 1, 0.5)
    x = _x()
    assert_bijector(conv, x, jit=jit, rtol=1e-10, atol=1e-10)
    assert abs(float(conv.forward_and_log_det(x)[1][0])) > 0.1  # a non-trivial log-det was checked
