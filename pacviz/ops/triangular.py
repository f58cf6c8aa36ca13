"""Upper- and Lower-PAC (Eq. 9, corrected Eq. 10), their PLU log-det and the forward map z = L U x."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import jax.numpy as jnp

from ._checks import check_image, check_kernel, check_mask, check_weight, is_concrete
from .masks import channel_masks, lower_spatial_mask
from .pac import TapOperands, apply_taps, live_taps, tap_major, tap_weights


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


class TriangularOperands(NamedTuple):
    """U's and L's :class:`TapOperands`, and U's diagonal ``(N or 1, H, W, C)``, ``k[p, p] · W[p, p]``."""

    upper: TapOperands
    lower: TapOperands
    diagonal: jnp.ndarray


def _check_factor_inputs(x_shape, weight, kernel, mask) -> int:
    if len(x_shape) < 3:
        raise ValueError(f"x must be channels-last with shape (..., H, W, C), got shape {tuple(x_shape)}")
    h, w, c = x_shape[-3:]
    k = check_weight(weight, in_channels=c, square=True)
    check_kernel(kernel, x_shape, k, c)
    check_mask(mask, h, w, k)
    return k


def triangular_factors(x_shape, weight, kernel, mask, channel_mask: str = "all_taps") -> TriangularFactors:
    """Validate the inputs and fold the masks of Eq. 9 and corrected Eq. 10 into weight and kernel."""
    _check_factor_inputs(x_shape, weight, kernel, mask)
    upper_c, lower_c = channel_masks(x_shape[-1], weight.shape[0], channel_mask, dtype=jnp.result_type(weight))
    upper_s = jnp.asarray(mask)[:, :, None, :, :]  # (H, W, 1, K, K)
    lower_s = lower_spatial_mask(mask, channel_mask)[:, :, None, :, :]
    if kernel is None:
        dtype = jnp.result_type(weight)
        upper_k, lower_k = upper_s.astype(dtype), lower_s.astype(dtype)
    else:
        upper_k = jnp.where(upper_s, kernel, 0)
        lower_k = jnp.where(lower_s, kernel, 0)
    return TriangularFactors(weight * upper_c, upper_k, weight * lower_c, lower_k)


