"""A SAME, stride-1 2-D convolution, and the same convolution with gradients that stay fast in loops.

    y = conv_same(x, w)            # x (N, H, W, C_in), w (K, K, C_in, C_out) → (N, H, W, C_out)
    y = conv_same_in_loop(x, w)    # the same y; its gradients are written as forward convolutions

Autodiff transposes a convolution into convolutions whose kernels are laid out HWOI (the input
gradient, kernel flipped) or with batch and features exchanged (the weight gradient). XLA:CPU
rewrites those to its fast layout outside loops but not inside a while body (``lax.scan``), where
they run ~30× slower (``python bench/bench_scan_conv.py``). :func:`conv_same_in_loop` writes both
gradients as ordinary NHWC × HWIO convolutions, fast in and out of loops. It is reverse-mode only
(``jax.custom_vjp``): use :func:`conv_same` where forward-mode (``jax.jacfwd``) may be applied.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

_DIMS = ("NHWC", "HWIO", "NHWC")


def conv_same(x, w):
    """SAME, stride-1 convolution of ``x (N, H, W, C_in)`` with ``w (K, K, C_in, C_out)``."""
    return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=_DIMS)


def _odd_square(w):
    if w.ndim != 4 or w.shape[0] % 2 == 0 or w.shape[0] != w.shape[1]:
        raise ValueError(f"conv_same_in_loop needs a (K, K, C_in, C_out) kernel with K odd, got shape {w.shape}")


@jax.custom_vjp
def conv_same_in_loop(x, w):
    """:func:`conv_same` (odd K) whose gradients are forward HWIO convolutions; reverse-mode only."""
    _odd_square(w)
    return conv_same(x, w)


def _forward(x, w):
    _odd_square(w)
    return conv_same(x, w), (x, w)


def _backward(saved, dy):
    x, w = saved
    # dx: dy correlated with the kernel flipped in space, its input and output features exchanged.
    dx = conv_same(dy, jnp.flip(w, (0, 1)).swapaxes(2, 3))
    # dw[a, b, i, o] = Σ_{n,h,w} x_pad[n, h+a, w+b, i] · dy[n, h, w, o]: a VALID convolution with the
    # input features as its batch and the images as its features.
    p = (w.shape[0] - 1) // 2
    x_pad = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    dw = lax.conv_general_dilated(x_pad.transpose(3, 1, 2, 0), dy.transpose(1, 2, 0, 3), (1, 1), "VALID",
                                  dimension_numbers=_DIMS)  # (C_in, K, K, C_out)
    return dx, dw.transpose(1, 2, 0, 3)


conv_same_in_loop.defvjp(_forward, _backward)

__all__ = ["conv_same", "conv_same_in_loop"]
