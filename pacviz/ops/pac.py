"""The pixel adaptive convolution (Eq. 4)."""

from __future__ import annotations

import jax.numpy as jnp

from ._checks import check_image, check_kernel, check_weight


def pac(x, weight, kernel=None):
    """Pixel adaptive convolution (Eq. 4).

    ``PAC(W, k, x)[..., h, w, o] = sum_{i,u,v} Ψ(x)[..., h, w, i, u, v] · k[..., h, w, o, u, v] · W[u, v, i, o]``

    With ``kernel=None`` (k = 1) this is the plain convolution of Eq. 3. Masks enter by
    multiplying them into ``weight`` (channel masks) and ``kernel`` (per-location patch masks).

    How it is computed: every input pixel is first sent through every tap's ``Cin×Cout``
    matrix (one matmul, the same FLOPs as the convolution), then each output pixel adds up,
    over the taps, its neighbour's projection weighted by its own kernel. This never
    materialises ``Ψ(x)`` (K² times the input), which is what makes it fast.

    Args:
      x: ``(..., H, W, Cin)``.
      weight: ``(K, K, Cin, Cout)``.
      kernel: ``(..., H, W, Cout, K, K)`` (``Cout`` may be 1 to share across channels) or None.

    Returns:
      ``(..., H, W, Cout)``.
    """
    check_image(x)
    k = check_weight(weight, in_channels=jnp.shape(x)[-1])
    check_kernel(kernel, jnp.shape(x), k, jnp.shape(weight)[-1])
    h, w = x.shape[-3], x.shape[-2]
    # Tap-major layouts, so that each tap reads contiguous (H, W, Cout) blocks.
    # proj[..., u, v, a, b, o] = sum_i x[..., a, b, i] W[u, v, i, o]
    proj = jnp.einsum("...abi,uvio->...uvabo", x, weight)
    p = k // 2
    proj = jnp.pad(proj, [(0, 0)] * (proj.ndim - 3) + [(p, p), (p, p), (0, 0)])
    taps = None if kernel is None else jnp.moveaxis(kernel, (-2, -1), (-5, -4))  # (..., K, K, H, W, Cout)
    out = 0.0
    for u in range(k):
        for v in range(k):
            # Output (h, w) reads tap (u, v) from pixel (h + u - p, w + v - p): padded (h + u, w + v).
            term = proj[..., u, v, u:u + h, v:v + w, :]
            out = out + (term if taps is None else term * taps[..., u, v, :, :, :])
    return out
