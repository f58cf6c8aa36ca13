"""Ψ (Eq. 2), convolution as a patch product (Eq. 3) and the PAC (Eq. 4) against loops and lax.conv."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv


def psi_loop(x, k):
    h, w, c = x.shape
    p = k // 2
    out = np.zeros((h, w, c, k, k), x.dtype)
    for a in range(h):
        for b in range(w):
            for u in range(k):
                for v in range(k):
                    r, s = a + u - p, b + v - p
                    if 0 <= r < h and 0 <= s < w:
                        out[a, b, :, u, v] = x[r, s, :]
    return out


def lax_conv(x, weight):
    return jax.lax.conv_general_dilated(
        x, weight, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_psi_matches_loop(key, k):
    x = np.asarray(jax.random.normal(key, (5, 4, 3)))
    np.testing.assert_array_equal(np.asarray(pv.psi(x, k)), psi_loop(x, k))


def test_psi_batches_and_jits(key):
    x = jax.random.normal(key, (2, 3, 5, 4, 2))
    out = jax.jit(pv.psi, static_argnums=1)(x, 3)
    assert out.shape == (2, 3, 5, 4, 2, 3, 3)
    np.testing.assert_array_equal(np.asarray(out[1, 2]), psi_loop(np.asarray(x[1, 2]), 3))


@pytest.mark.parametrize("k", [3, 5])
def test_patch_product_is_convolution(key, k):
    """Eq. 3: Ψ(x)·W equals lax.conv of x with W."""
    kx, kw = jax.random.split(key)
    x = jax.random.normal(kx, (2, 6, 7, 3))
    weight = jax.random.normal(kw, (k, k, 3, 4))
    np.testing.assert_allclose(pv.conv_as_patch_product(x, weight), lax_conv(x, weight), atol=1e-12)


def test_pac_without_kernel_is_convolution(key):
    kx, kw = jax.random.split(key)
    x = jax.random.normal(kx, (2, 6, 7, 3))
    weight = jax.random.normal(kw, (5, 5, 3, 2))
    np.testing.assert_allclose(pv.pac(x, weight), lax_conv(x, weight), atol=1e-12)


def test_pac_matches_eq4_einsum(key):
    """Eq. 4 literally: sum_iuv Ψ(x)_hwiuv k_hwouv W_uvio."""
    kx, kw, kk = jax.random.split(key, 3)
    x = jax.random.normal(kx, (2, 5, 6, 3))
    weight = jax.random.normal(kw, (3, 3, 3, 4))
    kernel = jax.random.uniform(kk, (2, 5, 6, 4, 3, 3))
    ref = jnp.einsum("...hwiuv,...hwouv,uvio->...hwo", pv.psi(x, 3), kernel, weight)
    np.testing.assert_allclose(pv.pac(x, weight, kernel), ref, atol=1e-12)
    np.testing.assert_allclose(jax.jit(pv.pac)(x, weight, kernel), ref, atol=1e-12)


def test_pac_float32_stays_float32(key):
    x = jax.random.normal(key, (1, 4, 4, 2), jnp.float32)
    w = jnp.ones((3, 3, 2, 2), jnp.float32)
    k = jnp.ones((1, 4, 4, 2, 3, 3), jnp.float32)
    assert pv.pac(x, w, k).dtype == jnp.float32
