"""Space-to-depth 2×2 (RealNVP's squeeze), with the channel blocks in checkerboard order."""

from __future__ import annotations

import numpy as np
import einops

from .base import Bijector, check_image, zero_log_det

# The four pixels of a 2×2 block, as (row, col) = (i, j), in the order their channels are stacked:
# the two "even" squares (i + j even) first, then the two "odd" ones. With this order the first
# half of the squeezed channels is one colour of the checkerboard, so a channel split of a
# squeezed tensor is a checkerboard split (the App. C.4 outline: squeeze → split → unsqueeze).
BLOCK_ORDER = ((0, 0), (1, 1), (0, 1), (1, 0))
_PERM = np.array([2 * i + j for i, j in BLOCK_ORDER])  # into einops' (i j) raster order
_INV_PERM = np.argsort(_PERM)


def squeeze(x):
    """``(..., H, W, C) → (..., H/2, W/2, 4C)``; channel ``g·C + c`` is pixel ``BLOCK_ORDER[g]`` of each 2×2 block.

    ``H`` and ``W`` must be even. A permutation of the input, so its log-det is 0.
    """
    check_image(x)
    h, w = x.shape[-3:-1]
    if h % 2 or w % 2:
        raise ValueError(f"squeeze needs even height and width, got shape {x.shape}")
    blocks = einops.rearrange(x, "... (h i) (w j) c -> ... h w (i j) c", i=2, j=2)
    return einops.rearrange(blocks[..., _PERM, :], "... g c -> ... (g c)")


def unsqueeze(z):
    """Inverse of :func:`squeeze`: ``(..., H, W, 4C) → (..., 2H, 2W, C)``."""
    check_image(z, "z")
    if z.shape[-1] % 4:
        raise ValueError(f"unsqueeze needs a channel count divisible by 4, got shape {z.shape}")
    blocks = einops.rearrange(z, "... (g c) -> ... g c", g=4)[..., _INV_PERM, :]
    return einops.rearrange(blocks, "... h w (i j) c -> ... (h i) (w j) c", i=2, j=2)


class Squeeze(Bijector):
    """:func:`squeeze` as a bijector (log-det 0); ``Invert(Squeeze())`` unsqueezes."""

    def forward_and_log_det(self, x, **ctx):
        return squeeze(x), zero_log_det(x)

    def inverse_and_log_det(self, z, **ctx):
        return unsqueeze(z), zero_log_det(z)
