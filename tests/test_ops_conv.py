"""conv_same_in_loop: the convolution whose gradients stay fast inside lax.scan on CPU."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from pacviz.ops.conv import conv_same, conv_same_in_loop


def _lax_conv(x, w):
    return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))


@pytest.mark.parametrize("k, c_in, c_out", [(1, 3, 5), (3, 4, 2), (5, 2, 3)])
def test_values_and_gradients_equal_autodiff_of_lax_conv(k, c_in, c_out):
    rng = np.random.default_rng(k)
    x = jnp.asarray(rng.normal(size=(2, 7, 6, c_in)))  # float64: the test runs with x64 enabled
    w = jnp.asarray(rng.normal(size=(k, k, c_in, c_out)))
    dy = jnp.asarray(rng.normal(size=(2, 7, 6, c_out)))
    y, vjp = jax.vjp(_lax_conv, x, w)
    y_own, vjp_own = jax.vjp(conv_same_in_loop, x, w)
    np.testing.assert_array_equal(y_own, y)
    np.testing.assert_array_equal(conv_same(x, w), y)
    for own, reference in zip(vjp_own(dy), vjp(dy), strict=True):
        np.testing.assert_allclose(own, reference, rtol=1e-12, atol=1e-12)


def test_gradients_inside_a_scan_equal_the_unrolled_loop():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(2, 5, 5, 4)))
    ws = jnp.asarray(0.3 * rng.normal(size=(4, 3, 3, 4, 4)))

    def unrolled(ws, x):
        for w in ws:
            x = x + _lax_conv(jnp.tanh(x), w)
        return jnp.sum(x ** 2)

    def scanned(ws, x):
        x, _ = lax.scan(lambda h, w: (h + conv_same_in_loop(jnp.tanh(h), w), None), x, ws)
        return jnp.sum(x ** 2)

    for own, reference in zip(jax.grad(scanned, (0, 1))(ws, x), jax.grad(unrolled, (0, 1))(ws, x), strict=True):
        np.testing.assert_allclose(own, reference, rtol=1e-11)


def test_even_or_non_square_kernels_are_refused():
    x = jnp.zeros((1, 4, 4, 2))
    for shape in [(2, 2, 2, 3), (3, 1, 2, 3)]:
        with pytest.raises(ValueError, match="K odd"):
            conv_same_in_loop(x, jnp.zeros(shape))
