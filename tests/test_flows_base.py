"""The protocol pieces: Chain, Invert, ConditionedChain, squeeze and the splits."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows import (
    ActNorm,
    Chain,
    ConditionedChain,
    ElementwiseScale,
    Invert,
    InvertibleConv1x1,
    SLogGate,
    Squeeze,
    channel_merge,
    channel_split,
    checkerboard_merge,
    checkerboard_split,
    squeeze,
    unsqueeze,
)
from pacviz.flows.testing import assert_bijector, bijector_functions, perturb_params
from pacviz.ops import squareplus


def _x(shape=(2, 4, 4, 2), seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape))


def test_squeeze_is_a_checkerboard_ordered_space_to_depth():
    x = jnp.arange(2 * 4 * 6 * 3, dtype=jnp.float64).reshape(2, 4, 6, 3)
    s = squeeze(x)
    assert s.shape == (2, 2, 3, 12)
    # channel block g holds pixel BLOCK_ORDER[g] of every 2×2 block
    for g, (i, j) in enumerate([(0, 0), (1, 1), (0, 1), (1, 0)]):
        np.testing.assert_array_equal(s[..., 3 * g : 3 * g + 3], x[:, i::2, j::2, :])
    np.testing.assert_array_equal(unsqueeze(s), x)


def test_checkerboard_split_separates_the_two_colours():
    h, w = 4, 6
    parity = (jnp.arange(h)[:, None] + jnp.arange(w)[None, :]) % 2  # 0 on "even" squares
    x = jnp.broadcast_to(parity[None, :, :, None], (2, h, w, 3)).astype(jnp.float64)
    x1, x2 = checkerboard_split(x)
    assert x1.shape == x2.shape == (2, 2, 3, 6)
    assert bool(jnp.all(x1 == 0)) and bool(jnp.all(x2 == 1))
    np.testing.assert_array_equal(checkerboard_merge(x1, x2), x)


def test_channel_split_round_trip_and_odd_channels():
    x = _x((1, 2, 2, 5))
    x1, x2 = channel_split(x)
    assert x1.shape[-1] == 2 and x2.shape[-1] == 3
    np.testing.assert_array_equal(channel_merge(x1, x2), x)
    with pytest.raises(ValueError):
        channel_split(_x((1, 2, 2, 1)))


def test_squeeze_rejects_odd_sizes():
    with pytest.raises(ValueError, match="even"):
        squeeze(_x((1, 3, 4, 2)))


@pytest.mark.parametrize("jit", [False, True])
def test_chain_and_invert(jit):
    x = _x()
    chain = Chain([
        ActNorm(2, data_init=False),
        Squeeze(),
        InvertibleConv1x1(8, rngs=nnx.Rngs(0)),
        Invert(Squeeze()),
        ActNorm(2, data_init=False),
    ])
    perturb_params(chain, 1, 0.3)
    assert_bijector(chain, x, jit=jit, atol=1e-10, rtol=1e-10)
    fwd, _ = bijector_functions(chain, jit=jit)
    # the log-det is the sum of the parts'
    total = 0.0
    y = x
    for layer in chain.layers:
        y, ld = layer.forward_and_log_det(y)
        total = total + ld
    np.testing.assert_allclose(fwd(x)[1], total, rtol=1e-12)
    np.testing.assert_allclose(fwd(x)[0], y, rtol=1e-12)


def test_empty_chain_has_batch_shaped_zero_log_det():
    z, ld = Chain([]).forward_and_log_det(_x())
    assert ld.shape == (2,) and bool(jnp.all(ld == 0))


@pytest.mark.parametrize("jit", [False, True])
def test_conditioned_chain_routes_param_slices_in_order(jit):
    x = _x()
    chain = ConditionedChain([ElementwiseScale(2), SLogGate(2, conditioned=False), ElementwiseScale(2, gamma=0.5)])
    assert chain.num_params == 4
    theta = _x((2, 4, 4, 4), seed=1)
    assert_bijector(chain, x, params=theta, jit=jit, atol=1e-10, rtol=1e-10)
    fwd, _ = bijector_functions(chain, jit=jit, params=theta)
    # by hand: first two param channels to the first scale, last two to the second
    y = x / squareplus(theta[..., :2], 1.0)
    y = jnp.sign(y) * jnp.log1p(squareplus(0.0, 1.0) * jnp.abs(y))
    y = y / squareplus(theta[..., 2:], 0.5)
    np.testing.assert_allclose(fwd(x)[0], y, rtol=1e-12)


def test_conditioned_chain_rejects_wrong_param_count():
    chain = ConditionedChain([ElementwiseScale(2), ElementwiseScale(2)])
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W, 4\)"):
        chain.forward_and_log_det(_x(), _x((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="same number of channels"):
        ConditionedChain([ElementwiseScale(2), ElementwiseScale(3)])
