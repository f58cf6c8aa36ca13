"""Brute-force references shared by the tests."""

import jax
import jax.numpy as jnp
import numpy as np

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
