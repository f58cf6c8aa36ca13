"""Brute-force references shared by the tests."""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import pacviz as pv


def dense_jacobian(fn, x):
    """The Jacobian of ``fn`` at ``x (H, W, C)`` as an ``(HWC, HWC)`` numpy matrix."""
    n = x.size
    return np.asarray(jax.jacfwd(fn)(x)).reshape(n, n)


def order_permutation(order, channels):
    """Flat indices of ``(H, W, C)`` sorted by "pixel order, then channel"."""
    order = np.asarray(order)
    h, w = order.shape
    keys = (order[:, :, None] * channels + np.arange(channels)[None, None, :]).ravel()
    return np.argsort(keys)


def random_layer(key, h, w, c, k, f_dim=3, dtype=jnp.float64, weight_scale=0.1):
    """A random, well-conditioned PAC layer: x, weight, kernel."""
    ks = jax.random.split(key, 5)
    x = jax.random.normal(ks[0], (h, w, c), dtype)
    f = jax.random.uniform(ks[1], (h, w, f_dim), dtype, -1, 1)
    sigma2 = jax.random.uniform(ks[2], (h, w, c), dtype, 0.5, 1.0)
    lengthscale = jax.random.uniform(ks[3], (h, w, c), dtype, 0.2, 1.0)
    weight = pv.near_identity_weight(ks[4], c, k, weight_scale, dtype=dtype)
    return x, weight, pv.pac_kernel(f, sigma2, lengthscale, k)


def random_order(key, h, w):
    """A random permutation of 1..H*W as an (H, W) order."""
    return jnp.asarray(np.asarray(jax.random.permutation(key, h * w)).reshape(h, w) + 1)


def tiny_float64_model(shape, init_images, name="pac_s_curve", num_levels=17):
    """A ``tiny``-preset model, ActNorms initialised from ``init_images``, in float64 and evaluation mode."""
    model = pv.build_model(name, shape, rngs=nnx.Rngs(0), preset="tiny", num_levels=num_levels)
    nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(model, init_images, nnx.Rngs(noise=0))
    state = nnx.state(model, nnx.Param)
    nnx.update(model, jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), state))
    model.eval()
    return model
