"""Coupling (channel / checkerboard) and the main flow layer (Sec. 3.2, 5.1; App. C.4).

Composite layers compile slowly op by op, so the eager (no-jit) contract runs on one
configuration each and the jitted one on all; modules are built once per file.
"""

import functools

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import Affine, Coupling, MainFlowLayer, Transformer, channel_split, checkerboard_split
from pacviz.flows.testing import assert_bijector, perturb_params
from pacviz.models.conditioner import Conditioner

SHAPE = (2, 4, 4, 2)
make_conditioner = functools.partial(Conditioner, n_blocks=1, hidden_channels=4, initial_channels=4)
make_transformer = functools.partial(Transformer, n_mixtures=2)
make_affine = Affine  # a cheaper transformer for the coupling mechanics (the full one runs in MainFlowLayer)
HALVES = {"channel": channel_split, "checkerboard": checkerboard_split}
_forward = nnx.jit(lambda m, v, a=None: m.forward(v, aux=a))


def _normal(shape=SHAPE, seed=0, scale=1.0, dtype=np.float64):
    return jnp.asarray((scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype))


def _coupling(split, swap=False, aux_channels=None):
    c = Coupling(2, make_transformer=make_affine, make_conditioner=make_conditioner, split=split,
                 swap=swap, aux_channels=aux_channels, rngs=nnx.Rngs(0))
    perturb_params(c, 1, 0.3)  # move off the zero-init identity
    c.eval()
    return c


@pytest.fixture(scope="module")
def couplings():
    return {key: _coupling(*key) for key in [("channel", False), ("checkerboard", False), ("channel", True)]}


@pytest.fixture(scope="module")
def aux_coupling():
    return _coupling("checkerboard", aux_channels=3)


def test_conditioner_sizes_follow_the_split(couplings, aux_coupling):
    channel = couplings["channel", False]
    assert channel.transformer.channels == 1 and channel.conditioner.in_channels == 1
    assert aux_coupling.transformer.channels == 4 and aux_coupling.conditioner.in_channels == 4
    assert aux_coupling.conditioner.aux_channels == 12  # aux is squeezed with x
    assert aux_coupling.conditioner.out_channels == aux_coupling.transformer.num_params


@pytest.mark.parametrize("split, swap, jit", [
    ("checkerboard", False, False),
    ("channel", False, True),
    ("checkerboard", False, True),
    ("channel", True, True),
])
def test_coupling_contract_and_untouched_half(couplings, split, swap, jit):
    c = couplings[split, swap]
    x = _normal(scale=2.0)
    assert_bijector(c, x, jit=jit, rtol=1e-9, atol=1e-9)
    z = _forward(c, x)
    kept, changed = (0, 1) if swap else (1, 0)
    halves = HALVES[split]
    np.testing.assert_array_equal(halves(z)[kept], halves(x)[kept])  # the conditioning half passes through
    assert not np.allclose(halves(z)[changed], halves(x)[changed])


def test_aux_reaches_the_conditioner(aux_coupling):
    x, aux = _normal(), _normal(SHAPE[:-1] + (3,), seed=5)
    assert_bijector(aux_coupling, x, jit=True, rtol=1e-9, atol=1e-9, aux=aux)
    assert not np.allclose(_forward(aux_coupling, x, aux), _forward(aux_coupling, x, 2 * aux))
    with pytest.raises(ValueError, match="aux"):
        aux_coupling.forward(x)


def test_zero_init_conditioner_gives_the_transformer_at_zero_params():
    c = Coupling(2, make_transformer=make_transformer, make_conditioner=make_conditioner, split="channel",
                 rngs=nnx.Rngs(0))
    x = _normal()
    expected = c.transformer.forward(x[..., :1], jnp.zeros(SHAPE[:-1] + (c.transformer.num_params,)))
    np.testing.assert_allclose(_forward(c, x)[..., :1], expected, rtol=1e-12)


def _main_flow_layer(checkerboard, dtype=np.float64):
    layer = MainFlowLayer(2, make_transformer=make_transformer, make_conditioner=make_conditioner,
                          checkerboard=checkerboard, aux_channels=1, rngs=nnx.Rngs(0))
    aux = _normal(SHAPE[:-1] + (1,), seed=3, dtype=dtype)
    x = _normal(scale=2.0, dtype=dtype) + 1.0
    _forward(layer, x, aux)  # ActNorm data-dependent init
    perturb_params(layer, 1, 0.2)
    layer.eval()
    return layer, x, aux


@pytest.fixture(scope="module")
def main_layers():
    return {cb: _main_flow_layer(cb) for cb in (True, False)}


@pytest.mark.parametrize("checkerboard, jit", [(True, False), (True, True), (False, True)])
def test_main_flow_layer_contract(main_layers, checkerboard, jit):
    layer, x, aux = main_layers[checkerboard]
    assert layer.flow.layers[2].initialized
    assert_bijector(layer, x, jit=jit, rtol=1e-8, atol=1e-8, aux=aux)


def test_main_flow_layer_checkerboard_mixes_in_squeezed_space(main_layers):
    coupling, conv, norm = main_layers[True][0].flow.layers
    assert conv.channels == norm.channels == coupling.channels == 8


def test_float32_default_path():
    layer, x, aux = _main_flow_layer(True, dtype=np.float32)
    z, ld = nnx.jit(lambda m, v, a: m.forward_and_log_det(v, aux=a))(layer, x, aux)
    assert z.dtype == jnp.float32 and ld.dtype == jnp.float32 and ld.shape == (2,)
    x_back, ild = nnx.jit(lambda m, v, a: m.inverse_and_log_det(v, aux=a))(layer, z, aux)
    assert x_back.dtype == jnp.float32
    np.testing.assert_allclose(x_back, x, atol=1e-4)
    np.testing.assert_allclose(ild, -ld, rtol=1e-5)
