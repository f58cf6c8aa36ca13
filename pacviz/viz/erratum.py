"""Lower-PAC exactly as Eq. 10 is printed, to show why pacviz corrects it. Do not use it in a flow.

Eq. 10 as printed: ``z = y + Σ_iuv Ψ(y)_hwiuv k_hwouv W_uvio ¬(M_hwuv · M̂_io)`` with
``M̂_io = [i >= o]``. Since ``¬(M·M̂) = ¬M + M·¬M̂``, the printed sum is the corrected Lower-PAC
(strictly earlier pixels, ``¬M``) *plus* a leak: at the pixel itself and at every later pixel
(``M``) the channels with ``i < o`` come in too. Those later pixels sit above the diagonal, so
the map is not lower triangular and ``Σ log|U_ii|`` is no longer its log-determinant.
"""

from __future__ import annotations

import jax.numpy as jnp

import pacviz as pv


def literal_lower_pac(y, weight, kernel, mask):
    """Eq. 10 as printed (not triangular), ``(..., H, W, C) -> (..., H, W, C)``.

    Args:
      y: ``(..., H, W, C)``.
      weight: ``(K, K, C, C)``.
      kernel: ``(..., H, W, C, K, K)`` from ``pv.pac_kernel``, or None for k = 1.
      mask: bool ``(H, W, K, K)``, ``M`` of Eq. 8.
    """
    if jnp.ndim(y) < 3:
        raise ValueError(f"y must be channels-last (..., H, W, C), got shape {jnp.shape(y)}")
    h, w, c = jnp.shape(y)[-3:]
    k = jnp.shape(weight)[0]
    if jnp.shape(mask) != (h, w, k, k):
        raise ValueError(f"mask must have shape (H, W, K, K) = ({h}, {w}, {k}, {k}), got {jnp.shape(mask)}")
    upper_c, _ = pv.channel_masks(c, k, "all_taps", dtype=jnp.result_type(weight))  # M̂ = [i >= o]
    m = jnp.asarray(mask)[:, :, None, :, :]  # (H, W, 1, K, K)
    kern = jnp.ones((h, w, 1, k, k), jnp.result_type(weight)) if kernel is None else kernel
    earlier = jnp.where(m, 0, kern)  # ¬M: strictly earlier pixels, all channels (the corrected L)
    leak = jnp.where(m, kern, 0)  # M · ¬M̂: this and later pixels, channels i < o
    return y + pv.pac(y, weight, earlier) + pv.pac(y, weight * (1 - upper_c), leak)
