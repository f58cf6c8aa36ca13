"""The Fig. 3 transformer and how it takes a linear-layer class."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import (
    Affine,
    ConditionedBijector,
    ElementwiseScale,
    LogisticMixtureLogit,
    SLogGate,
    Transformer,
)
from pacviz.flows.base import sum_per_example
from pacviz.flows.testing import assert_bijector
from pacviz.ops import squareplus

SHAPE = (2, 3, 3, 2)


def _normal(shape, seed=0, scale=1.0):
    return jnp.asarray(scale * np.random.default_rng(seed).normal(size=shape))


class ChannelMixScale(ConditionedBijector):
    """A stand-in for a PAC-like linear layer: a learned ``W`` (nnx.Param) and ``1 + C`` per-pixel
    parameters, ``z = (x @ W.T) / (sp(a) · sp(b_c))``."""

    def __init__(self, channels, *, rngs):
        self.channels = channels
        w = jnp.eye(channels) + 0.3 * jax.random.normal(rngs.params(), (channels, channels))
        self.weight = nnx.Param(w)

    @property
    def num_params(self):
        return 1 + self.channels

    def _scale(self, params):
        return squareplus(params[..., :1], 1.0) * squareplus(params[..., 1:], 1.0)

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        w, s = self.weight[...], self._scale(params)
        h, wd = x.shape[-3:-1]
        log_det = h * wd * jnp.linalg.slogdet(w)[1] - sum_per_example(jnp.log(s))
        return jnp.einsum("...i,oi->...o", x, w) / s, log_det

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        x = jnp.einsum("...o,io->...i", z * self._scale(params), jnp.linalg.inv(self.weight[...]))
        return x, -self.forward_and_log_det(x, params)[1]


def test_parts_and_num_params_follow_fig3():
    t = Transformer(2, n_mixtures=16)
    assert [type(p) for p in t.parts] == [Affine, LogisticMixtureLogit, ElementwiseScale, SLogGate]
    assert t.num_params == (3 * 16 + 4) * 2
    assert Transformer(2, n_mixtures=16, conditioned_gate=False).num_params == (3 * 16 + 3) * 2


def test_linear_class_is_plugged_in_twice_with_its_own_weights():
    t = Transformer(3, n_mixtures=5, linear=ChannelMixScale, rngs=nnx.Rngs(0))
    first, second = t.parts[0].linear, t.parts[2]
    assert isinstance(first, ChannelMixScale) and isinstance(second, ChannelMixScale)
    assert not np.allclose(first.weight[...], second.weight[...])
    # [affine: 1 + C, bias C] [mixture 3KC] [linear 1 + C] [gate C]
    assert t.num_params == (1 + 3) + 3 + 3 * 5 * 3 + (1 + 3) + 3


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("linear", [ElementwiseScale, ChannelMixScale])
def test_bijector_contract(linear, jit):
    t = Transformer(2, n_mixtures=3, linear=linear, rngs=nnx.Rngs(0))
    theta = _normal(SHAPE[:-1] + (t.num_params,), seed=1)
    assert_bijector(t, _normal(SHAPE, scale=2.0), params=theta, jit=jit, rtol=1e-9, atol=1e-9)


def test_params_are_sliced_in_the_documented_order():
    t = Transformer(2, n_mixtures=3)
    x = _normal(SHAPE)
    theta = _normal(SHAPE[:-1] + (t.num_params,), seed=1)
    slices = np.split(np.asarray(theta), np.cumsum([4, 18, 2]), axis=-1)
    y = x
    for part, th in zip(t.parts, slices):
        y = part.forward(y, th)
    np.testing.assert_allclose(t.forward(x, theta), y, rtol=1e-12)


def test_zero_params_leave_only_the_gate():
    """With a zero-initialised conditioner every part but the S-Log gate (α = 1) is the identity."""
    t = Transformer(2, n_mixtures=3)
    x = _normal(SHAPE, scale=2.0)
    z = t.forward(x, jnp.zeros(SHAPE[:-1] + (t.num_params,)))
    np.testing.assert_allclose(z, jnp.sign(x) * jnp.log1p(jnp.abs(x)), rtol=1e-10)
