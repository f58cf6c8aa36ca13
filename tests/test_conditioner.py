"""The gated residual conditioner (Sec. 5.1; App. C.4)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.models.conditioner import Conditioner, WeightNormConv
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
