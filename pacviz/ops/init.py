"""Well-conditioned starting weights for the triangular convolutions."""

from __future__ import annotations

import jax.numpy as jnp

from ._checks import check_kernel_size
from .flat_random import normal


def near_identity_weight(key, channels: int, kernel_size: int, scale: float = 0.02, dtype=jnp.float32):
    """``(K, K, C, C)``: identity at the centre tap plus ``N(0, scale²)`` everywhere.

    N(0, 1) weights make the PAC badly conditioned (Jacobi diverges, slogdet is meaningless);
    starting near the identity keeps it close to I, as the paper's "noisy identity".
    """
    k = check_kernel_size(kernel_size)
    w = scale * normal(key, (k, k, channels, channels), dtype)
    return w.at[k // 2, k // 2].add(jnp.eye(channels, dtype=dtype))
