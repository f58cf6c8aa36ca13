"""The gated residual conditioner (Sec. 5.1; App. C.4)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.models.conditioner import Conditioner, WeightNormConv, scanned_blocks
from pacviz.flows.testing import perturb_params

SMALL = dict(n_blocks=1, hidden_channels=8, initial_channels=4)
_apply = nnx.jit(lambda m, x, a=None: m(x, aux=a))


def _normal(shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape).astype(np.float32))


def _count(module):
    return sum(p.size for p in jax.tree.leaves(nnx.state(module, nnx.Param)))


def test_parameter_count_of_the_default_network():
    """1×1 in (3·32 + 32) + 6 blocks × [3×3 WN conv 32→64 (V, g, b) + 1×1 WN conv 64→64 + layer norm]
    + 1×1 out (32·28 + 28)."""
    net = Conditioner(3, 2 * 6 + 16, rngs=nnx.Rngs(0))
    block = (9 * 32 * 64 + 64 + 64) + (64 * 64 + 64 + 64) + 2 * 32
    assert _count(net) == (3 * 32 + 32) + 6 * block + (32 * 28 + 28) == 138_140
    with_aux = Conditioner(3, 28, aux_channels=3, rngs=nnx.Rngs(0))
    assert _count(with_aux) == 138_140 + 6 * (3 * 64 + 64 + 64)


def test_output_shape_and_exact_zero_at_init():
    net = Conditioner(3, 7, **SMALL, rngs=nnx.Rngs(0))
    y = _apply(net, _normal((2, 5, 6, 3)))
    assert y.shape == (2, 5, 6, 7) and y.dtype == jnp.float32
    assert bool(jnp.all(y == 0.0))
    # extra leading batch dimensions are kept
    assert _apply(net, _normal((2, 3, 5, 6, 3))).shape == (2, 3, 5, 6, 7)
    # without zero init the output depends on x
    feats = Conditioner(3, 7, **SMALL, zero_init=False, rngs=nnx.Rngs(0))
    assert float(jnp.std(_apply(feats, _normal((2, 5, 6, 3))))) > 1e-3


def test_dropout_follows_train_and_eval():
    net = Conditioner(3, 7, **SMALL, rngs=nnx.Rngs(0))
    perturb_params(net, 1, 0.5)  # a non-zero output layer, so dropout can show
    x = _normal((2, 5, 6, 3))
    net.train()
    a, b = _apply(net, x), _apply(net, x)
    assert not np.allclose(a, b)  # a fresh mask each call
    net.eval()
    c, d = _apply(net, x), _apply(net, x)
    np.testing.assert_array_equal(c, d)
    assert not np.allclose(a, c)
    no_dropout = Conditioner(3, 7, **SMALL, dropout_rate=0.0, rngs=nnx.Rngs(0))
    perturb_params(no_dropout, 1, 0.5)
    np.testing.assert_allclose(_apply(no_dropout, x), c, rtol=1e-6)  # eval = no dropout


def test_aux_branch():
    net = Conditioner(3, 7, **SMALL, aux_channels=2, rngs=nnx.Rngs(0))
    perturb_params(net, 1, 0.5)
    net.eval()
    x, aux = _normal((2, 4, 4, 3)), _normal((2, 4, 4, 2), seed=1)
    assert not np.allclose(_apply(net, x, aux), _apply(net, x, 2 * aux))
    with pytest.raises(ValueError, match="aux"):
        net(x)
    with pytest.raises(ValueError, match="aux"):
        Conditioner(3, 7, **SMALL, rngs=nnx.Rngs(0))(x, aux=aux)
    with pytest.raises(ValueError, match="aux must have shape"):
        net(x, aux=_normal((2, 4, 4, 5)))


def test_weight_norm_conv():
    conv = WeightNormConv(3, 4, 3, rngs=nnx.Rngs(0))
    x = _normal((1, 5, 5, 3))
    kernel = conv.kernel(jnp.float32)
    # W = g · V / ‖V‖ per output channel: the per-channel norms are the gains
    np.testing.assert_allclose(jnp.sqrt(jnp.sum(kernel**2, axis=(0, 1, 2))), conv.gain[...], rtol=1e-5)
    # and a plain SAME convolution with that kernel
    ref = jax.lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    np.testing.assert_allclose(conv(x), ref, rtol=1e-5, atol=1e-6)
    # rescaling V does not change W
    y = conv(x)
    conv.direction[...] = 3.0 * conv.direction[...]
    np.testing.assert_allclose(conv(x), y, rtol=1e-5, atol=1e-6)


def test_scanned_blocks_compute_the_loop_exactly_and_its_gradient():
    """One lax.scan over the stacked blocks: the same output (dropout masks included, each block's key
    drawn from its own stream) and the same gradient, in float64; jacfwd needs the loop."""
    net = Conditioner(3, 5, n_blocks=3, hidden_channels=6, initial_channels=4, aux_channels=2, rngs=nnx.Rngs(0))
    perturb_params(net, 1, 0.5)
    nnx.update(net, jax.tree.map(lambda p: p.astype(jnp.float64), nnx.state(net, nnx.Param)))
    x, aux = _normal((2, 5, 6, 3)).astype(jnp.float64), _normal((2, 5, 6, 2), 1).astype(jnp.float64)

    def loss(net, x):
        return jnp.sum(jnp.sin(net(x, aux=aux)))

    for mode in ("eval", "train"):
        getattr(net, mode)()
        results = {}
        for on in (False, True):
            copy = nnx.clone(net)  # the same dropout stream state for both
            scanned_blocks(copy, on, min_blocks=3)
            assert copy.scan_blocks is on
            results[on] = nnx.jit(nnx.value_and_grad(loss, argnums=(0, 1)))(copy, x)
        (value, (g_net, g_x)), (value_s, (g_net_s, g_x_s)) = results[False], results[True]
        np.testing.assert_allclose(value_s, value, rtol=1e-12)
        np.testing.assert_allclose(g_x_s, g_x, rtol=1e-10, atol=1e-12)
        for a, b in zip(jax.tree.leaves(g_net_s), jax.tree.leaves(g_net), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not scanned_blocks(nnx.clone(net), min_blocks=4).scan_blocks  # too few blocks to gain
    # Dropout really was on in training mode: the training value differs from evaluation's.
    net.eval()
    assert abs(float(nnx.jit(loss)(net, x)) - float(value)) > 1e-6
