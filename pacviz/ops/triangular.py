"""Upper- and Lower-PAC (Eq. 9, corrected Eq. 10), their PLU log-det and the forward map z = L U x."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import jax.numpy as jnp

from ._checks import check_image, check_kernel, check_mask, check_weight, is_concrete
from .masks import channel_masks, lower_spatial_mask
from .pac import live_taps, pac


class TriangularFactors(NamedTuple):
    """The masked weights and kernels of U and L, computed once per layer.

    ``upper_weight``/``lower_weight``: ``(K, K, C, C)``; ``upper_kernel``/``lower_kernel``:
    ``(..., H, W, C or 1, K, K)``, the pixel-adaptive kernel times the spatial mask
    (the mask alone when there is no kernel).
    """

    upper_weight: jnp.ndarray
    upper_kernel: jnp.ndarray
    lower_weight: jnp.ndarray
    lower_kernel: jnp.ndarray


def triangular_factors(x_shape, weight, kernel, mask, channel_mask: str = "all_taps") -> TriangularFactors:
    """Validate the inputs and fold the masks of Eq. 9 and corrected Eq. 10 into weight and kernel."""
    if len(x_shape) < 3:
        raise ValueError(f"x must be channels-last with shape (..., H, W, C), got shape {tuple(x_shape)}")
    h, w, c = x_shape[-3:]
    k = check_weight(weight, in_channels=c, square=True)
    check_kernel(kernel, x_shape, k, c)
    check_mask(mask, h, w, k)
    upper_c, lower_c = channel_masks(c, k, channel_mask, dtype=jnp.result_type(weight))
    upper_s = jnp.asarray(mask)[:, :, None, :, :]  # (H, W, 1, K, K)
    lower_s = lower_spatial_mask(mask, channel_mask)[:, :, None, :, :]
    if kernel is None:
        dtype = jnp.result_type(weight)
        upper_k, lower_k = upper_s.astype(dtype), lower_s.astype(dtype)
    else:
        upper_k = jnp.where(upper_s, kernel, 0)
        lower_k = jnp.where(lower_s, kernel, 0)
    return TriangularFactors(weight * upper_c, upper_k, weight * lower_c, lower_k)


def factor_taps(mask, channel_mask: str = "all_taps"):
    """The taps Upper- and Lower-PAC use somewhere, ``(upper, lower)``, for :func:`pac`'s ``taps``.

    Over a raster or s-curve order each uses 15 of 25 (the rows above are all earlier, the rows
    below all later), so skipping the others saves 40 % of the work. ``(None, None)`` (all taps)
    when the mask is traced.
    """
    if not is_concrete(mask):
        return None, None
    upper = np.asarray(mask, bool)
    lower = ~upper
    if channel_mask == "center":
        lower[..., lower.shape[-2] // 2, lower.shape[-1] // 2] = True
    return live_taps(upper), live_taps(lower)


def upper_pac(x, weight, kernel, mask, *, channel_mask: str = "all_taps"):
    """Upper-PAC, ``y = U x`` (Eq. 9).

    ``y[..., h, w, o] = sum_{i,u,v} Ψ(x)[..., h, w, i, u, v] k[..., h, w, o, u, v] W[u, v, i, o] M[h, w, u, v] M̂[u, v, i, o]``
    with ``M̂ = [i >= o]`` at every tap (``channel_mask="all_taps"``, the paper) or at the centre
    tap only (``"center"``). U is upper triangular in the order "pixel order, then channel".

    Args:
      x: ``(..., H, W, C)``.
      weight: ``(K, K, C, C)``.
      kernel: ``(..., H, W, C, K, K)`` from :func:`pac_kernel`, or None for k = 1 (emerging conv.).
      mask: bool ``(H, W, K, K)`` from :func:`autoregressive_mask`.

    Returns:
      ``(..., H, W, C)``.
    """
    check_image(x)
    f = triangular_factors(jnp.shape(x), weight, kernel, mask, channel_mask)
    return pac(x, f.upper_weight, f.upper_kernel, taps=factor_taps(mask, channel_mask)[0])


def lower_pac(y, weight, kernel, mask, *, channel_mask: str = "all_taps"):
    """Lower-PAC, ``z = L y`` (Eq. 10, corrected).

    ``z = y + sum_{i,u,v} Ψ(y)[..., h, w, i, u, v] k[..., h, w, o, u, v] W[u, v, i, o] ¬M[h, w, u, v]``:
    the identity plus strictly earlier pixels, all channels. (Eq. 10 as printed negates
    ``M·M̂``, which also lets later pixels in through ``[i < o]`` and is not triangular.) With
    ``channel_mask="center"`` the centre tap adds ``[i < o]``: still unit lower triangular.

    Shapes as :func:`upper_pac`.
    """
    check_image(y, "y")
    f = triangular_factors(jnp.shape(y), weight, kernel, mask, channel_mask)
    return y + pac(y, f.lower_weight, f.lower_kernel, taps=factor_taps(mask, channel_mask)[1])


def upper_diagonal(weight, kernel, spatial_shape=None):
    """The diagonal of U: ``k[..., h, w, c, p, p] · W[p, p, c, c]``, shape ``(..., H, W, C)``.

    With ``kernel=None`` (k = 1) pass ``spatial_shape=(H, W)``.
    """
    k = check_weight(weight, square=True)
    w_diag = jnp.diagonal(weight[k // 2, k // 2])  # (C,)
    if kernel is None:
        if spatial_shape is None:
            raise ValueError("with kernel=None, pass spatial_shape=(H, W) so the diagonal has a size")
        return jnp.broadcast_to(w_diag, tuple(spatial_shape) + w_diag.shape)
    if np.shape(kernel)[-2:] != (k, k) or np.ndim(kernel) < 5:
        raise ValueError(f"kernel must have shape (..., H, W, C, {k}, {k}), got {np.shape(kernel)}")
    return kernel[..., k // 2, k // 2] * w_diag


def pac_log_det(weight, kernel, *, spatial_shape=None):
    """Log |det| of the PLU-structured PAC (Algorithm 1, line 15; §4.2 corrected).

    ``log|det L U| = sum_{h,w,c} log|k[..., h, w, c, p, p] · W[p, p, c, c]|`` since L has a unit
    diagonal (the text's ``log sum |U_ii|`` is a typo for ``sum log |U_ii|``).

    Args:
      weight: ``(K, K, C, C)``.
      kernel: ``(..., H, W, C, K, K)`` or None (then pass ``spatial_shape=(H, W)``).

    Returns:
      ``(...)``: one value per image.
    """
    diag = upper_diagonal(weight, kernel, spatial_shape)
    return jnp.sum(jnp.log(jnp.abs(diag)), axis=(-3, -2, -1))


def pac_forward(x, weight, kernel, mask, *, channel_mask: str = "all_taps"):
    """The invertible PAC ``z = L U x`` and its log-determinant (Algorithm 1, lines 9–15).

    Args:
      x: ``(..., H, W, C)``.
      weight: ``(K, K, C, C)``; the same W serves U and L.
      kernel: ``(..., H, W, C, K, K)`` or None (emerging convolution).
      mask: bool ``(H, W, K, K)``.

    Returns:
      ``(z, log_det)``: ``z (..., H, W, C)`` and ``log_det`` with the batch shape of ``x``.
    """
    check_image(x)
    f = triangular_factors(jnp.shape(x), weight, kernel, mask, channel_mask)
    upper_taps, lower_taps = factor_taps(mask, channel_mask)
    y = pac(x, f.upper_weight, f.upper_kernel, taps=upper_taps)
    z = y + pac(y, f.lower_weight, f.lower_kernel, taps=lower_taps)
    log_det = pac_log_det(weight, kernel, spatial_shape=jnp.shape(x)[-3:-1])
    return z, jnp.broadcast_to(log_det, jnp.shape(z)[:-3])
