"""Autoregressive orders and the masks that make a PAC triangular (Eq. 8, Eq. 9, Eq. 10)."""

from __future__ import annotations

import numpy as np
import jax.numpy as jnp

from ._checks import check_int, check_kernel_size, is_concrete
from .patches import psi

ORDER_KINDS = ("raster", "s_curve")
CHANNEL_MASKS = ("all_taps", "center")


def make_order(height: int, width: int, kind: str = "raster"):
    """An autoregressive order over pixels: an int array ``(H, W)``, a permutation of ``1..H·W``.

    ``"raster"`` numbers pixels row by row; ``"s_curve"`` reverses every other row (the
    corrected Appendix B: ``order[1::2] = order[1::2, ::-1]``), so consecutive pixels stay
    neighbours.
    """
    if kind not in ORDER_KINDS:
        raise ValueError(f"order kind must be one of {ORDER_KINDS}, got {kind!r}")
    height, width = check_int("height", height), check_int("width", width)
    order = np.arange(1, height * width + 1, dtype=np.int32).reshape(height, width)
    if kind == "s_curve":
        order[1::2] = order[1::2, ::-1]
    return jnp.asarray(order)


def check_order(order, height: int | None = None, width: int | None = None):
    """Raise ``ValueError`` unless ``order`` is an ``(H, W)`` permutation of ``1..H·W``."""
    shape = np.shape(order)
    if len(shape) != 2:
        raise ValueError(f"order must be a 2-D (H, W) array, got shape {shape}")
    if height is not None and shape != (height, width):
        raise ValueError(f"order must have shape (H, W) = ({height}, {width}), got {shape}")
    if not is_concrete(order):
        return  # values cannot be checked while tracing; they were checked when made concrete
    values = np.asarray(order)
    if not np.issubdtype(values.dtype, np.integer):
        if not np.all(values == np.round(values)):
            raise ValueError("order must hold integers 1..H*W, got non-integer values")
    n = shape[0] * shape[1]
    if not np.array_equal(np.sort(values.ravel()), np.arange(1, n + 1)):
        raise ValueError(
            f"order must be a permutation of 1..H*W = 1..{n} (each pixel numbered once, starting at 1); "
            "use make_order(H, W, 'raster' | 's_curve') or np.argsort to build one"
        )


def autoregressive_mask(order, kernel_size: int):
    """The per-location patch mask ``M = Ψ(O) >= O`` (Eq. 8).

    ``M[h, w, u, v]`` is True where the neighbour at tap ``(u, v)`` is the pixel itself or comes
    later in the order. Ψ pads ``O`` with 0 and every order value is >= 1, so taps outside the
    image are False.

    Args:
      order: ``(H, W)`` permutation of ``1..H·W`` (see :func:`make_order`).
      kernel_size: odd ``K``.

    Returns:
      bool ``(H, W, K, K)``.
    """
    check_order(order)
    k = check_kernel_size(kernel_size)
    order = jnp.asarray(order)
    patches = psi(order[..., None], k)[..., 0, :, :]  # (H, W, K, K)
    return patches >= order[..., None, None]


def channel_masks(channels: int, kernel_size: int, channel_mask: str = "all_taps", dtype=jnp.float32):
    """Channel masks ``(K, K, Cin, Cout)`` for Upper- and Lower-PAC.

    ``"all_taps"`` (the paper, Eq. 9): U uses ``M̂[i, o] = [i >= o]`` at every tap; L uses all
    channels (its spatial mask already excludes the centre).
    ``"center"`` (emerging-convolution style): U uses ``[i >= o]`` at the centre tap only and the
    full W elsewhere; L uses the strictly lower ``[i < o]`` at the centre tap and full W elsewhere.

    Returns:
      ``(upper, lower)``, each ``(K, K, C, C)`` of ``dtype``.
    """
    if channel_mask not in CHANNEL_MASKS:
        raise ValueError(f"channel_mask must be one of {CHANNEL_MASKS}, got {channel_mask!r}")
    k = check_kernel_size(kernel_size)
    i_ge_o = np.tril(np.ones((channels, channels), bool))  # rows i, columns o
    ones = np.ones((k, k, channels, channels), bool)
    if channel_mask == "all_taps":
        upper = np.broadcast_to(i_ge_o, ones.shape)
        lower = ones
    else:
        upper, lower = ones.copy(), ones.copy()
        upper[k // 2, k // 2] = i_ge_o
        lower[k // 2, k // 2] = ~i_ge_o
    return jnp.asarray(upper, dtype), jnp.asarray(lower, dtype)


def lower_spatial_mask(mask, channel_mask: str = "all_taps"):
    """The spatial mask of Lower-PAC: strictly earlier pixels ``¬M`` (corrected Eq. 10).

    With ``channel_mask="center"`` the centre tap is kept too (its channel mask is strictly lower).

    Args:
      mask: bool ``(H, W, K, K)`` from :func:`autoregressive_mask`.

    Returns:
      bool ``(H, W, K, K)``, a numpy array when ``mask`` is concrete.
    """
    if is_concrete(mask):  # numpy: under jit it then enters the program as a constant
        lower = ~np.asarray(mask, bool)
        if channel_mask == "center":
            lower[..., lower.shape[-2] // 2, lower.shape[-1] // 2] = True
        return lower
    lower = ~jnp.asarray(mask)
    if channel_mask == "center":
        c = lower.shape[-1] // 2
        lower = lower.at[..., c, c].set(True)
    return lower
