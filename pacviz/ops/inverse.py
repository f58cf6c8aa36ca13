"""Inverting the PAC: weighted Jacobi (the paper's way) and exact substitution (the reference)."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import solve_triangular

from ._checks import check_image
from .jacobi import JacobiInfo, jacobi
from .pac import apply_taps
from .patches import pad_spatial
from .triangular import factor_batch, factor_dtype, triangular_factors, triangular_operands


class PacInverseInfo(NamedTuple):
    """The two Jacobi solves of :func:`pac_inverse`: first ``L y = z``, then ``U x = y``."""

    lower: JacobiInfo
    upper: JacobiInfo

    @property
    def iterations(self):
        """Total iterations, both solves."""
        return self.lower.iterations + self.upper.iterations

    @property
    def deltas(self):
        """``(2, max_iters)``: per-iteration max-abs change of the L solve (row 0) and U solve (row 1)."""
        return jnp.stack([self.lower.deltas, self.upper.deltas])

    @property
    def converged(self):
        return self.lower.converged & self.upper.converged


def pac_inverse(z, weight, kernel, mask, *, channel_mask: str = "all_taps", alpha: float = 1.0,
                tol: float | None = None, max_iters: int = 200):
    """Invert ``z = L U x`` with two weighted Jacobi solves (Eq. 7): ``L y = z``, then ``U x = y``.

    The kernel and masks are folded once; every iteration is one masked PAC (§5.3).

    Args:
      z: ``(..., H, W, C)``.
      weight, kernel, mask, channel_mask: as :func:`pac_forward`.
      alpha, tol, max_iters: as :func:`jacobi`.

    Returns:
      ``(x, info)``, ``info`` a :class:`PacInverseInfo` (``.iterations``, ``.deltas``, ``.converged``).
    """
    check_image(z, "z")
    h, w, c = jnp.shape(z)[-3:]
    batch = factor_batch(jnp.shape(z), kernel)
    dtype = factor_dtype(z, weight, kernel)
    # Laid out once, outside the loops: each iteration is then one masked PAC over its live taps.
    ops = triangular_operands(jnp.shape(z), weight, kernel, mask, channel_mask, dtype)
    flat = jnp.broadcast_to(z, batch + (h, w, c)).reshape((-1, h, w, c)).astype(dtype)
    diag_u = jnp.broadcast_to(ops.diagonal, flat.shape)
    opts = dict(alpha=alpha, tol=tol, max_iters=max_iters)
    y, info_l = jacobi(lambda v: v + apply_taps(v, ops.lower), jnp.ones((), dtype), flat, **opts)
    x, info_u = jacobi(lambda v: apply_taps(v, ops.upper), diag_u, y, **opts)
    return x.reshape(batch + (h, w, c)), PacInverseInfo(info_l, info_u)


def _substitute(b, weight, kernel, order, *, lower: bool):
    """Solve one triangular PAC system pixel by pixel in the order (exact, sequential).

    Solves ``b = unit·x + PAC(x, weight, kernel)`` (``unit = 1`` for L, ``0`` for U), where the
    folded ``weight``/``kernel`` make the system triangular. Pixels are visited in increasing
    order for L and decreasing for U, so every neighbour a pixel reads is already solved; the
    pixel's own C×C channel block is then triangular and solved exactly.

    Args:
      b: ``(N, H, W, C)``; kernel ``(N, H, W, C or 1, K, K)``; order ``(H, W)`` (concrete).
    """
    n, h, w, c = b.shape
    k = weight.shape[0]
    p = k // 2
    flat_order = np.asarray(order).ravel()
    visit = np.argsort(flat_order if lower else -flat_order)
    rows, cols = jnp.asarray(visit // w), jnp.asarray(visit % w)
    centre_w = weight[p, p]  # (Cin, Cout)
    eye = jnp.eye(c, dtype=b.dtype) if lower else 0.0

    def body(t, x_pad):
        r, q = rows[t], cols[t]
        patch = jax.lax.dynamic_slice(x_pad, (0, r, q, 0), (n, k, k, c))  # (N, K, K, Cin)
        kern = jax.lax.dynamic_slice(kernel, (0, r, q, 0, 0, 0), (n, 1, 1) + kernel.shape[3:])[:, 0, 0]
        # Neighbours already solved; the pixel itself is still 0, so the centre adds nothing yet.
        known = jnp.einsum("nuvi,nouv,uvio->no", patch, kern, weight)
        block = eye + kern[:, :, p, p][:, :, None] * centre_w.T  # (N, Cout, Cin): row o, column i
        rhs = jax.lax.dynamic_slice(b, (0, r, q, 0), (n, 1, 1, c))[:, 0, 0] - known
        x_pix = solve_triangular(block, rhs[..., None], lower=lower)[..., 0]
        return jax.lax.dynamic_update_slice(x_pad, x_pix[:, None, None, :], (0, r + p, q + p, 0))

    x_pad = jax.lax.fori_loop(0, h * w, body, pad_spatial(jnp.zeros_like(b), p))
    return x_pad[:, p:p + h, p:p + w, :]


def pac_inverse_substitution(z, weight, kernel, mask, order, *, channel_mask: str = "all_taps"):
    """Invert ``z = L U x`` exactly by forward then backward substitution, one pixel at a time.

    ``H·W`` sequential steps per triangular solve: the exact reference that the Jacobi
    inverse is checked and timed against. Meant for small images.

    Args:
      z: ``(..., H, W, C)``; weight, kernel, mask, channel_mask as :func:`pac_forward`.
      order: the ``(H, W)`` order the mask was built from (concrete, not traced).

    Returns:
      ``x (..., H, W, C)``.
    """
    check_image(z, "z")
    shape = jnp.shape(z)
    f = triangular_factors(shape, weight, kernel, mask, channel_mask)
    batch = shape[:-3]
    flat = (int(np.prod(batch, dtype=int)),) + tuple(shape[-3:])

    def as_flat(kern):
        kern = jnp.broadcast_to(kern, batch + tuple(shape[-3:]) + kern.shape[-2:])
        return kern.reshape(flat + kern.shape[-2:])

    y = _substitute(jnp.reshape(z, flat), f.lower_weight, as_flat(f.lower_kernel), order, lower=True)
    x = _substitute(y, f.upper_weight, as_flat(f.upper_kernel), order, lower=False)
    return x.reshape(shape)
