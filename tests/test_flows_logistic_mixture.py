"""Logistic CDF mixture + logit (Flow++): log-det, identity at zero, bisection inverse and its tolerance."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pacviz.flows import LogisticMixtureLogit, bisect
from pacviz.flows.testing import assert_bijector

SHAPE = (2, 3, 3, 2)
K = 4


def _normal(shape, seed=0, scale=1.0, dtype=np.float64):
    return jnp.asarray((scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype))


def _layer():
    return LogisticMixtureLogit(2, n_mixtures=K)


def _theta(seed=1, dtype=np.float64):
    return _normal(SHAPE[:-1] + (3 * K * 2,), seed, dtype=dtype)


def test_num_params_is_3KC():
    assert LogisticMixtureLogit(3, n_mixtures=5).num_params == 45


@pytest.mark.parametrize("jit", [False, True])
def test_bijector_contract(jit):
    x = _normal(SHAPE, scale=2.0)
    assert_bijector(_layer(), x, params=_theta(), jit=jit, rtol=1e-9, atol=1e-9)


def test_forward_matches_the_mixture_cdf_definition():
    x, theta = _normal(SHAPE), _theta()
    layer = _layer()
    log_pi, means, log_s = layer.mixture(theta)
    cdf = jnp.sum(jnp.exp(log_pi) * jax.nn.sigmoid((x[..., None] - means) / jnp.exp(log_s)), axis=-1)
    np.testing.assert_allclose(layer.forward(x, theta), jnp.log(cdf / (1 - cdf)), rtol=1e-9)


def test_zero_params_give_the_identity():
    x = _normal(SHAPE, scale=3.0)
    z, ld = _layer().forward_and_log_det(x, jnp.zeros(SHAPE[:-1] + (3 * K * 2,)))
    np.testing.assert_allclose(z, x, atol=1e-12)
    np.testing.assert_allclose(ld, 0.0, atol=1e-10)


def test_tails_stay_finite_and_increasing_without_clipping():
    # narrow components and inputs far in the tails: F is 1 - 1e-40 and beyond in float64
    x = jnp.linspace(-200.0, 200.0, 2 * 3 * 3 * 2).reshape(SHAPE)
    theta = _theta().at[..., 2 * K * 2 :].set(-3.0)  # log-scales
    layer = _layer()
    z, ld = layer.forward_and_log_det(x, theta)
    assert bool(jnp.all(jnp.isfinite(z))) and bool(jnp.all(jnp.isfinite(ld)))
    # strictly increasing along a 1-D sweep with one mixture per element shared
    sweep = jnp.linspace(-300.0, 300.0, 2001)
    xs = jnp.broadcast_to(sweep[:, None, None, None], (2001, 1, 1, 2))
    th = jnp.broadcast_to(theta[:1, :1, :1], (2001, 1, 1, 3 * K * 2))
    ys = layer.forward(xs, th)
    assert bool(jnp.all(jnp.diff(ys[:, 0, 0, 0]) > 0))
    np.testing.assert_allclose(layer.inverse(z, theta), x, rtol=1e-9)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-6)])
def test_bisection_reaches_its_stated_tolerance(dtype, tol):
    """The docstring: after 60 halvings the bracket is below 1e-6 (or the float spacing at the root)."""
    layer = _layer()
    theta = _theta(dtype=dtype)
    x = _normal(SHAPE, scale=3.0, dtype=dtype)
    z = layer.forward(x, theta)
    log_pi, means, log_s = layer.mixture(theta)
    reach = jnp.exp(jnp.max(log_s, -1)) * (jnp.abs(z) + 1)
    lo, hi = jnp.min(means, -1) - reach, jnp.max(means, -1) + reach
    fn = lambda v: layer.forward(v, theta)  # noqa: E731
    assert bool(jnp.all(fn(lo) <= z)) and bool(jnp.all(fn(hi) >= z))  # a valid bracket
    root, width = bisect(fn, z, lo, hi, layer.bisection_iters)
    spacing = 2 * jnp.abs(jnp.spacing(root))
    assert bool(jnp.all(width <= jnp.maximum(tol, spacing)))
    # the inverse sits in that bracket around the computed root
    x_back = layer.inverse(z, theta)
    assert x_back.dtype == dtype
    np.testing.assert_allclose(x_back, root, atol=0)
    if dtype == np.float64:
        np.testing.assert_allclose(x_back, x, atol=tol)
    else:  # float32: the root of the rounded map; its distance to x is set by the map's rounding
        np.testing.assert_allclose(x_back, x, atol=1e-4)


def test_bisect_halves_the_bracket_each_step():
    fn = lambda v: v**3  # noqa: E731
    target = jnp.asarray([-8.0, 0.5, 27.0])
    root, width = bisect(fn, target, jnp.full(3, -10.0), jnp.full(3, 10.0), 20)
    np.testing.assert_allclose(width, 20.0 * 2.0**-20)
    np.testing.assert_allclose(root, jnp.cbrt(target), atol=20.0 * 2.0**-21)
