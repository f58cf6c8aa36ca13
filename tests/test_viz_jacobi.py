"""Jacobi pictures (Eq. 7, App. A): iterates are the library's steps; G is nilpotent for α = 1."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz
from helpers import random_layer

H, W, C, K = 4, 4, 2, 3


@pytest.fixture
def upper_system(key):
    """Dense U (pixel order, then channel), a right-hand side and the operator pieces."""
    x, weight, kernel = random_layer(key, H, W, C, K, weight_scale=0.2)
    order = pv.make_order(H, W, "s_curve")
    mask = pv.autoregressive_mask(order, K)
    matvec = functools.partial(pv.upper_pac, weight=weight, kernel=kernel, mask=mask)
    diag = pv.upper_diagonal(weight, kernel)
    u = pvz.pac_jacobians(weight, kernel, mask, order)["U"]
    return x, matvec, diag, matvec(x), u, order


@pytest.mark.parametrize("alpha", [1.0, 0.6, 1.5])
def test_jacobi_iterates_follow_eq7(upper_system, alpha):
    x, matvec, diag, b, _, _ = upper_system
    its = pvz.jacobi_iterates(matvec, diag, b, 6, alpha=alpha)
    assert its.shape == (7, H, W, C)
    np.testing.assert_array_equal(its[0], 0)
    expect = jnp.zeros_like(b)
    for t in range(1, 7):
        expect = expect - alpha / diag * (matvec(expect) - b)  # Eq. 7, by hand
        np.testing.assert_allclose(its[t], expect, atol=1e-12)
    jitted = jax.jit(lambda a: pvz.jacobi_iterates(matvec, diag, b, 6, alpha=a))(alpha)
    np.testing.assert_allclose(jitted, its, atol=1e-12)
    with pytest.raises(ValueError):
        pvz.jacobi_iterates(matvec, diag, b, -1)


def test_error_matrix_is_nilpotent_and_drives_the_error(upper_system):
    x, matvec, diag, b, u, order = upper_system
    g = pvz.jacobi_error_matrix(u, alpha=1.0)
    np.testing.assert_array_equal(np.tril(g), 0)  # strictly upper triangular
    n = u.shape[0]
    powers = pvz.matrix_powers(g, n)
    index = pvz.nilpotency_index(powers)
    assert index is not None and index <= n
    assert np.any(powers[index - 2] != 0) and not np.any(powers[index - 1])
    # e(t) = G^t e(0) (App. A, Eq. 11-16), in the permuted coordinates.
    perm = pvz.order_permutation(order, C)
    its = np.asarray(pvz.jacobi_iterates(matvec, diag, b, 3)).reshape(4, -1)[:, perm]
    e0 = its[0] - np.asarray(x).ravel()[perm]
    for t in (1, 2, 3):
        np.testing.assert_allclose(its[t] - np.asarray(x).ravel()[perm], powers[t - 1] @ e0, atol=1e-10)
    g_half = pvz.jacobi_error_matrix(u, alpha=0.5)
    np.testing.assert_allclose(np.diag(g_half), 0.5)
    with pytest.raises(ValueError):
        pvz.jacobi_error_matrix(np.zeros((2, 2)))


def test_jacobi_step_figure_draws_the_error_image(upper_system):
    x, matvec, diag, b, _, _ = upper_system
    its = np.asarray(pvz.jacobi_iterates(matvec, diag, b, 8))
    fig = pvz.jacobi_step_figure(its, np.asarray(x), 3, alpha=1.0, baseline={"α = 1": np.ones(9)},
                                 reference_error=1e-12, note="timing")
    assert len(fig.axes) == 4
    err = np.max(np.abs(its[3] - np.asarray(x)), axis=-1)
    floor = pvz.log_error_floor(np.float64)
    np.testing.assert_allclose(np.asarray(fig.axes[1].images[0].get_array()),
                               np.log10(np.maximum(err, 10.0 ** floor)))
    curve = fig.axes[3].lines[0].get_ydata()
    np.testing.assert_allclose(curve, np.maximum(pvz.error_images(its, np.asarray(x)).max(axis=(1, 2)), 10.0 ** floor))
    assert "t = 3" in fig._suptitle.get_text() and "timing" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="iteration"):
        pvz.jacobi_step_figure(its, np.asarray(x), 9)


def test_convergence_and_nilpotent_figures():
    fig = pvz.convergence_figure({"a": np.array([1.0, 0.1, np.nan]), "b": np.array([1.0, 0.5, 0.25])}, tol=1e-3)
    assert len(fig.axes) == 1
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [1.0, 0.1])  # NaN after stopping: left out
    g = np.triu(np.ones((4, 4)), 1)
    fig = pvz.nilpotent_figure(pvz.matrix_powers(g, 5), show=(1, 2, 8))
    assert len(fig.axes) == 3  # G¹, G², and the curve (8 > 5 is skipped)
    assert "G^4 = 0" in fig.axes[-1].get_title()
    np.testing.assert_array_equal(np.asarray(fig.axes[1].images[0].get_array()), np.linalg.matrix_power(g, 2) != 0)
    with pytest.raises(ValueError):
        pvz.convergence_figure({})
