"""The pixel adaptive kernel (Eq. 5–6) against a loop over pixels and taps."""

import jax
import jax.numpy as jnp
import numpy as np

import pacviz as pv


def kernel_loop(f, sigma2, lengthscale, k):
    h, w, _ = f.shape
    c = sigma2.shape[-1]
    p = k // 2
    out = np.zeros((h, w, c, k, k))
    for a in range(h):
        for b in range(w):
            for u in range(k):
                for v in range(k):
                    r, s = a + u - p, b + v - p
                    nb = f[r, s] if (0 <= r < h and 0 <= s < w) else np.zeros_like(f[a, b])
                    d = np.sum((f[a, b] - nb) ** 2)
                    out[a, b, :, u, v] = sigma2[a, b] * np.exp(-d / (2 * lengthscale[a, b]))
    return out


def test_kernel_matches_eq6(key):
    ks = jax.random.split(key, 3)
    f = np.asarray(jax.random.uniform(ks[0], (4, 5, 3), minval=-1, maxval=1))
    s2 = np.asarray(jax.random.uniform(ks[1], (4, 5, 2), minval=0.1, maxval=1))
    l = np.asarray(jax.random.uniform(ks[2], (4, 5, 2), minval=0.1, maxval=1))
    out = pv.pac_kernel(f, s2, l, 5)
    assert out.shape == (4, 5, 2, 5, 5)
    np.testing.assert_allclose(out, kernel_loop(f, s2, l, 5), rtol=1e-12)
    # At the centre tap the distance is 0, so k = sigma2 (what the log-det relies on).
    np.testing.assert_allclose(out[..., 2, 2], s2, rtol=1e-14)


def test_kernel_batches_and_jits(key):
    ks = jax.random.split(key, 3)
    f = jax.random.normal(ks[0], (3, 4, 4, 2))
    s2 = jax.random.uniform(ks[1], (3, 4, 4, 2), minval=0.1)
    l = jax.random.uniform(ks[2], (3, 4, 4, 2), minval=0.1)
    out = jax.jit(pv.pac_kernel, static_argnums=3)(f, s2, l, 3)
    np.testing.assert_allclose(out[2], kernel_loop(*(np.asarray(a[2]) for a in (f, s2, l)), 3), rtol=1e-12)


def test_larger_lengthscale_widens_kernel(key):
    f = jax.random.normal(key, (4, 4, 2))
    s2 = jnp.ones((4, 4, 1))
    narrow = pv.pac_kernel(f, s2, 0.1 * s2, 3)
    wide = pv.pac_kernel(f, s2, 10.0 * s2, 3)
    off_centre = np.ones((3, 3), bool)
    off_centre[1, 1] = False
    assert np.all(np.asarray(wide)[..., off_centre] >= np.asarray(narrow)[..., off_centre])
