"""Shared drawing helpers: a figure without pyplot, pictures of images, boxes and labels."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator


def new_figure(width: float, height: float, *, top: float = 0.8, bottom: float = 0.04, left: float = 0.02,
               right: float = 0.98, wspace: float = 0.15, hspace: float = 0.3) -> Figure:
    """A ``Figure`` (no pyplot: no global state, garbage collected like any object).

    Margins are fixed fractions rather than a layout engine: constrained layout measures every
    label on each draw and would triple the time of a widget's redraw.
    """
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left, right=right, top=top, bottom=bottom, wspace=wspace, hspace=hspace)
    return fig


def as_display_image(image, value_range: tuple[float, float] | None = None) -> tuple[np.ndarray, str | None]:
    """An ``(H, W)`` or ``(H, W, C)`` array as something ``imshow`` shows faithfully.

    RGB (C = 3) is rescaled to [0, 1] when it is not already there (uint8 divides by 255), from
    ``value_range = (lo, hi)`` when given (then clipped), else from its own min and max; one
    channel becomes a grey ``(H, W)`` picture; other C show channel 0.
    Returns ``(array, cmap)``.
    """
    img = np.asarray(image)
    if value_range is not None and img.ndim == 3 and img.shape[-1] == 3:
        lo, hi = value_range
        if not hi > lo:
            raise ValueError(f"value_range must be (lo, hi) with hi > lo, got {value_range}")
        return np.clip((img.astype(float) - lo) / (hi - lo), 0.0, 1.0), None
    if img.ndim == 2:
        return img.astype(float), "gray"
    if img.ndim != 3:
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {img.shape}")
    if img.shape[-1] != 3:
        return img[..., 0].astype(float), "gray"
    if img.dtype == np.uint8:
        return img / 255.0, None
    img = img.astype(float)
    lo, hi = np.nanmin(img), np.nanmax(img)
    if lo < 0 or hi > 1:
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    return img, None


def draw_image(ax, image, title: str | None = None, value_range=None, **kwargs):
    """``imshow`` a picture (see :func:`as_display_image`) without ticks."""
    img, cmap = as_display_image(image, value_range)
    kwargs.setdefault("cmap", cmap)
    if value_range is not None and img.ndim == 2:
        kwargs.setdefault("vmin", value_range[0])
        kwargs.setdefault("vmax", value_range[1])
    kwargs.setdefault("interpolation", "nearest")
    ax.imshow(img, **kwargs)
    plain_axes(ax, title)


def plain_axes(ax, title: str | None = None):
    """No ticks; an optional small title."""
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def draw_box(ax, row: float, col: float, size: int, color: str = "red", **kwargs):
    """A square of ``size × size`` pixels centred on pixel ``(row, col)``."""
    half = size / 2
    ax.add_patch(Rectangle((col - half, row - half), size, size, fill=False, edgecolor=color,
                           linewidth=kwargs.pop("linewidth", 1.5), **kwargs))


def label_cells(ax, labels, colors=None, fontsize: float = 7):
    """Write ``labels[r][c]`` (strings) at the centre of every cell of an image axes."""
    for r, row in enumerate(labels):
        for c, text in enumerate(row):
            if text:
                color = "black" if colors is None else colors[r][c]
                ax.text(c, r, text, ha="center", va="center", fontsize=fontsize, color=color)


def check_pixel(row: int, col: int, height: int, width: int):
    """Raise ``ValueError`` unless ``(row, col)`` lies inside an ``height × width`` image."""
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"pixel (row, col) = ({row}, {col}) lies outside the {height}×{width} image")


def plain_log_ticks(axis):
    """Label a log axis "1e-5" without mathtext and without minor ticks (both slow to draw)."""
    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"1e{int(round(np.log10(v)))}" if v > 0 else "0"))
    axis.set_minor_locator(NullLocator())


def add_colorbar(ax, image, label: str | None = None, width: float = 0.04):
    """A colour bar just right of ``ax`` for the ``imshow`` result ``image``.

    An inset of ``ax`` rather than an axes of its own: the figure's axes stay as they were
    (callers and tests index ``fig.axes``) and no layout engine has to make room for it.
    """
    cax = ax.inset_axes([1.02, 0.0, width, 1.0])
    bar = ax.figure.colorbar(image, cax=cax)
    bar.ax.tick_params(labelsize=7)
    if label:
        bar.set_label(label, fontsize=7)
    return bar
