"""ActNorm: data-dependent init, log-det, round trip (Sec. 5.1; App. C.2)."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import ActNorm
from pacviz.flows.testing import assert_bijector
from pacviz.ops import squareplus


def _x(shape=(2, 4, 4, 2), seed=0):
    rng = np.random.default_rng(seed)
    return jnp.asarray(3.0 + 2.5 * rng.normal(size=shape))  # far from zero mean / unit variance


@pytest.mark.parametrize("jit", [False, True])
def test_data_dependent_init_normalises_the_first_batch(jit):
    x = _x()
    norm = ActNorm(2)
    assert not norm.initialized
    fwd = nnx.jit(lambda m, v: m.forward(v)) if jit else (lambda m, v: m.forward(v))
    z = fwd(norm, x)
    assert norm.initialized
    np.testing.assert_allclose(jnp.mean(z, axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(jnp.var(z, axis=(0, 1, 2)), 1.0, atol=1e-5)
    # later batches reuse the stored statistics instead of re-normalising
    z2 = fwd(norm, 2.0 * x)
    np.testing.assert_allclose(z2, norm.forward(2.0 * x))
    assert float(jnp.abs(jnp.mean(z2))) > 1.0


def test_initialize_sets_scale_through_inverse_squareplus():
    x = _x()
    norm = ActNorm(2, gamma=0.5)
    norm.initialize(x)
    std = np.sqrt(np.var(np.asarray(x), axis=(0, 1, 2)) + 1e-6)
    np.testing.assert_allclose(squareplus(norm.raw_scale[...], 0.5), std, rtol=1e-6)
    np.testing.assert_allclose(norm.bias[...], np.mean(np.asarray(x), axis=(0, 1, 2)), rtol=1e-6)


def test_without_data_init_it_starts_as_the_identity():
    x = _x()
    norm = ActNorm(2, data_init=False)
    z, ld = norm.forward_and_log_det(x)
    np.testing.assert_allclose(z, x, atol=1e-6)
    np.testing.assert_allclose(ld, 0.0, atol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_bijector_contract(jit):
    x = _x()
    norm = ActNorm(2)
    norm.forward(x)  # data-dependent init
    assert_bijector(norm, x, jit=jit, rtol=1e-10, atol=1e-10)
    h, w = x.shape[1:3]
    log_det = norm.forward_and_log_det(x)[1]
    np.testing.assert_allclose(log_det, -h * w * jnp.sum(jnp.log(norm.scale(jnp.float64))), rtol=1e-12)


def test_rejects_wrong_channels():
    with pytest.raises(ValueError, match="2 channels"):
        ActNorm(2).forward(_x((1, 2, 2, 3)))
