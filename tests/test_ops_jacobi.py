"""Weighted Jacobi (Eq. 7) against solve_triangular; convergence is reported, never hidden."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import solve_triangular

import pacviz as pv


def triangular_system(key, n, lower):
    ka, kb = jax.random.split(key)
    a = 0.3 * jax.random.normal(ka, (n, n)) / np.sqrt(n)
    a = a + jnp.diag(1.0 + jnp.abs(jax.random.normal(kb, (n,))))
    a = jnp.tril(a) if lower else jnp.triu(a)
    return a, jax.random.normal(kb, (n,))


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("lower", [True, False])
def test_jacobi_matches_solve_triangular(key, alpha, lower):
    a, b = triangular_system(key, 40, lower)
    x, info = pv.jacobi(lambda v: a @ v, jnp.diag(a), b, alpha=alpha, max_iters=2000)
    np.testing.assert_allclose(x, solve_triangular(a, b, lower=lower), atol=1e-9)
    assert bool(info.converged)
    n_it = int(info.iterations)
    assert 1 <= n_it < 2000  # stopped early
    deltas = np.asarray(info.deltas)
    assert np.all(np.isfinite(deltas[:n_it])) and np.all(np.isnan(deltas[n_it:]))
    assert deltas[n_it - 1] <= pv.default_tol(jnp.float64)


def test_alpha_one_is_exact_after_n_steps(key):
    """With alpha = 1, G = I - D^-1 A is strictly triangular, hence nilpotent (App. A)."""
    a, b = triangular_system(key, 12, lower=True)
    x, info = pv.jacobi(lambda v: a @ v, jnp.diag(a), b, alpha=1.0, tol=0.0, max_iters=13)
    np.testing.assert_allclose(x, solve_triangular(a, b, lower=True), rtol=1e-12)
    assert float(info.deltas[12]) < 1e-12  # the 13th iteration changes (almost) nothing


def test_jacobi_under_jit_with_batch(key):
    a, _ = triangular_system(key, 10, lower=False)
    b = jax.random.normal(key, (3, 10))

    @jax.jit
    def solve(b):
        return pv.jacobi(lambda v: v @ a.T, jnp.broadcast_to(jnp.diag(a), b.shape), b)

    x, info = solve(b)
    np.testing.assert_allclose(x, jax.vmap(lambda r: solve_triangular(a, r))(b), atol=1e-9)
    assert bool(info.converged)


def test_non_convergence_is_reported(key):
    a, b = triangular_system(key, 30, lower=True)
    x, info = pv.jacobi(lambda v: a @ v, jnp.diag(a), b, alpha=1.9, max_iters=5)
    assert not bool(info.converged) and int(info.iterations) == 5
    # A non-triangular matrix can make Jacobi diverge: reported, not hidden.
    bad = jnp.array([[1.0, 3.0], [3.0, 1.0]])
    _, info = pv.jacobi(lambda v: bad @ v, jnp.diag(bad), jnp.ones(2), max_iters=50)
    assert not bool(info.converged)


@pytest.mark.parametrize("alpha", [0.0, 2.0, -1.0, 2.5])
def test_alpha_out_of_range_is_rejected(alpha):
    with pytest.raises(ValueError, match=r"alpha must lie in the open interval \(0, 2\)"):
        pv.jacobi(lambda v: v, jnp.ones(3), jnp.ones(3), alpha=alpha)
