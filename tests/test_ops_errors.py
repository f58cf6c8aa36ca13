"""Bad input raises ValueError naming the problem and the expected form, before JAX internals."""

import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv

X = jnp.zeros((4, 5, 2))
W = jnp.zeros((3, 3, 2, 2))
KERNEL = jnp.ones((4, 5, 2, 3, 3))
MASK = pv.autoregressive_mask(pv.make_order(4, 5), 3)


@pytest.mark.parametrize("k", [2, 4, 0, -3, 3.0, "5"])
def test_bad_kernel_size(k):
    with pytest.raises(ValueError, match="kernel_size must be a positive odd int"):
        pv.psi(X, k)


def test_even_weight_is_rejected():
    with pytest.raises(ValueError, match="kernel_size must be a positive odd int"):
        pv.pac(X, jnp.zeros((4, 4, 2, 2)))


@pytest.mark.parametrize("fn", [pv.upper_pac, pv.lower_pac, pv.pac_forward, pv.pac_inverse])
def test_weight_must_be_square(fn):
    with pytest.raises(ValueError, match=r"weight must be \(K, K, C, C\)"):
        fn(X, jnp.zeros((3, 3, 2, 3)), None, MASK)


def test_weight_channels_must_match_input():
    with pytest.raises(ValueError, match=r"expected weight shape \(K, K, 2, Cout\)"):
        pv.pac(X, jnp.zeros((3, 3, 4, 2)))


def test_mismatched_kernel_shape():
    with pytest.raises(ValueError, match=r"kernel must have shape \(\.\.\., 4, 5, 2 or 1, 3, 3\)"):
        pv.pac_forward(X, W, jnp.ones((4, 4, 2, 3, 3)), MASK)
    with pytest.raises(ValueError, match="do not broadcast"):
        pv.pac(jnp.zeros((3, 4, 5, 2)), W, jnp.ones((2, 4, 5, 2, 3, 3)))


def test_mismatched_mask_shape():
    with pytest.raises(ValueError, match=r"mask must have shape \(H, W, K, K\) = \(4, 5, 3, 3\)"):
        pv.upper_pac(X, W, KERNEL, pv.autoregressive_mask(pv.make_order(4, 5), 5))


def test_image_must_be_channels_last():
    with pytest.raises(ValueError, match=r"channels-last with shape \(\.\.\., H, W, C\)"):
        pv.pac(jnp.zeros((4, 5)), W)


@pytest.mark.parametrize("order", [
    np.array([[1, 2], [2, 3]]),  # repeated
    np.array([[0, 1], [2, 3]]),  # starts at 0
    np.array([[1, 2], [3, 5]]),  # gap
    np.array([1, 2, 3, 4]),  # not 2-D
    np.array([[1.5, 2], [3, 4]]),  # not integers
])
def test_order_must_be_a_permutation(order):
    with pytest.raises(ValueError, match="order must"):
        pv.autoregressive_mask(order, 3)


def test_unknown_order_kind_and_channel_mask():
    with pytest.raises(ValueError, match="order kind must be one of"):
        pv.make_order(3, 3, "zigzag")
    with pytest.raises(ValueError, match="channel_mask must be one of"):
        pv.upper_pac(X, W, KERNEL, MASK, channel_mask="diagonal")


def test_pac_kernel_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        pv.pac_kernel(jnp.zeros((4, 5, 3)), jnp.ones((4, 5, 2)), jnp.ones((4, 5, 1)), 3)
    with pytest.raises(ValueError, match="must share H and W"):
        pv.pac_kernel(jnp.zeros((4, 4, 3)), jnp.ones((4, 5, 2)), jnp.ones((4, 5, 2)), 3)


def test_alpha_out_of_range_in_inverse():
    with pytest.raises(ValueError, match="alpha must lie"):
        pv.pac_inverse(X, W + jnp.eye(2), None, MASK, alpha=2.0)
