"""PAC's features start random: at f = 0 the gradient of the kernel w.r.t. f and l is exactly zero (Eq. 6)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import Coupling, Transformer
from pacviz.flows.pac_linear import PACLinear
from pacviz.models.conditioner import Conditioner

SHAPE = (2, 4, 4, 4)
FEATURES = 3


def coupling(feature_init_scale):
    linear = functools.partial(PACLinear, features=FEATURES, kernel_size=3, order="s_curve",
                               feature_init_scale=feature_init_scale)
    return Coupling(4, make_transformer=functools.partial(Transformer, n_mixtures=2, linear=linear),
                    make_conditioner=functools.partial(Conditioner, n_blocks=1, hidden_channels=8,
                                                       initial_channels=8, dropout_rate=0.0),
                    split="channel", rngs=nnx.Rngs(0))


def feature_columns(c):
    """Output channels of the conditioner that become the first PAC layer's θ_f."""
    return slice(0, FEATURES)  # the first part is Affine(PAC): PAC's f comes first


def feature_weight_grad(c, x):
    graph, params, rest = nnx.split(c, nnx.Param, ...)

    def loss(p):
        model = nnx.merge(graph, p, rest)
        z, log_det = model.forward_and_log_det(x)
        return jnp.sum(z ** 2) - jnp.sum(log_det)

    grads = jax.grad(loss)(params)
    return np.asarray(grads["conditioner"]["conv_out"]["kernel"][...])[..., feature_columns(c)]


def test_param_init_scale_marks_only_the_features():
    c = coupling(0.01)
    scale = c.transformer.param_init_scale()
    assert scale.shape == (c.transformer.num_params,)
    pac = c.transformer.parts[0].linear
    second = pac.num_params + 2 + c.transformer.parts[1].num_params  # after Affine(PAC) + bias and the mixture
    features = np.r_[0:FEATURES, second:second + FEATURES]  # θ_f of the transformer's two PAC layers
    np.testing.assert_array_equal(np.flatnonzero(scale), features)
    kernel = np.asarray(c.conditioner.conv_out.kernel[...])
    assert np.all(np.delete(kernel, features, axis=-1) == 0) and np.std(kernel[..., features]) > 0.005


def test_zero_features_are_a_dead_point_and_random_features_are_not():
    x = jnp.asarray(np.random.default_rng(0).normal(size=SHAPE))
    dead = feature_weight_grad(coupling(0.0), x)
    assert np.all(dead == 0.0)  # f = 0 everywhere: no feature difference, no gradient, ever
    live = feature_weight_grad(coupling(0.01), x)
    assert np.abs(live).max() > 1e-6


def test_random_features_make_the_kernel_adapt_at_initialisation():
    c = coupling(0.01)
    x = jnp.asarray(np.random.default_rng(1).normal(size=SHAPE))
    params = c.conditioner(x[..., 2:])
    pac = c.transformer.parts[0].linear
    f, sigma2, _ = pac.kernel_parameters(params[..., :pac.num_params])
    ratio = np.asarray(pac.kernel(params[..., :pac.num_params]) / sigma2[..., None, None])
    assert np.ptp(np.asarray(f)) > 0 and ratio.min() < 1.0 and ratio.min() > 0.8  # adaptive, near σ²


def test_negative_feature_init_scale_is_rejected():
    with pytest.raises(ValueError, match="feature_init_scale"):
        PACLinear(2, features=2, kernel_size=3, feature_init_scale=-1.0, rngs=nnx.Rngs(0))
