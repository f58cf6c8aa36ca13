"""Fused variational dequantization and channel padding (Sec. 5.1; App. C.4)."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import FusedDequantizationPadding, MainFlowLayer, Transformer
from pacviz.flows.testing import dense_log_det, perturb_params
from pacviz.models.conditioner import Conditioner

LEVELS = 17  # the 8×8 digits
make_conditioner = functools.partial(Conditioner, n_blocks=1, hidden_channels=4, initial_channels=4)
make_layer = functools.partial(MainFlowLayer, make_transformer=functools.partial(Transformer, n_mixtures=2),
                               make_conditioner=make_conditioner)


def _image(seed=0, shape=(2, 4, 4, 1)):
    return jnp.asarray(np.random.default_rng(seed).integers(0, LEVELS, size=shape))


def _noise(seed=1, shape=(2, 4, 4, 2)):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape))


@pytest.fixture(scope="module")
def deq():
    d = FusedDequantizationPadding(1, make_features=functools.partial(make_conditioner, zero_init=False),
                                   make_layer=make_layer, num_levels=LEVELS, n_layers=2, rngs=nnx.Rngs(0))
    _terms(d, _image(), _noise())  # ActNorm data-dependent init on the noise flow
    perturb_params(d, 2, 0.2)
    d.eval()
    return d


_terms = nnx.jit(lambda m, x, e: m.forward_terms(x, noise=e))
_forward = nnx.jit(lambda m, x, r: m.forward_and_log_det(x, rngs=r, dtype=jnp.float64))


def test_shapes_ranges_and_finite_terms(deq):
    x = _image()
    t = _terms(deq, x, _noise())
    assert t.z.shape == (2, 4, 4, 2) and t.u.shape == x.shape
    for term in (t.log_q, t.log_det_scale, t.log_det_logit, t.log_det):
        assert term.shape == (2,) and bool(jnp.all(jnp.isfinite(term)))
    assert bool(jnp.all((t.u > 0) & (t.u < 1)))
    np.testing.assert_allclose(t.log_det_scale, -16 * math.log(LEVELS))
    np.testing.assert_allclose(t.log_det, t.log_det_scale + t.log_det_logit - t.log_q)
    np.testing.assert_array_equal(deq.decode(t.z), x)  # floor((x + u)) = x: the right inverse


def test_logit_channels_are_the_scaled_logit_of_the_dequantized_image(deq):
    x, noise = _image(), _noise()
    t = _terms(deq, x, noise)
    lam = deq.logit_margin
    s = lam + (1 - 2 * lam) * (x + t.u) / LEVELS
    np.testing.assert_allclose(t.z[..., :1], jnp.log(s / (1 - s)), rtol=1e-10)
    # its log-det, by the elementwise derivative of y ↦ logit(λ + (1 - 2λ) y)
    np.testing.assert_allclose(t.log_det_logit, jnp.sum(jnp.log((1 - 2 * lam) / (s * (1 - s))), axis=(1, 2, 3)),
                               rtol=1e-10)


def test_log_q_is_the_density_of_the_noise_and_padding(deq):
    """log q(u, pad | x) = log N(ε) − log|d(u, pad)/dε|, the Jacobian taken densely."""
    x, noise = _image(), _noise()
    t = _terms(deq, x, noise)

    def sample(e):
        s = deq.forward_terms(x, noise=e)
        return jnp.concatenate([s.u, s.z[..., 1:]], axis=-1)

    log_normal = jnp.sum(-0.5 * (noise**2 + jnp.log(2 * jnp.pi)), axis=(1, 2, 3))
    np.testing.assert_allclose(t.log_q, log_normal - dense_log_det(sample, noise), rtol=1e-8)


def test_deterministic_given_rngs(deq):
    x = _image()
    z1, ld1 = _forward(deq, x, nnx.Rngs(noise=3))
    z2, ld2 = _forward(deq, x, nnx.Rngs(noise=3))
    np.testing.assert_array_equal(z1, z2)
    np.testing.assert_array_equal(ld1, ld2)
    z3, _ = _forward(deq, x, nnx.Rngs(noise=4))
    assert not np.allclose(z1, z3)
    # the noise is N(0, 1) from the "noise" stream
    expected = _terms(deq, x, jax.random.normal(nnx.Rngs(noise=3).noise(), (2, 4, 4, 2), jnp.float64))
    np.testing.assert_allclose(z1, expected.z, rtol=1e-12)


def test_features_condition_the_noise_flow(deq):
    noise = _noise()
    a, b = _terms(deq, _image(0), noise), _terms(deq, _image(5), noise)
    assert not np.allclose(a.u, b.u)


def test_argument_checks():
    with pytest.raises(ValueError, match="padded_channels"):
        FusedDequantizationPadding(3, make_features=make_conditioner, make_layer=make_layer, padded_channels=2,
                                   rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="num_levels"):
        FusedDequantizationPadding(1, make_features=make_conditioner, make_layer=make_layer, num_levels=1,
                                   rngs=nnx.Rngs(0))


def test_float32_default_path(deq):
    x = _image().astype(jnp.uint8)
    z, ld = nnx.jit(lambda m, x, r: m.forward_and_log_det(x, rngs=r))(deq, x, nnx.Rngs(0))
    assert z.dtype == jnp.float32 and ld.dtype == jnp.float32 and ld.shape == (2,)
    assert bool(jnp.all(jnp.isfinite(z))) and bool(jnp.all(jnp.isfinite(ld)))
    np.testing.assert_array_equal(deq.decode(z), x)
