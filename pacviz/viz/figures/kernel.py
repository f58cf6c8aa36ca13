"""A pixel's adaptive kernel k (Eq. 6) and the filters it makes of W (Eq. 4), pixel by pixel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..tiles import tile
from .style import add_colorbar, check_pixel, draw_box, draw_image, new_figure, plain_axes

PIXEL_COLORS = ("red", "deepskyblue", "gold", "lime")


def effective_filters(kernel_at_pixel, weight) -> np.ndarray:
    """The filters one pixel really applies: ``k[o, u, v] · W[u, v, i, o]`` (the summand of Eq. 4).

    Args:
      kernel_at_pixel: ``(Cout, K, K)``, ``k[h, w]`` from ``pv.pac_kernel`` (``Cout`` may be 1).
      weight: ``(K, K, Cin, Cout)``.

    Returns:
      ``(Cout, Cin, K, K)``: output channel o reads input channel i through this K×K filter.
    """
    k_px, weight = np.asarray(kernel_at_pixel), np.asarray(weight)
    if k_px.ndim != 3 or weight.ndim != 4 or k_px.shape[-2:] != weight.shape[:2]:
        raise ValueError(f"kernel_at_pixel must be (Cout, K, K) and weight (K, K, Cin, Cout) with the same K; "
                         f"got {k_px.shape} and {weight.shape}")
    if k_px.shape[0] not in (1, weight.shape[-1]):
        raise ValueError(f"kernel_at_pixel has {k_px.shape[0]} channels, weight has Cout={weight.shape[-1]}")
    return np.einsum("ouv,uvio->oiuv", np.broadcast_to(k_px, (weight.shape[-1],) + k_px.shape[1:]), weight)


def kernel_figure(image, kernel, weight, pixels: Sequence[tuple[int, int]]) -> Figure:
    """Each pixel's kernel k and effective filters k ⊙ W, side by side (Eq. 4–6).

    Args:
      image: ``(H, W, C)`` (or ``(H, W)``), the picture the features came from.
      kernel: ``(H, W, C, K, K)``, ``pv.pac_kernel(f, σ², l, K)``.
      weight: ``(K, K, C, C)``.
      pixels: one or more ``(row, col)``.

    Returns:
      A Figure with ``1 + 2·len(pixels)`` axes: [0] the image with each pixel's K×K patch boxed
      (red, blue, ...); then per pixel ``n``: [1 + 2n] ``k[row, col]`` as C tiles of K×K
      (one per output channel, colour scale 0..max(1, max k)) and [2 + 2n] the effective filters
      ``(Cout rows × Cin columns)`` of K×K tiles, one diverging colour scale for all pixels.
    """
    kernel, weight = np.asarray(kernel), np.asarray(weight)
    if kernel.ndim != 5 or kernel.shape[-1] != kernel.shape[-2]:
        raise ValueError(f"kernel must be (H, W, C, K, K), got shape {kernel.shape}")
    if len(pixels) < 1:
        raise ValueError("pass at least one (row, col) pixel")
    h, w, c, k, _ = kernel.shape
    for r, q in pixels:
        check_pixel(r, q, h, w)
    kernels = [kernel[r, q] for r, q in pixels]
    filters = [effective_filters(kp, weight) for kp in kernels]
    k_max = max(1.0, max(float(kp.max()) for kp in kernels))  # σ² ∈ (0, 1) in the paper: a fixed scale
    f_max = max(float(np.abs(f).max()) for f in filters) or 1.0

    n = len(pixels)
    fig = new_figure(10.5, 2.6 * n + 0.4, top=1 - 0.45 / (2.6 * n + 0.4), hspace=0.25, wspace=0.3, right=0.93)
    grid = fig.add_gridspec(n, 3, width_ratios=[1.3, 1.0, 1.2])
    ax_img = fig.add_subplot(grid[:, 0])
    draw_image(ax_img, image, "image and patches")
    for i, (r, q) in enumerate(pixels):
        color = PIXEL_COLORS[i % len(PIXEL_COLORS)]
        draw_box(ax_img, r, q, k, color=color)
        ax_k = fig.add_subplot(grid[i, 1])
        im_k = ax_k.imshow(tile(kernels[i][None]), cmap="viridis", vmin=0.0, vmax=k_max, interpolation="nearest")
        add_colorbar(ax_k, im_k, "k")
        plain_axes(ax_k, f"k at ({r}, {q}), o = 0..{kernels[i].shape[0] - 1}")
        ax_k.title.set_color(color)
        ax_f = fig.add_subplot(grid[i, 2])
        im_f = ax_f.imshow(tile(filters[i]), cmap="RdBu_r", vmin=-f_max, vmax=f_max, interpolation="nearest")
        add_colorbar(ax_f, im_f, "k · W")
        plain_axes(ax_f, "k ⊙ W: rows o, columns i")
        ax_f.title.set_color(color)
    fig.suptitle("Eq. 4: PAC(W, k, x)[h, w, o] = Σ_iuv Ψ(x)[h, w, i, u, v] · k[h, w, o, u, v] · W[u, v, i, o]",
                 fontsize=9)
    return fig
