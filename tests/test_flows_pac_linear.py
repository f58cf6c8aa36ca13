"""The PAC and emerging linear layers: round trip, log-det against the dense Jacobian, Jacobi stats."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.flows.pac_linear import EmergingLinear, PACLinear
from pacviz.flows.testing import assert_bijector

LAYERS = [
    (PACLinear, dict(features=3, kernel_size=3, order="s_curve")),
    (PACLinear, dict(features=3, kernel_size=3, order="raster", channel_mask="center")),
    (EmergingLinear, dict(kernel_size=3, order="raster")),
]


def layer_and_inputs(cls, kwargs, dtype=jnp.float64, seed=0):
    layer = cls(2, rngs=nnx.Rngs(seed), param_dtype=dtype, **kwargs)
    kx, kp = jax.random.split(jax.random.PRNGKey(seed + 1))
    x = jax.random.normal(kx, (2, 4, 5, 2), dtype)
    params = 0.5 * jax.random.normal(kp, (2, 4, 5, layer.num_params), dtype)
    return layer, x, params


@pytest.mark.parametrize("cls,kwargs", LAYERS)
@pytest.mark.parametrize("jit", [False, True])
def test_round_trip_and_dense_log_det(cls, kwargs, jit):
    layer, x, params = layer_and_inputs(cls, kwargs)
    assert_bijector(layer, x, params=params, jit=jit, rtol=1e-8, atol=1e-8)


def test_starts_near_identity():
    layer = PACLinear(3, features=4, kernel_size=5, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.PRNGKey(0), (1, 6, 6, 3))
    z, log_det = layer.forward_and_log_det(x, jnp.zeros((1, 6, 6, layer.num_params)))
    assert float(jnp.max(jnp.abs(z - x))) < 0.5  # noisy identity: small taps around 1·x
    assert abs(float(log_det[0])) < 0.1 * x.size


def test_inverse_records_jacobi_statistics():
    layer, x, params = layer_and_inputs(PACLinear, dict(features=3, kernel_size=3))
    z, _ = layer.forward_and_log_det(x, params)
    layer.inverse_and_log_det(z, params)
    assert 2 <= int(layer.last_iterations[...]) < 2 * layer.max_iters
    assert bool(layer.last_converged[...])
    deltas = np.asarray(layer.last_deltas[...])
    assert np.isfinite(deltas[0, 0]) and deltas.shape == (2, layer.max_iters)


def test_custom_order_is_used():
    order = np.arange(1, 21)[::-1].reshape(4, 5)  # reverse raster
    layer = PACLinear(2, features=3, kernel_size=3, order=order, rngs=nnx.Rngs(0))
    np.testing.assert_array_equal(layer.mask(4, 5), pv.autoregressive_mask(order, 3))
    with pytest.raises(ValueError, match="order must have shape"):
        layer.mask(5, 5)
    with pytest.raises(ValueError, match="permutation"):
        PACLinear(2, order=np.ones((4, 5), int), rngs=nnx.Rngs(0))


def test_kernel_parameters_are_bounded():
    layer = PACLinear(2, features=3, kernel_size=3, rngs=nnx.Rngs(0))
    params = 100.0 * jax.random.normal(jax.random.PRNGKey(0), (1, 3, 3, layer.num_params))
    f, sigma2, lengthscale = layer.kernel_parameters(params)
    assert f.shape == (1, 3, 3, 3) and sigma2.shape == lengthscale.shape == (1, 3, 3, 2)
    assert np.all(np.abs(np.asarray(f)) < 1)
    assert np.all((np.asarray(sigma2) > 0) & (np.asarray(sigma2) < 1))
    assert np.all((np.asarray(lengthscale) > 0) & (np.asarray(lengthscale) < 1))


def test_float32_default_path():
    layer = PACLinear(2, features=3, kernel_size=3, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.PRNGKey(0), (1, 4, 4, 2), jnp.float32)
    params = jnp.zeros((1, 4, 4, layer.num_params), jnp.float32)
    z, log_det = layer.forward_and_log_det(x, params)
    assert z.dtype == jnp.float32 and log_det.dtype == jnp.float32
    x_back, _ = layer.inverse_and_log_det(z, params)
    assert float(jnp.max(jnp.abs(x_back - x))) < 1e-4
