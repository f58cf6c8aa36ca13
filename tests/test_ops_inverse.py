"""pac_inverse (weighted Jacobi) against exact substitution and the forward map."""

import jax
import jax.numpy as jnp
import pytest

import pacviz as pv
from helpers import random_layer, random_order


@pytest.mark.parametrize("channel_mask", pv.CHANNEL_MASKS)
@pytest.mark.parametrize("order_kind", ["raster", "s_curve", "random"])
@pytest.mark.parametrize("adaptive", [True, False])
def test_inverse_reconstructs_and_agrees_with_substitution(key, channel_mask, order_kind, adaptive):
    k_layer, k_order, kx = jax.random.split(key, 3)
    _, weight, kernel = random_layer(k_layer, 6, 7, 3, 5, weight_scale=0.02)
    kernel = kernel if adaptive else None
    x = jax.random.normal(kx, (2, 6, 7, 3))
    order = random_order(k_order, 6, 7) if order_kind == "random" else pv.make_order(6, 7, order_kind)
    mask = pv.autoregressive_mask(order, 5)
    z, _ = pv.pac_forward(x, weight, kernel, mask, channel_mask=channel_mask)
    x_jacobi, info = pv.pac_inverse(z, weight, kernel, mask, channel_mask=channel_mask)
    x_subst = pv.pac_inverse_substitution(z, weight, kernel, mask, order, channel_mask=channel_mask)
    assert bool(info.converged)
    assert float(jnp.max(jnp.abs(x_jacobi - x))) < 1e-6
    assert float(jnp.max(jnp.abs(x_subst - x))) < 1e-10
    assert float(jnp.max(jnp.abs(x_jacobi - x_subst))) < 1e-6


def test_inverse_jits_float32_and_reports(key):
    k_layer, kx = jax.random.split(key)
    _, weight, kernel = random_layer(k_layer, 8, 8, 3, 5, dtype=jnp.float32, weight_scale=0.02)
    x = jax.random.normal(kx, (4, 8, 8, 3), jnp.float32)
    mask = pv.autoregressive_mask(pv.make_order(8, 8, "s_curve"), 5)
    z, _ = pv.pac_forward(x, weight, kernel, mask)
    x_rec, info = jax.jit(pv.pac_inverse)(z, weight, kernel, mask)
    assert x_rec.dtype == jnp.float32
    assert float(jnp.max(jnp.abs(x_rec - x))) < 1e-4
    assert bool(info.converged) and 2 <= int(info.iterations) < 400
    assert info.deltas.shape == (2, 200)


def test_too_few_iterations_is_not_converged(key):
    _, weight, kernel = random_layer(key, 6, 6, 2, 5, weight_scale=0.3)
    mask = pv.autoregressive_mask(pv.make_order(6, 6), 5)
    z = jax.random.normal(key, (6, 6, 2))
    _, info = pv.pac_inverse(z, weight, kernel, mask, max_iters=2)
    assert not bool(info.converged)
