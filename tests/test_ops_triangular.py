"""Upper/Lower-PAC are triangular in the order and the PLU log-det equals the dense slogdet."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv
from helpers import dense_jacobian, order_permutation, random_layer, random_order

H, W, C, K = 5, 6, 2, 3
CASES = [(o, cm, adaptive) for o in ("raster", "s_curve", "random")
         for cm in pv.CHANNEL_MASKS for adaptive in (True, False)]


def make_case(key, order_kind, adaptive):
    k_layer, k_order = jax.random.split(key)
    x, weight, kernel = random_layer(k_layer, H, W, C, K)
    order = random_order(k_order, H, W) if order_kind == "random" else pv.make_order(H, W, order_kind)
    return x, weight, (kernel if adaptive else None), order


def permuted(jac, order):
    perm = order_permutation(order, C)
    return jac[np.ix_(perm, perm)]


@pytest.mark.parametrize("order_kind,channel_mask,adaptive", CASES)
def test_upper_and_lower_are_triangular(key, order_kind, channel_mask, adaptive):
    x, weight, kernel, order = make_case(key, order_kind, adaptive)
    mask = pv.autoregressive_mask(order, K)
    ju = permuted(dense_jacobian(lambda v: pv.upper_pac(v, weight, kernel, mask, channel_mask=channel_mask), x), order)
    jl = permuted(dense_jacobian(lambda v: pv.lower_pac(v, weight, kernel, mask, channel_mask=channel_mask), x), order)
    np.testing.assert_array_equal(np.tril(ju, -1), 0)  # U: upper triangular
    np.testing.assert_array_equal(np.triu(jl, 1), 0)  # L: lower triangular ...
    np.testing.assert_array_equal(np.diag(jl), 1)  # ... with a unit diagonal
    # Neither is merely diagonal: the masks let real neighbours through.
    assert np.abs(np.triu(ju, 1)).max() > 1e-3 and np.abs(np.tril(jl, -1)).max() > 1e-3
    # U's diagonal is k[centre] * W[centre] diag, what the log-det sums.
    diag = pv.upper_diagonal(weight, kernel, (H, W))
    np.testing.assert_allclose(np.diag(ju), np.asarray(diag).ravel()[order_permutation(order, C)], rtol=1e-12)


@pytest.mark.parametrize("order_kind,channel_mask,adaptive", CASES)
def test_forward_is_lu_and_log_det_matches_slogdet(key, order_kind, channel_mask, adaptive):
    x, weight, kernel, order = make_case(key, order_kind, adaptive)
    mask = pv.autoregressive_mask(order, K)
    fwd = lambda v: pv.pac_forward(v, weight, kernel, mask, channel_mask=channel_mask)[0]
    jac = dense_jacobian(fwd, x)
    ju = dense_jacobian(lambda v: pv.upper_pac(v, weight, kernel, mask, channel_mask=channel_mask), x)
    jl = dense_jacobian(lambda v: pv.lower_pac(v, weight, kernel, mask, channel_mask=channel_mask), x)
    np.testing.assert_allclose(jac, jl @ ju, atol=1e-12)
    sign, logabs = np.linalg.slogdet(jac)
    z, log_det = pv.pac_forward(x, weight, kernel, mask, channel_mask=channel_mask)
    assert sign != 0
    assert abs(float(log_det) - logabs) < 1e-8
    np.testing.assert_allclose(np.asarray(z).ravel(), jac @ np.asarray(x).ravel(), atol=1e-10)  # linear in x


def test_literal_eq10_is_not_triangular(key):
    """The erratum: Eq. 10 as printed negates M·M̂, letting later pixels in through [i < o]."""
    x, weight, kernel, order = make_case(key, "raster", True)
    mask = pv.autoregressive_mask(order, K)
    upper_c, _ = pv.channel_masks(C, K, "all_taps", dtype=weight.dtype)  # M̂ (K, K, Cin, Cout)
    m_mhat = mask[:, :, :, :, None, None] * upper_c[None, None]  # M·M̂ (H, W, K, K, Cin, Cout)

    def literal_lower(y):
        return y + jnp.einsum("hwiuv,hwouv,uvio,hwuvio->hwo", pv.psi(y, K), kernel, weight, 1 - m_mhat)

    jl = permuted(dense_jacobian(literal_lower, x), order)
    assert np.abs(np.triu(jl, 1)).max() > 1e-3  # entries above the diagonal: not lower triangular
    # ... and the PLU log-det formula then misses the true log-det.
    ju = dense_jacobian(lambda v: pv.upper_pac(v, weight, kernel, mask), x)
    true = np.linalg.slogdet(dense_jacobian(literal_lower, x) @ ju)[1]
    assert abs(true - float(pv.pac_log_det(weight, kernel))) > 1e-3


def test_forward_batches_jits_and_float32(key):
    kx, kl = jax.random.split(key)
    _, weight, kernel = random_layer(kl, 6, 6, 3, 5, dtype=jnp.float32)
    x = jax.random.normal(kx, (2, 6, 6, 3), jnp.float32)
    mask = pv.autoregressive_mask(pv.make_order(6, 6, "s_curve"), 5)
    z, log_det = jax.jit(pv.pac_forward)(x, weight, kernel, mask)
    assert z.dtype == jnp.float32 and z.shape == x.shape and log_det.shape == (2,)
    z0, ld0 = pv.pac_forward(x[0], weight, kernel, mask)
    np.testing.assert_allclose(z[0], z0, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(log_det[0], ld0, rtol=1e-6)


def test_emerging_log_det_is_hw_times_weight_diag(key):
    _, weight, _ = random_layer(key, 3, 4, 2, 3)
    expected = 12 * np.sum(np.log(np.abs(np.diag(np.asarray(weight[1, 1])))))
    assert abs(float(pv.pac_log_det(weight, None, spatial_shape=(3, 4))) - expected) < 1e-12


def test_grad_matches_finite_differences(key):
    """jax.grad through pac_forward (x, W and the kernel parameters) against central differences."""
    ks = jax.random.split(key, 5)
    x = jax.random.normal(ks[0], (4, 4, 2))
    f = jax.random.uniform(ks[1], (4, 4, 3), minval=-1, maxval=1)
    s2 = jax.random.uniform(ks[2], (4, 4, 2), minval=0.5, maxval=1)
    l = jax.random.uniform(ks[3], (4, 4, 2), minval=0.3, maxval=1)
    weight = pv.near_identity_weight(ks[4], 2, 3, 0.1, dtype=jnp.float64)
    mask = pv.autoregressive_mask(pv.make_order(4, 4, "s_curve"), 3)

    def loss(x, weight, f, s2, l):
        z, log_det = pv.pac_forward(x, weight, pv.pac_kernel(f, s2, l, 3), mask)
        return 0.5 * jnp.sum(z ** 2) - log_det

    args = (x, weight, f, s2, l)
    grads = jax.grad(loss, argnums=tuple(range(5)))(*args)
    eps = 1e-6
    rng = np.random.default_rng(0)
    for i, (arg, g) in enumerate(zip(args, grads)):
        for _ in range(4):
            direction = jnp.asarray(rng.standard_normal(arg.shape))
            plus = list(args); plus[i] = arg + eps * direction
            minus = list(args); minus[i] = arg - eps * direction
            fd = (loss(*plus) - loss(*minus)) / (2 * eps)
            np.testing.assert_allclose(float(jnp.vdot(g, direction)), float(fd), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("order_kind,channel_mask,adaptive", CASES)
def test_tap_major_operands_equal_the_folded_factors(key, order_kind, channel_mask, adaptive):
    """triangular_operands (what pac_forward runs on) holds triangular_factors' masked W and k, tap-major."""
    from pacviz.ops.triangular import triangular_operands

    x, weight, kernel, order = make_case(key, order_kind, adaptive)
    if kernel is not None:
        kernel = jnp.stack([kernel, 0.5 * kernel])  # a batch of two kernels
    mask = pv.autoregressive_mask(order, K)
    folded = pv.triangular_factors(x.shape, weight, kernel, mask, channel_mask)
    ops = triangular_operands(x.shape, weight, kernel, mask, channel_mask)
    for operands, w_folded, k_folded in ((ops.upper, folded.upper_weight, folded.upper_kernel),
                                         (ops.lower, folded.lower_weight, folded.lower_kernel)):
        k_folded = np.broadcast_to(k_folded, (operands.kernels.shape[1], H, W, k_folded.shape[-3], K, K))
        skipped = [t for t in range(K * K) if t not in operands.taps]
        for j, t in enumerate(operands.taps):
            u, v = divmod(t, K)
            np.testing.assert_array_equal(operands.weights[j], w_folded[u, v])
            np.testing.assert_array_equal(np.broadcast_to(operands.kernels[j], k_folded.shape[:-2]),
                                          k_folded[..., u, v])
        for t in skipped:  # what the operands leave out is zero in the folded kernel
            assert not np.any(k_folded[..., t // K, t % K])
    diagonal = pv.upper_diagonal(weight, kernel, (H, W))
    np.testing.assert_allclose(np.broadcast_to(ops.diagonal, (len(ops.upper.kernels[0]),) + diagonal.shape[-3:]),
                               np.broadcast_to(diagonal, (len(ops.upper.kernels[0]),) + diagonal.shape[-3:]),
                               rtol=1e-15)
