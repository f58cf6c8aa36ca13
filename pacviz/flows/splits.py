"""Channel and checkerboard splits for coupling (Dinh et al. 2017; App. C.4).

A split returns ``(x1, x2)``; coupling transforms ``x1`` conditioned on ``x2``. The checkerboard
split follows the App. C.4 outline: squeeze (with the checkerboard block order of
:data:`pacviz.flows.squeeze.BLOCK_ORDER`), then split channels. So both halves live at half the
resolution: ``(..., H, W, C) → 2 × (..., H/2, W/2, 2C)``; ``x1`` holds the pixels with ``h + w``
even, ``x2`` those with ``h + w`` odd.
"""

from __future__ import annotations

import jax.numpy as jnp

from .base import check_image
from .squeeze import squeeze, unsqueeze

SPLITS = ("channel", "checkerboard")


def channel_split(x):
    """``(..., C) → (x[..., :C//2], x[..., C//2:])``; needs ``C >= 2``."""
    check_image(x)
    c = x.shape[-1]
    if c < 2:
        raise ValueError(f"a channel split needs at least 2 channels, got shape {x.shape}")
    return x[..., : c // 2], x[..., c // 2 :]


def channel_merge(x1, x2):
    """Inverse of :func:`channel_split`."""
    return jnp.concatenate([x1, x2], axis=-1)


def checkerboard_split(x):
    """``(..., H, W, C) → (even squares, odd squares)``, each ``(..., H/2, W/2, 2C)``."""
    s = squeeze(x)
    half = s.shape[-1] // 2
    return s[..., :half], s[..., half:]


def checkerboard_merge(x1, x2):
    """Inverse of :func:`checkerboard_split`."""
    return unsqueeze(jnp.concatenate([x1, x2], axis=-1))


def split(x, kind: str):
    """Dispatch on ``kind`` in :data:`SPLITS`."""
    if kind == "channel":
        return channel_split(x)
    if kind == "checkerboard":
        return checkerboard_split(x)
    raise ValueError(f"split must be one of {SPLITS}, got {kind!r}")


def merge(x1, x2, kind: str):
    """Inverse of :func:`split`."""
    if kind == "channel":
        return channel_merge(x1, x2)
    if kind == "checkerboard":
        return checkerboard_merge(x1, x2)
    raise ValueError(f"split must be one of {SPLITS}, got {kind!r}")
