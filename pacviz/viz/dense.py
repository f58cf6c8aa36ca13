"""Dense matrices of the linear maps, for pictures and brute-force checks (small images only).

A map on ``(H, W, C)`` images is a ``(HWC, HWC)`` matrix. Rows and columns are reordered
"pixel order, then channel" (pixel with order value 1 first, its channels in turn, then pixel
2, ...): in that order Upper-PAC (Eq. 9) is upper triangular and Lower-PAC (Eq. 10, corrected)
unit lower triangular.
"""

from __future__ import annotations

import jax
import numpy as np

import pacviz as pv


def dense_jacobian(fn, x) -> np.ndarray:
    """The Jacobian of ``fn: (H, W, C) -> (H, W, C)`` at ``x`` as an ``(HWC, HWC)`` numpy matrix.

    Row ``a``, column ``b`` is ``d fn(x).ravel()[a] / d x.ravel()[b]`` (row-major ``h, w, c``).
    """
    x = jax.numpy.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be a single image (H, W, C), got shape {x.shape}")
    n = x.size
    # One compiled program: much faster than running jacfwd's many small ops one by one.
    return np.asarray(jax.jit(jax.jacfwd(fn))(x)).reshape(n, n)


def order_permutation(order, channels: int) -> np.ndarray:
    """``(HWC,)`` flat indices of an ``(H, W, C)`` image sorted by "pixel order, then channel"."""
    pv.check_order(order)
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    order = np.asarray(order)
    keys = (order[:, :, None] * channels + np.arange(channels)[None, None, :]).ravel()
    return np.argsort(keys, kind="stable")


def permute_matrix(matrix, order, channels: int) -> np.ndarray:
    """Reorder rows and columns of an ``(HWC, HWC)`` matrix to "pixel order, then channel"."""
    matrix = np.asarray(matrix)
    perm = order_permutation(order, channels)
    if matrix.shape != (perm.size, perm.size):
        raise ValueError(f"matrix must be ({perm.size}, {perm.size}) for this order and C={channels}, "
                         f"got {matrix.shape}")
    return matrix[np.ix_(perm, perm)]


def pac_jacobians(weight, kernel, mask, order, *, channel_mask: str = "all_taps",
                  spatial_shape=None) -> dict[str, np.ndarray]:
    """Dense U (Eq. 9), L (Eq. 10 corrected) and LU, in "pixel order, then channel".

    Args:
      weight: ``(K, K, C, C)``.
      kernel: ``(H, W, C, K, K)`` or None (emerging convolution; then the shape comes from ``mask``).
      mask: bool ``(H, W, K, K)`` from ``pv.autoregressive_mask(order, K)``.
      order: the ``(H, W)`` order the mask was built from.

    Returns:
      ``{"U": (N, N), "L": (N, N), "LU": (N, N)}`` with ``N = H·W·C``.
    """
    h, w = np.shape(mask)[:2]
    c = np.shape(weight)[-1]
    x = jax.numpy.zeros((h, w, c), jax.numpy.result_type(weight))  # the maps are linear: any point
    ju = dense_jacobian(lambda v: pv.upper_pac(v, weight, kernel, mask, channel_mask=channel_mask), x)
    jl = dense_jacobian(lambda v: pv.lower_pac(v, weight, kernel, mask, channel_mask=channel_mask), x)
    ju, jl = permute_matrix(ju, order, c), permute_matrix(jl, order, c)
    return {"U": ju, "L": jl, "LU": jl @ ju}


def matrix_powers(matrix, count: int) -> np.ndarray:
    """``(count, N, N)``: ``G¹, G², ..., G^count`` of a square ``G`` (float64)."""
    g = np.asarray(matrix, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        raise ValueError(f"matrix must be square (N, N), got shape {g.shape}")
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    out = np.empty((count,) + g.shape)
    out[0] = g
    for n in range(1, count):
        out[n] = out[n - 1] @ g
    return out


def jacobi_error_matrix(matrix, alpha: float = 1.0) -> np.ndarray:
    """``G = I − α D⁻¹ A`` (App. A): weighted Jacobi's error obeys ``e(t+1) = G e(t)``."""
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"matrix must be square (N, N), got shape {a.shape}")
    d = np.diag(a)
    if np.any(d == 0):
        raise ValueError("the diagonal of A must be non-zero for Jacobi")
    return np.eye(a.shape[0]) - alpha * a / d[:, None]
