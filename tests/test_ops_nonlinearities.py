"""Squareplus and friends (App. C.1–C.2)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv


@pytest.mark.parametrize("gamma", [0.5, 1.0])
def test_squaresigmoid_is_derivative_of_squareplus(gamma):
    x = jnp.linspace(-20, 20, 101)
    grad = jax.vmap(jax.grad(lambda v: pv.squareplus(v, gamma)))(x)
    np.testing.assert_allclose(pv.squaresigmoid(x, gamma), grad, rtol=1e-12)
    assert np.all((np.asarray(pv.squaresigmoid(x, gamma)) > 0) & (np.asarray(pv.squaresigmoid(x, gamma)) < 1))


def test_squareplus_values_and_inverse():
    x = jnp.linspace(-30, 30, 61)
    y = pv.squareplus(x)
    assert np.all(np.asarray(y) > 0)
    np.testing.assert_allclose(pv.inverse_squareplus(y), x, atol=1e-9)
    assert float(pv.squareplus(0.0, 1.0)) == 1.0  # sp(0; 1) = 1, used for identity initialisation
    np.testing.assert_allclose(pv.squareswish(x), x * pv.squaresigmoid(x))
    np.testing.assert_allclose(pv.squareplus(jnp.array(1e4)), 1e4, rtol=1e-8)  # ReLU-like for large x
