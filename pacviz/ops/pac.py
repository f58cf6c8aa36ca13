"""The pixel adaptive convolution (Eq. 4)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._checks import check_image, check_kernel, check_weight
from .patches import pad_spatial, tap_view


def pac(x, weight, kernel=None):
    """Pixel adaptive convolution (Eq. 4).

    ``PAC(W, k, x)[..., h, w, o] = sum_{i,u,v} Ψ(x)[..., h, w, i, u, v] · k[..., h, w, o, u, v] · W[u, v, i, o]``

    With ``kernel=None`` (k = 1) this is the plain convolution of Eq. 3. Masks enter by
    multiplying them into ``weight`` (channel masks) and ``kernel`` (per-location patch masks).

    How it is computed: one tap at a time (a ``lax.scan`` over the K² taps), each tap's shifted
    input times ``W[u, v]`` times the tap's kernel plane, accumulated. This never materialises
    ``Ψ(x)`` (K² times the input), and its gradient is another small scan: fast to run and to
    compile, where a Python loop over taps compiles K² copies.

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
    h, w, c_in = x.shape[-3:]
    c_out = weight.shape[-1]
    batch = x.shape[:-3] if kernel is None else jnp.broadcast_shapes(x.shape[:-3], kernel.shape[:-5])
    flat = jnp.broadcast_to(x, batch + (h, w, c_in)).reshape((-1, h, w, c_in))
    padded = pad_spatial(flat, k // 2)
    taps = dict(index=jnp.arange(k * k), weight=weight.reshape(k * k, c_in, c_out))
    if kernel is not None:  # tap-major: (K², N, H, W, Cout)
        kern = jnp.broadcast_to(kernel, batch + (h, w, c_out, k, k)).reshape((-1, h, w, c_out, k * k))
        taps["kernel"] = jnp.moveaxis(kern, -1, 0)

    def add_tap(acc, tap):
        term = tap_view(padded, tap["index"], k, h, w) @ tap["weight"]
        return acc + (term * tap["kernel"] if "kernel" in tap else term), None

    init = jnp.zeros((flat.shape[0], h, w, c_out), jnp.result_type(x, weight, *([] if kernel is None else [kernel])))
    out, _ = jax.lax.scan(add_tap, init, taps, unroll=k)  # a row of taps per loop step: faster forward
    return out.reshape(batch + (h, w, c_out))
