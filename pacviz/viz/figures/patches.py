"""Ψ, the patch at every pixel (Eq. 2), and convolution as the matrix product Ψ(x)·W (Eq. 3)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..tiles import tile
from .style import add_colorbar, check_pixel, draw_box, draw_image, new_figure, plain_axes


def _check_patches(x, patches):
    x, patches = np.asarray(x), np.asarray(patches)
    if x.ndim != 3:
        raise ValueError(f"x must be one image (H, W, C), got shape {x.shape}")
    if patches.ndim != 5 or patches.shape[:3] != x.shape or patches.shape[3] != patches.shape[4]:
        raise ValueError(f"patches must be Ψ(x) with shape (H, W, C, K, K) = {x.shape} + (K, K), "
                         f"got {patches.shape}")
    return x, patches


def patch_figure(x, patches, row: int, col: int) -> Figure:
    """One pixel's patch and the row of Ψ(x) it becomes (Eq. 2).

    Args:
      x: ``(H, W, C)``, the image.
      patches: ``(H, W, C, K, K)``, ``pv.psi(x, K)``.
      row, col: the pixel.

    Returns:
      A Figure with 3 axes: [0] the zero-padded image with the K×K patch boxed (the dashed line is
      the image's edge); [1] ``Ψ(x)[row, col]`` as C tiles of K×K (channel i, tap u, v);
      [2] the same numbers as one row of length C·K·K, channel-major ``(i, u, v)``: row
      ``row·W + col`` of the ``(H·W, C·K·K)`` matrix that Eq. 3 multiplies by W.
    """
    x, patches = _check_patches(x, patches)
    h, w, c = x.shape
    k = patches.shape[-1]
    p = k // 2
    check_pixel(row, col, h, w)
    patch = patches[row, col]  # (C, K, K)
    fig = new_figure(9.5, 3.2, top=0.82, bottom=0.1)
    grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 0.9, 1.6])
    ax_img, ax_patch, ax_row = (fig.add_subplot(grid[0, i]) for i in range(3))

    padded = np.pad(x, ((p, p), (p, p), (0, 0)))
    draw_image(ax_img, padded, f"x, zero padded by {p}")
    ax_img.add_patch(_edge(h, w, p))
    draw_box(ax_img, row + p, col + p, k)

    lo, hi = float(np.min(x)), float(np.max(x))
    ax_patch.imshow(tile(patch[None]), cmap="gray", vmin=min(lo, 0.0), vmax=max(hi, 0.0), interpolation="nearest")
    plain_axes(ax_patch, f"Ψ(x)[{row}, {col}]: {c} channel{'s' if c > 1 else ''} × {k}×{k}")

    ax_row.imshow(patch.reshape(1, -1), cmap="gray", vmin=min(lo, 0.0), vmax=max(hi, 0.0), aspect="auto",
                  interpolation="nearest")
    ax_row.set_box_aspect(0.15)  # a row is long and one pixel high
    ax_row.set_yticks([])
    ax_row.set_xticks(np.arange(0, c * k * k, k * k) - 0.5, [f"i={i}" for i in range(c)], fontsize=7)
    ax_row.set_title(f"row {row * w + col} of Ψ(x) as a ({h * w}, {c * k * k}) matrix", fontsize=9)
    fig.suptitle(f"Eq. 2: Ψ(x)[h, w, i, u, v] = x[h + u − {p}, w + v − {p}, i]", fontsize=10)
    return fig


def _edge(h, w, p):
    """The image's own border inside its zero padding."""
    return Rectangle((p - 0.5, p - 0.5), w, h, fill=False, edgecolor="orange", linestyle="--", linewidth=1)


def patch_matrix(patches) -> np.ndarray:
    """Ψ(x) ``(H, W, C, K, K)`` as the ``(H·W, C·K·K)`` matrix of Eq. 3 (columns ``(i, u, v)``)."""
    patches = np.asarray(patches)
    h, w = patches.shape[:2]
    return patches.reshape(h * w, -1)


def weight_matrix(weight) -> np.ndarray:
    """W ``(K, K, Cin, Cout)`` as the ``(Cin·K·K, Cout)`` matrix of Eq. 3 (rows ``(i, u, v)``)."""
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError(f"weight must be (K, K, Cin, Cout), got shape {weight.shape}")
    return weight.transpose(2, 0, 1, 3).reshape(-1, weight.shape[-1])


def _label_product_axes(axes, patches, cout: int):
    """Rows of Ψ(x) and of the product are pixels (h, w) in raster order; columns (i, u, v) and o."""
    h, w, c, k = np.shape(patches)[:4]
    step = max(1, h // 8)  # at most ~8 row labels
    for ax in (axes[0], axes[2]):
        ax.set_yticks(np.arange(0, h * w, step * w), [f"h={r}" for r in range(0, h, step)], fontsize=7)
    axes[0].set_ylabel("pixel (h, w): row h·W + w", fontsize=8)
    if c == 1:  # one channel: the columns are the taps themselves
        axes[0].set_xticks(np.arange(k * k), [f"{u},{v}" for u in range(k) for v in range(k)], fontsize=6)
    else:
        axes[0].set_xticks(np.arange(0, c * k * k, k * k) - 0.5, [f"i={i}" for i in range(c)], fontsize=7, ha="left")
    axes[0].set_xlabel("column (i, u, v): input channel i, tap (u, v)", fontsize=8)
    axes[1].set_yticks(np.arange(0, c * k * k, k * k) - 0.5, [f"i={i}" for i in range(c)], fontsize=7, va="top")
    for ax in (axes[1], axes[2]):
        ax.set_xticks(np.arange(cout), [str(o) for o in range(cout)], fontsize=7)
        ax.set_xlabel("output o", fontsize=8)


def patch_product_figure(patches, weight, row: int | None = None, col: int | None = None) -> Figure:
    """Convolution as a matrix product, ``(W ∗ x) = Ψ(x) · W`` (Eq. 3).

    Args:
      patches: ``(H, W, C, K, K)``, ``pv.psi(x, K)``.
      weight: ``(K, K, C, Cout)``.
      row, col: optionally a pixel whose row is outlined in Ψ(x) and in the product.

    Returns:
      A Figure with 3 axes: [0] Ψ(x) as an ``(H·W, C·K·K)`` matrix; [1] W as ``(C·K·K, Cout)``;
      [2] their product ``(H·W, Cout)``, which is the convolution, one row per pixel.
    """
    pm, wm = patch_matrix(patches), weight_matrix(weight)
    if pm.shape[1] != wm.shape[0]:
        raise ValueError(f"Ψ(x) has {pm.shape[1]} columns (C·K·K) but W has {wm.shape[0]} rows; "
                         "weight must be (K, K, C, Cout) with the K and C of the patches")
    product = pm @ wm
    fig = new_figure(9.0, 4.4, top=0.86, bottom=0.14, left=0.09, right=0.95, wspace=0.45)
    grid = fig.add_gridspec(1, 3, width_ratios=[3.0, max(0.6, wm.shape[1] * 0.3), max(0.6, wm.shape[1] * 0.3)])
    axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    for ax, mat, title in zip(axes, (pm, wm, product), ("Ψ(x)", "W", "Ψ(x)·W = W∗x")):
        vmax = float(np.max(np.abs(mat))) or 1.0
        image = ax.imshow(mat, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest")
        plain_axes(ax, f"{title}  {mat.shape[0]}×{mat.shape[1]}")
        add_colorbar(ax, image, width=0.08 if ax is not axes[0] else 0.025)
    _label_product_axes(axes, patches, wm.shape[1])
    if row is not None and col is not None:
        h, w = np.shape(patches)[:2]
        check_pixel(row, col, h, w)
        r = row * w + col
        for ax, mat in ((axes[0], pm), (axes[2], product)):
            ax.axhspan(r - 0.5, r + 0.5, color="gold", alpha=0.6)
    fig.suptitle("Eq. 3: (W ∗ x)[h, w, o] = Σ_iuv Ψ(x)[h, w, i, u, v] · W[u, v, i, o]", fontsize=10)
    return fig
