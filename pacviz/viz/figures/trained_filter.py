"""The filter a trained PAC layer applies at one pixel: k_hwouv · W_uvio (Eq. 4), masks folded in."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..tiles import tile
from .style import add_colorbar, check_pixel, draw_box, draw_image, new_figure, plain_axes

MAX_TILE_COLUMNS = 8


def tile_grid(channels: int) -> tuple[int, int]:
    """``(rows, cols)`` to lay ``channels`` K×K filters out: one row up to 8, else rows of 8 or 6."""
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    if channels <= MAX_TILE_COLUMNS:
        return 1, channels
    cols = next((c for c in (MAX_TILE_COLUMNS, 6) if channels % c == 0), MAX_TILE_COLUMNS)
    return -(-channels // cols), cols


def filter_tiles(filters) -> np.ndarray:
    """``(Cin, K, K)`` filters → one image: tile ``i`` at row ``i // cols``, column ``i % cols`` of
    :func:`tile_grid`, one NaN pixel between tiles, NaN tiles filling the last row."""
    filters = np.asarray(filters, dtype=float)
    if filters.ndim != 3 or filters.shape[1] != filters.shape[2]:
        raise ValueError(f"filters must be (Cin, K, K), got shape {filters.shape}")
    c, k, _ = filters.shape
    rows, cols = tile_grid(c)
    blocks = np.full((rows * cols, k, k), np.nan)
    blocks[:c] = filters
    return tile(blocks.reshape(rows, cols, k, k))


def filter_colour_scale(filters) -> tuple[float, float]:
    """``(scale, peak)`` for ``(Cin, K, K)`` filters: the colour range is ``±scale``, the largest
    magnitude off the centre tap, so a dominant centre tap (W starts near the identity) saturates
    rather than washing out the neighbours; ``peak`` is the largest magnitude of all."""
    mags = np.abs(np.asarray(filters, dtype=float))
    peak = float(mags.max())
    c = mags.shape[-1] // 2
    off_centre = mags.copy()
    off_centre[:, c, c] = 0.0
    scale = float(off_centre.max()) or peak or 1.0
    return scale, peak


def _unused_overlay(taps) -> np.ndarray:
    """RGBA ``(K, K, 4)``: translucent grey over the taps the factor does not read."""
    overlay = np.zeros(np.shape(taps) + (4,))
    overlay[~np.asarray(taps, bool)] = (0.5, 0.5, 0.5, 0.75)
    return overlay


def trained_filter_figure(photo, layer_input, kernel, taps, filters, row: int, col: int, *, stride: int = 1,
                          channel: int = 0, factor: str = "U", title: str | None = None) -> Figure:
    """One pixel of a trained PAC layer: where it is, its kernel k, and the filter it applies.

    Args:
      photo: ``(Hp, Wp, 3)`` (or 1 channel), the image the model was run on.
      layer_input: ``(H, W)``, one channel of what the factor reads (``x`` for U, ``y`` for L).
      kernel: ``(K, K)``, ``k[h, w, o]`` at the pixel (Eq. 6).
      taps: bool ``(K, K)``, the taps the factor reads there (``M`` for U, ``¬M`` for L; Eq. 8).
      filters: ``(Cin, K, K)``, the filter applied for output channel ``o``:
        ``k[h, w, o, u, v] · W[u, v, i, o]`` times the masks (``PACLayerProbe.applied_filter``).
      row, col: the pixel ``(h, w)`` in the layer's ``H × W``.
      stride: image pixels per layer pixel (2 per squeeze), to mark the pixel on the photo.
      channel: the output channel ``o`` (for the titles); factor: "U" or "L".
      title: a first title line (e.g. the layer's name).

    Returns:
      A Figure with 4 axes: [0] the photo with the pixel's K×K window (scaled by ``stride``) boxed;
      [1] ``layer_input`` with the window boxed; [2] the kernel (``images[0]`` holds ``kernel``;
      ``images[1]`` greys out the unread taps); [3] ``filter_tiles(filters)`` on the symmetric
      colour scale of :func:`filter_colour_scale`.
    """
    layer_input, kernel, filters = np.asarray(layer_input), np.asarray(kernel), np.asarray(filters)
    if layer_input.ndim != 2:
        raise ValueError(f"layer_input must be one channel (H, W), got shape {layer_input.shape}")
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"kernel must be (K, K), got shape {kernel.shape}")
    k = kernel.shape[0]
    if np.shape(taps) != kernel.shape or filters.ndim != 3 or filters.shape[1:] != kernel.shape:
        raise ValueError(f"taps must be ({k}, {k}) and filters (Cin, {k}, {k}); got {np.shape(taps)} and {filters.shape}")
    h, w = layer_input.shape
    check_pixel(row, col, h, w)
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")

    fig = new_figure(10.5, 3.1, top=0.8, bottom=0.03, wspace=0.3, right=0.92)
    grid = fig.add_gridspec(1, 4, width_ratios=[1.0, 1.0, 0.8, 1.5])
    ax_photo, ax_in, ax_k, ax_f = (fig.add_subplot(grid[0, i]) for i in range(4))
    draw_image(ax_photo, photo, f"image ({k * stride}×{k * stride} window)")
    centre = stride * np.array([row, col]) + (stride - 1) / 2
    draw_box(ax_photo, *centre, k * stride, color="red")
    if stride > 1:
        draw_box(ax_photo, *centre, stride, color="yellow", linewidth=1)
    source = "x" if factor == "U" else "y = U x"
    draw_image(ax_in, layer_input, f"input {source}, channel {channel}", cmap="gray")
    draw_box(ax_in, row, col, k, color="red")
    draw_box(ax_in, row, col, 1, color="yellow", linewidth=1)
    im_k = ax_k.imshow(kernel, cmap="viridis", vmin=0.0, vmax=max(1.0, float(kernel.max())), interpolation="nearest")
    add_colorbar(ax_k, im_k, "k", width=0.05)
    ax_k.imshow(_unused_overlay(taps), interpolation="nearest")
    plain_axes(ax_k, f"kernel k (grey: not read by {factor})")
    scale, peak = filter_colour_scale(filters)
    im_f = ax_f.imshow(filter_tiles(filters), cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
    add_colorbar(ax_f, im_f, "k · W")
    saturated = f", centre ±{peak:.2g}" if peak > scale else ""
    plain_axes(ax_f, f"k ⊙ W for inputs i = 0..{filters.shape[0] - 1} (±{scale:.2g}{saturated})")
    head = f"{title} · " if title else ""
    fig.suptitle(f"{head}pixel ({row}, {col}), output o = {channel}: {factor} applies Σ_iuv Ψ · k ⊙ W (Eq. 4)",
                 fontsize=9)
    return fig
