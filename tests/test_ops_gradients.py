"""Gradients of the tap-major PAC op and kernel (checkpointed scans, tap by tap) against JAX's
autodiff of the literal equations (Eq. 4 as an einsum over Ψ, Eq. 6 over Ψ(f)), in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv


def eq4(x, weight, kernel):
    k = weight.shape[0]
    return jnp.einsum("...hwiuv,...hwouv,uvio->...hwo", pv.psi(x, k), kernel, weight)


def eq6(f, sigma2, lengthscale, k):
    diff = f[..., :, None, None] - pv.psi(f, k)  # (..., H, W, F, K, K)
    dist = jnp.sum(diff * diff, axis=-3)[..., None, :, :]
    return sigma2[..., None, None] * jnp.exp(-dist / (2.0 * lengthscale[..., None, None]))


def grads(fn, args, cotangent):
    """The vector-Jacobian product of ``fn`` at ``args`` with a fixed random cotangent."""
    out, vjp = jax.vjp(fn, *args)
    return vjp(cotangent(out.shape))


@pytest.mark.parametrize("kernel_channels", [4, 1])  # per output channel, or shared (Cout = 1)
@pytest.mark.parametrize("kernel_batch", [(2,), ()])  # the kernel broadcast over the batch, or not
def test_pac_gradient_matches_autodiff_of_eq4(key, kernel_channels, kernel_batch):
    kx, kw, kk, kg = jax.random.split(key, 4)
    x = jax.random.normal(kx, (2, 5, 6, 3))
    weight = jax.random.normal(kw, (3, 3, 3, 4))
    kernel = jax.random.uniform(kk, kernel_batch + (5, 6, kernel_channels, 3, 3))
    cotangent = lambda shape: jax.random.normal(kg, shape)  # noqa: E731
    expected = grads(eq4, (x, weight, kernel), cotangent)
    got = jax.jit(lambda *a: grads(pv.pac, a, cotangent))(x, weight, kernel)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("k", [3, 5])
def test_kernel_gradient_matches_autodiff_of_eq6(key, k):
    kf, ks, kl, kg = jax.random.split(key, 4)
    f = jax.random.uniform(kf, (2, 6, 5, 3), minval=-1, maxval=1)
    sigma2 = jax.random.uniform(ks, (2, 6, 5, 4), minval=0.5, maxval=1.0)
    lengthscale = jax.random.uniform(kl, (2, 6, 5, 4), minval=0.2, maxval=1.0)
    cotangent = lambda shape: jax.random.normal(kg, shape)  # noqa: E731
    expected = grads(lambda *a: eq6(*a, k), (f, sigma2, lengthscale), cotangent)
    got = grads(lambda *a: pv.pac_kernel(*a, k), (f, sigma2, lengthscale), cotangent)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_kernel_gradient_with_shared_features(key):
    """Features without a batch axis, variances with one: the gradient sums over the batch."""
    kf, ks, kg = jax.random.split(key, 3)
    f = jax.random.uniform(kf, (4, 4, 2), minval=-1, maxval=1)
    sigma2 = jax.random.uniform(ks, (3, 4, 4, 2), minval=0.5, maxval=1.0)
    lengthscale = 0.5 * jnp.ones_like(sigma2)
    cotangent = lambda shape: jax.random.normal(kg, shape)  # noqa: E731
    expected = grads(lambda *a: eq6(*a, 3), (f, sigma2, lengthscale), cotangent)
    got = grads(lambda *a: pv.pac_kernel(*a, 3), (f, sigma2, lengthscale), cotangent)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)
