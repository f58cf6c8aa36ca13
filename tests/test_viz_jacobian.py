"""Dense Jacobian helpers and pictures (Eq. 9, Eq. 10 and its erratum, Algorithm 1)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz
from helpers import dense_jacobian, order_permutation, random_layer, random_order

H, W, C, K = 4, 5, 2, 3


def image_data(ax):
    return np.asarray(ax.images[0].get_array(), dtype=float)


@pytest.fixture
def layer(key):
    k1, k2 = jax.random.split(key)
    x, weight, kernel = random_layer(k1, H, W, C, K)
    return x, weight, kernel, random_order(k2, H, W)


def test_order_permutation_matches_the_reference(layer):
    order = layer[3]
    np.testing.assert_array_equal(pvz.order_permutation(order, C), order_permutation(order, C))
    with pytest.raises(ValueError):
        pvz.order_permutation(np.ones((2, 2), int), C)


@pytest.mark.parametrize("channel_mask", pv.CHANNEL_MASKS)
def test_pac_jacobians_are_plu(layer, channel_mask):
    x, weight, kernel, order = layer
    mask = pv.autoregressive_mask(order, K)
    jac = pvz.pac_jacobians(weight, kernel, mask, order, channel_mask=channel_mask)
    assert set(jac) == {"U", "L", "LU"}
    np.testing.assert_array_equal(np.tril(jac["U"], -1), 0)
    np.testing.assert_array_equal(np.triu(jac["L"], 1), 0)
    np.testing.assert_array_equal(np.diag(jac["L"]), 1)
    full = dense_jacobian(lambda v: pv.pac_forward(v, weight, kernel, mask, channel_mask=channel_mask)[0], x)
    perm = order_permutation(order, C)
    np.testing.assert_allclose(jac["LU"], full[np.ix_(perm, perm)], atol=1e-12)
    assert abs(np.linalg.slogdet(jac["LU"])[1] - float(pv.pac_log_det(weight, kernel))) < 1e-8


def test_literal_eq10_is_the_printed_formula_and_not_triangular(layer):
    x, weight, kernel, order = layer
    mask = pv.autoregressive_mask(order, K)
    upper_c, _ = pv.channel_masks(C, K, "all_taps", dtype=weight.dtype)
    m_mhat = mask[:, :, :, :, None, None] * upper_c[None, None]  # M·M̂ (H, W, K, K, Cin, Cout)
    printed = x + jnp.einsum("hwiuv,hwouv,uvio,hwuvio->hwo", pv.psi(x, K), kernel, weight, 1 - m_mhat)
    np.testing.assert_allclose(pvz.literal_lower_pac(x, weight, kernel, mask), printed, atol=1e-12)
    perm = order_permutation(order, C)
    literal = dense_jacobian(lambda v: pvz.literal_lower_pac(v, weight, kernel, mask), x)[np.ix_(perm, perm)]
    corrected = pvz.pac_jacobians(weight, kernel, mask, order)["L"]
    assert (pvz.triangle_violations(literal) == 2).sum() > 0
    assert (pvz.triangle_violations(corrected) == 2).sum() == 0
    fig = pvz.erratum_figure(literal, corrected, {"Σ log|U_ii|": 1.0, "slogdet": 2.0})
    assert len(fig.axes) == 2
    np.testing.assert_array_equal(image_data(fig.axes[0]), pvz.triangle_violations(literal))
    np.testing.assert_array_equal(image_data(fig.axes[1]), pvz.triangle_violations(corrected))
    assert "slogdet = 2.0000" in fig._suptitle.get_text()
    with pytest.raises(ValueError):
        pvz.literal_lower_pac(x, weight, kernel, mask[:-1])


@pytest.mark.parametrize("sparsity", [False, True])
def test_jacobian_figure_draws_each_matrix(layer, sparsity):
    _, weight, kernel, order = layer
    jac = pvz.pac_jacobians(weight, kernel, pv.autoregressive_mask(order, K), order)
    fig = pvz.jacobian_figure(jac, C, sparsity=sparsity, title="t")
    assert len(fig.axes) == 3
    for ax, m in zip(fig.axes, jac.values()):
        np.testing.assert_allclose(image_data(ax), (m != 0) if sparsity else m)
    with pytest.raises(ValueError, match="multiple"):
        pvz.jacobian_figure({"U": jac["U"]}, 3)
    with pytest.raises(ValueError, match="at least one"):
        pvz.jacobian_figure({}, C)


def test_dense_jacobian_rejects_batches():
    with pytest.raises(ValueError, match="single image"):
        pvz.dense_jacobian(lambda v: v, jnp.zeros((1, 2, 2, 1)))
