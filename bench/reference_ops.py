"""The core ops as formulated before the tap-major rewrite, kept so bench_ops.py can time old and new side by side.

``reference_pac`` / ``reference_pac_kernel``: one ``lax.scan`` over the K² taps with JAX's own
gradient (the kernel in the public ``(..., H, W, C, K, K)`` layout). ``reference_pac_forward`` and
``reference_pac_inverse``: the PLU forward map and the weighted-Jacobi inverse built on them,
with the masks folded and re-laid-out inside every Jacobi iteration. ``folded_pac_forward``: the
tap-major PAC of today with the masks folded in the ``(..., K, K)`` layout, each factor laid out
tap-major on its own, and the log-det read from the ``(..., K, K)`` kernel (``pac_forward`` until
the masks and the diagonal moved into the tap-major layout, ``triangular_operands``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pacviz.ops.jacobi import jacobi
from pacviz.ops.patches import pad_spatial, tap_view
from pacviz.ops.pac import pac
from pacviz.ops.triangular import factor_taps, pac_log_det, triangular_factors, upper_diagonal


def reference_pac(x, weight, kernel=None):
    """Eq. 4 as a scan over taps (the earlier formulation)."""
    k = weight.shape[0]
    h, w, c_in = x.shape[-3:]
    c_out = weight.shape[-1]
    batch = x.shape[:-3] if kernel is None else jnp.broadcast_shapes(x.shape[:-3], kernel.shape[:-5])
    flat = jnp.broadcast_to(x, batch + (h, w, c_in)).reshape((-1, h, w, c_in))
    padded = pad_spatial(flat, k // 2)
    taps = dict(index=jnp.arange(k * k), weight=weight.reshape(k * k, c_in, c_out))
    if kernel is not None:
        kern = jnp.broadcast_to(kernel, batch + (h, w, c_out, k, k)).reshape((-1, h, w, c_out, k * k))
        taps["kernel"] = jnp.moveaxis(kern, -1, 0)

    def add_tap(acc, tap):
        term = tap_view(padded, tap["index"], k, h, w) @ tap["weight"]
        return acc + (term * tap["kernel"] if "kernel" in tap else term), None

    init = jnp.zeros((flat.shape[0], h, w, c_out), jnp.result_type(x, weight, *([] if kernel is None else [kernel])))
    out, _ = jax.lax.scan(add_tap, init, taps, unroll=k)
    return out.reshape(batch + (h, w, c_out))


def reference_pac_kernel(f, sigma2, lengthscale, k):
    """Eq. 6 with the feature distances from a scan over taps (the earlier formulation)."""
    h, w, f_dim = f.shape[-3:]
    flat = f.reshape((-1, h, w, f_dim))
    padded = pad_spatial(flat, k // 2)

    def distance(_, tap):
        diff = flat - tap_view(padded, tap, k, h, w)
        return None, jnp.sum(diff * diff, axis=-1)

    _, dist = jax.lax.scan(distance, None, jnp.arange(k * k))
    dist = jnp.moveaxis(dist, 0, -1).reshape(f.shape[:-1] + (k, k))[..., None, :, :]
    return sigma2[..., None, None] * jnp.exp(-dist / (2.0 * lengthscale[..., None, None]))


def reference_pac_forward(x, weight, kernel, mask):
    """``z = L U x`` and its log-det, on :func:`reference_pac`."""
    f = triangular_factors(jnp.shape(x), weight, kernel, mask)
    y = reference_pac(x, f.upper_weight, f.upper_kernel)
    z = y + reference_pac(y, f.lower_weight, f.lower_kernel)
    log_det = pac_log_det(weight, kernel, spatial_shape=jnp.shape(x)[-3:-1])
    return z, jnp.broadcast_to(log_det, jnp.shape(z)[:-3])


def folded_pac_forward(x, weight, kernel, mask):
    """``z = L U x`` and its log-det with the masks folded in the ``(..., K, K)`` layout (:func:`pac` per factor)."""
    f = triangular_factors(jnp.shape(x), weight, kernel, mask)
    upper_taps, lower_taps = factor_taps(mask)
    y = pac(x, f.upper_weight, f.upper_kernel, taps=upper_taps)
    z = y + pac(y, f.lower_weight, f.lower_kernel, taps=lower_taps)
    log_det = pac_log_det(weight, kernel, spatial_shape=jnp.shape(x)[-3:-1])
    return z, jnp.broadcast_to(log_det, jnp.shape(z)[:-3])


def reference_pac_inverse(z, weight, kernel, mask):
    """The weighted-Jacobi inverse with every iteration a full :func:`reference_pac` call."""
    f = triangular_factors(jnp.shape(z), weight, kernel, mask)
    diag_u = jnp.broadcast_to(upper_diagonal(weight, kernel, jnp.shape(z)[-3:-1]), jnp.shape(z))
    y, _ = jacobi(lambda v: v + reference_pac(v, f.lower_weight, f.lower_kernel), jnp.ones_like(z), z)
    x, _ = jacobi(lambda v: reference_pac(v, f.upper_weight, f.upper_kernel), diag_u, y)
    return x
