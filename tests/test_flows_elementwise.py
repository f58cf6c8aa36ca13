"""Conditioned elementwise layers: ElementwiseScale, Affine and the S-Log gate."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import Affine, ElementwiseScale, SLogGate
from pacviz.flows.testing import assert_bijector
from pacviz.ops import squareplus

SHAPE = (2, 4, 4, 2)


def _normal(shape=SHAPE, seed=0, scale=1.0):
    return jnp.asarray(scale * np.random.default_rng(seed).normal(size=shape))


def _theta(layer, seed=1):
    return _normal(SHAPE[:-1] + (layer.num_params,), seed)


LAYERS = {
    "scale": lambda: ElementwiseScale(2),
    "affine": lambda: Affine(2, linear=ElementwiseScale),
    "slog_conditioned": lambda: SLogGate(2),
    "slog_per_channel": lambda: SLogGate(2, conditioned=False),
}


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("name", list(LAYERS))
def test_bijector_contract(name, jit):
    layer = LAYERS[name]()
    if name == "slog_per_channel":
        layer.raw_alpha[...] = jnp.asarray([0.7, -1.3], jnp.float32)
    x = _normal(scale=2.0)
    assert_bijector(layer, x, params=_theta(layer), jit=jit, rtol=1e-10, atol=1e-10)


def test_num_params():
    assert ElementwiseScale(3).num_params == 3
    assert Affine(3).num_params == 6
    assert SLogGate(3).num_params == 3
    assert SLogGate(3, conditioned=False).num_params == 0


def test_scale_divides_by_squareplus_and_is_identity_at_zero():
    x, theta = _normal(), _normal(seed=1)
    z, ld = ElementwiseScale(2).forward_and_log_det(x, theta)
    np.testing.assert_allclose(z, x / squareplus(theta, 1.0), rtol=1e-12)
    z0, ld0 = ElementwiseScale(2).forward_and_log_det(x, jnp.zeros_like(x))
    np.testing.assert_allclose(z0, x, rtol=1e-12)
    np.testing.assert_allclose(ld0, 0.0, atol=1e-12)


def test_affine_adds_its_bias_after_the_linear_layer():
    x = _normal()
    affine = Affine(2)
    theta = jnp.concatenate([_normal(seed=1), _normal(seed=2)], axis=-1)  # [scale θ, bias]
    z, _ = affine.forward_and_log_det(x, theta)
    np.testing.assert_allclose(z, x / squareplus(theta[..., :2], 1.0) + theta[..., 2:], rtol=1e-12)


def test_affine_takes_any_conditioned_linear_class():
    affine = Affine(2, linear=SLogGate, conditioned=False)  # keyword passed on to the class
    assert isinstance(affine.linear, SLogGate) and affine.num_params == 2


def test_slog_gate_formula():
    x, theta = _normal(scale=3.0), _normal(seed=1)
    alpha = squareplus(theta, 1.0)
    z, ld = SLogGate(2).forward_and_log_det(x, theta)
    np.testing.assert_allclose(z, jnp.sign(x) * jnp.log(1 + alpha * jnp.abs(x)) / alpha, rtol=1e-12)
    np.testing.assert_allclose(ld, -jnp.sum(jnp.log(1 + alpha * jnp.abs(x)), axis=(1, 2, 3)), rtol=1e-12)


def test_per_channel_gate_has_learnable_alpha():
    gate = SLogGate(2, conditioned=False)
    assert "raw_alpha" in nnx.state(gate, nnx.Param)
    x = _normal()
    empty = jnp.zeros(SHAPE[:-1] + (0,))
    z1 = gate.forward(x, empty)
    gate.raw_alpha[...] = gate.raw_alpha[...] + 1.0
    assert not np.allclose(gate.forward(x, empty), z1)