def triangular_operands(x_shape, weight, kernel, mask, channel_mask: str = "all_taps",
                        dtype=None) -> TriangularOperands:
    """What :func:`triangular_factors` folds (Eq. 9, corrected Eq. 10), laid out tap-major for
    :func:`apply_taps`, and U's diagonal.

    The kernel is transposed to ``(K², N, H, W, C)`` once for both factors; the spatial masks are
    applied in that layout to the live taps only (:func:`factor_taps`), and the diagonal is read
    from the unmasked centre tap. The gradient of a PAC layer is ~1.4× faster on CPU than with
    the masks folded in the ``(..., K, K)`` layout and the log-det read from there; reading the
    diagonal from U's gathered taps instead loses the gain (``bench/RESULTS.md``).

    Args:
      x_shape: ``(..., H, W, C)``; weight, kernel, mask, channel_mask: as :func:`pac_forward`.
      dtype: of the operands; default the result type of weight and kernel.

    Returns:
      :class:`TriangularOperands`; the kernels are ``(T, N, H, W, C)`` over the batch of
      ``x_shape`` and the kernel (``(T, 1, H, W, 1)``, the mask alone, when ``kernel`` is None).
    """
    k = _check_factor_inputs(x_shape, weight, kernel, mask)
    h, w, c = x_shape[-3:]
    if dtype is None:
        dtype = jnp.result_type(weight, *([] if kernel is None else [kernel]))
    upper_c, lower_c = channel_masks(c, k, channel_mask, dtype=jnp.result_type(weight))
    upper_taps, lower_taps = factor_taps(mask, channel_mask)
    if kernel is not None:
        kernel = tap_major(kernel, factor_batch(x_shape, kernel)).astype(dtype)  # (K², N, H, W, C): U and L

    def operands(channel, spatial, taps):
        taps = tuple(range(k * k)) if taps is None else taps
        index = np.asarray(taps, int)
        xp = np if is_concrete(spatial) else jnp  # a concrete mask enters the program as one constant
        spatial = xp.reshape(xp.asarray(spatial), (h * w, k * k)).T.reshape(k * k, 1, h, w, 1)[index]  # (T, 1, H, W, 1)
        kern = spatial.astype(dtype) if kernel is None else jnp.where(spatial, kernel[index], 0)
        return TapOperands(tap_weights(weight * channel)[index].astype(dtype), kern, k, taps)

    upper = operands(upper_c, mask, upper_taps)
    lower = operands(lower_c, lower_spatial_mask(mask, channel_mask), lower_taps)
    w_diag = jnp.diagonal(weight[k // 2, k // 2]).astype(dtype)  # (C,)
    diagonal = jnp.broadcast_to(w_diag, (1, h, w, c)) if kernel is None else kernel[k * k // 2] * w_diag
    return TriangularOperands(upper, lower, diagonal)


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
    upper = triangular_operands(jnp.shape(x), weight, kernel, mask, channel_mask, factor_dtype(x, weight, kernel)).upper
    return _apply(x, upper, factor_batch(jnp.shape(x), kernel))


def lower_pac(y, weight, kernel, mask, *, channel_mask: str = "all_taps"):
    """Lower-PAC, ``z = L y`` (Eq. 10, corrected).

    ``z = y + sum_{i,u,v} Ψ(y)[..., h, w, i, u, v] k[..., h, w, o, u, v] W[u, v, i, o] ¬M[h, w, u, v]``:
    the identity plus strictly earlier pixels, all channels. (Eq. 10 as printed negates
    ``M·M̂``, which also lets later pixels in through ``[i < o]`` and is not triangular.) With
    ``channel_mask="center"`` the centre tap adds ``[i < o]``: still unit lower triangular.

    Shapes as :func:`upper_pac`.
    """
    check_image(y, "y")
    lower = triangular_operands(jnp.shape(y), weight, kernel, mask, channel_mask, factor_dtype(y, weight, kernel)).lower
    return y + _apply(y, lower, factor_batch(jnp.shape(y), kernel))


def factor_dtype(x, weight, kernel):
    """The dtype a triangular PAC of ``x`` computes in."""
    return jnp.result_type(x, weight, *([] if kernel is None else [kernel]))


def factor_batch(x_shape, kernel) -> tuple:
    """The batch shape a triangular PAC of ``x_shape (..., H, W, C)`` with ``kernel`` works over."""
    return jnp.broadcast_shapes(tuple(x_shape[:-3]), () if kernel is None else jnp.shape(kernel)[:-5])


def _apply(x, operands: TapOperands, batch: tuple):
    """:func:`apply_taps` over ``x (..., H, W, C)`` broadcast to ``batch``: ``(*batch, H, W, C)``."""
    h, w, c = x.shape[-3:]
    flat = jnp.broadcast_to(x, batch + (h, w, c)).reshape((-1, h, w, c))
    return apply_taps(flat, operands).reshape(batch + (h, w, operands.weights.shape[-1]))


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
    ops = triangular_operands(jnp.shape(x), weight, kernel, mask, channel_mask, factor_dtype(x, weight, kernel))
    batch = factor_batch(jnp.shape(x), kernel)
    y = _apply(x, ops.upper, batch)
    z = y + _apply(y, ops.lower, batch)
    log_det = jnp.sum(jnp.log(jnp.abs(ops.diagonal)), axis=(-3, -2, -1))  # (N,) or (1,): Algorithm 1, line 15
    return z, jnp.broadcast_to(log_det, (int(np.prod(batch, dtype=int)),)).reshape(batch)
