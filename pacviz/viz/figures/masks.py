"""Autoregressive orders and the per-location patch mask M = Ψ(O) ≥ O (Eq. 8)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .jacobian import draw_jacobian
from .style import check_pixel, draw_box, label_cells, new_figure, plain_axes

MAX_LABELLED_PIXELS = 256  # beyond this the numbers are too small to read (and slow to draw)


def _check_order(order) -> np.ndarray:
    order = np.asarray(order)
    if order.ndim != 2:
        raise ValueError(f"order must be a 2-D (H, W) array, got shape {order.shape}")
    return order


def draw_order(ax, order, title: str | None = None, numbers: bool = True):
    """The order as a colour ramp (early = dark), each pixel labelled with its number."""
    order = _check_order(order)
    ax.imshow(order, cmap="viridis", vmin=1, vmax=order.size, interpolation="nearest")
    if numbers and order.size <= MAX_LABELLED_PIXELS:
        half = order.size / 2
        colors = [["white" if v < half else "black" for v in row] for row in order]
        label_cells(ax, [[str(v) for v in row] for row in order], colors, fontsize=max(5.0, 9 - order.shape[1] / 3))
    plain_axes(ax, title)


def padded_patch(order, row: int, col: int, kernel_size: int) -> np.ndarray:
    """``Ψ(O)[row, col]``: the order values around a pixel, 0 outside the image (as Ψ pads)."""
    order = _check_order(order)
    p = kernel_size // 2
    return np.pad(order, p)[row:row + kernel_size, col:col + kernel_size]


def draw_mask(ax, order, mask, row: int, col: int, title: str | None = None):
    """``M[row, col]`` (K×K, True = dark green) labelled with the neighbours' order values Ψ(O)."""
    mask = np.asarray(mask)
    k = mask.shape[-1]
    ax.imshow(mask[row, col], cmap="Greens", vmin=-0.3, vmax=1.3, interpolation="nearest")
    nbrs = padded_patch(order, row, col, k)
    label_cells(ax, [[str(v) if v else "pad" for v in r] for r in nbrs], fontsize=8)
    plain_axes(ax, title or f"M[{row}, {col}] = Ψ(O) ≥ {int(np.asarray(order)[row, col])}")


def order_figure(orders) -> Figure:
    """One or more orders, each pixel labelled with its number.

    Args:
      orders: an ``(H, W)`` order, or a mapping ``name -> (H, W)`` order.

    Returns:
      A Figure with one axes per order.
    """
    if not isinstance(orders, Mapping):
        orders = {"order": orders}
    fig = new_figure(3.2 * len(orders), 3.4, top=0.9)
    axes = np.atleast_1d(fig.subplots(1, len(orders)))
    for ax, (name, order) in zip(axes, orders.items()):
        draw_order(ax, order, name)
    return fig


def mask_figure(order, mask, row: int, col: int) -> Figure:
    """A pixel's neighbourhood in the order and its mask M (Eq. 8).

    Args:
      order: ``(H, W)``; mask: bool ``(H, W, K, K)``, ``pv.autoregressive_mask(order, K)``.

    Returns:
      A Figure with 2 axes: [0] the order with the pixel's K×K patch boxed; [1] ``M[row, col]``,
      each tap labelled with the neighbour's order value ("pad" outside the image, where Ψ(O) = 0).
    """
    return order_mask_figure(order, mask, row, col, {}, 1)


def order_mask_figure(order, mask, row: int, col: int, jacobians: Mapping[str, np.ndarray],
                      channels: int) -> Figure:
    """Order, a pixel's mask M (Eq. 8) and the sparsity of the matrices the mask makes.

    Args:
      order: ``(H, W)``; mask: bool ``(H, W, K, K)``.
      row, col: the pixel whose mask is shown.
      jacobians: ``name -> (N, N)`` dense matrices in "pixel order, then channel" (e.g. U and L
        from ``pacviz.viz.pac_jacobians``), drawn as sparsity patterns; may be empty.
      channels: C, for the pixel-block grid of the matrices.

    Returns:
      A Figure with ``2 + len(jacobians)`` axes: [0] order, [1] ``M[row, col]``, then one
      sparsity pattern per matrix.
    """
    order, mask = _check_order(order), np.asarray(mask)
    h, w = order.shape
    if mask.ndim != 4 or mask.shape[:2] != (h, w):
        raise ValueError(f"mask must be (H, W, K, K) = ({h}, {w}, K, K), got shape {mask.shape}")
    check_pixel(row, col, h, w)
    k = mask.shape[-1]
    n = 2 + len(jacobians)
    fig = new_figure(2.9 * n, 3.3, top=0.84)
    axes = fig.subplots(1, n)
    draw_order(axes[0], order, "order O")
    draw_box(axes[0], row, col, k)
    draw_mask(axes[1], order, mask, row, col)
    for ax, (name, jac) in zip(axes[2:], jacobians.items()):
        draw_jacobian(ax, jac, channels, sparsity=True, title=name)
    fig.suptitle("Eq. 8: M[h, w, u, v] = Ψ(O)[h, w, u, v] ≥ O[h, w]  (the tap is this or a later pixel)",
                 fontsize=9)
    return fig
