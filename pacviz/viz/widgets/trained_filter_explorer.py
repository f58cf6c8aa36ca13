"""Explore a trained model's per-pixel filters: layer, pixel, output channel and test image."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ...models.layer_probe import FACTORS, PACLayerProbe, probe_pac_layers
from ..figures.trained_filter import trained_filter_figure
from .base import FigureExplorer
from .pixel_grid import PixelGrid

FACTOR_LABELS = (("U: Upper-PAC reads x (Eq. 9)", "U"), ("L: Lower-PAC reads y (Eq. 10)", "L"))


def _default_images(num: int) -> np.ndarray:
    from pacviz.data import evaluation_images, load_dataset
    return evaluation_images(load_dataset("photos", split="test"), num)


class TrainedFilterExplorer(FigureExplorer):
    """Pick a PAC layer, a pixel, an output channel and a test image → :func:`trained_filter_figure`.

    The model runs once, when the explorer is built (:func:`~pacviz.models.layer_probe.probe_pac_layers`);
    every redraw then only reads the recorded kernels: ``k[h, w, o] ⊙ W[:, :, :, o]`` with the
    masks of the chosen factor, U (Eq. 9) or L (corrected Eq. 10). The trained counterpart of
    :class:`~pacviz.viz.widgets.kernel_explorer.KernelExplorer`, whose kernels came from colours.

    Args:
      model: a PAC flow; default ``pv.load_pretrained()`` (ignored when ``probes`` are given).
      images: uint8 ``(N, H, W, C)`` to run it on; default ``num_images`` test photos.
      probes: already recorded probes of ``images`` (skips running the model).
      num_images: how many default test photos.
      pixel_size_px: the side of one pixel button.

    Controls: ``layer`` (Dropdown, value = layer index), ``image`` (IntSlider), ``channel``
    (IntSlider, the output channel o), ``row``, ``col`` (IntSliders, in the layer's pixels),
    ``factor`` (Dropdown "U" / "L"), ``grid`` (PixelGrid over the photo: clicking a photo pixel
    picks the layer pixel that covers it).
    """

    def __init__(self, model=None, images=None, *, probes=None, num_images: int = 4, pixel_size_px: int = 12):
        super().__init__()
        if images is None:
            images = _default_images(num_images)
        self.images = np.asarray(images)
        if self.images.ndim != 4:
            raise ValueError(f"images must be (N, H, W, C), got shape {self.images.shape}")
        if probes is None:
            if model is None:
                from pacviz.train import load_pretrained
                model, _ = load_pretrained()
            probes = probe_pac_layers(model, self.images)
        self.probes = list(probes)
        self._check_probes()
        n, h, w = self.images.shape[:3]
        style = {"description_width": "90px"}
        first = self.probes[0]
        self.layer = widgets.Dropdown(options=[(f"{i}: {p.name}", i) for i, p in enumerate(self.probes)], value=0,
                                      description="layer", style=style, layout=widgets.Layout(width="460px"))
        self.factor = widgets.Dropdown(options=list(FACTOR_LABELS), value="U", description="factor", style=style,
                                       layout=widgets.Layout(width="460px"))
        # Each image repaints up to H×W buttons: change it on release, not at every step of a drag.
        self.image = widgets.IntSlider(value=0, min=0, max=n - 1, description="test image", style=style,
                                       continuous_update=False)
        self.channel = widgets.IntSlider(value=0, min=0, max=first.shape[-1] - 1, description="output o",
                                         style=style)
        self.row = widgets.IntSlider(value=first.shape[1] // 2, min=0, max=first.shape[1] - 1, description="row",
                                     style=style)
        self.col = widgets.IntSlider(value=first.shape[2] // 2, min=0, max=first.shape[2] - 1, description="col",
                                     style=style)
        self.grid = PixelGrid(h, w, size_px=pixel_size_px, colors=self._colors(0))
        self.grid.on_click(self.select_image_pixel)
        self._clicked = None  # the photo pixel last clicked, marked while it lies in the chosen pixel
        self.layer.observe(self._layer_changed, names="value")
        self.image.observe(self._image_changed, names="value")
        self.watch(self.factor, self.image, self.channel, self.row, self.col)
        self.redraw()

    def _check_probes(self):
        if not self.probes or not all(isinstance(p, PACLayerProbe) for p in self.probes):
            raise ValueError("probes must be a non-empty list of PACLayerProbe (from pv.probe_pac_layers)")
        n, h, w = self.images.shape[:3]
        for p in self.probes:
            if p.shape[0] != n or h != p.shape[1] * p.stride or w != p.shape[2] * p.stride:
                raise ValueError(f"probe {p.name!r} ({p.shape[0]} images of {p.shape[1]}×{p.shape[2]}, stride "
                                 f"{p.stride}) was not recorded on these {n} images of {h}×{w}: pass the images "
                                 "the probes were made from")

    # -- what is shown ----------------------------------------------------------------------
    @property
    def probe(self) -> PACLayerProbe:
        """The chosen layer's probe."""
        return self.probes[self.layer.value]

    def kernel(self) -> np.ndarray:
        """``(K, K)``: ``k[n, h, w, o]`` at the chosen image, pixel and output channel."""
        return self.probe.kernel[self.image.value, self.row.value, self.col.value, self.channel.value]

    def applied_filter(self) -> np.ndarray:
        """``(Cin, K, K)``: the filter the chosen factor applies there (``PACLayerProbe.applied_filter``)."""
        return self.probe.applied_filter(self.image.value, self.row.value, self.col.value, self.channel.value,
                                         self.factor.value)

    def patch(self) -> np.ndarray:
        """``(Cin, K, K)``: the patch it is applied to, ``Ψ(x)`` (U) or ``Ψ(y)`` (L) at the pixel."""
        return self.probe.patch(self.image.value, self.row.value, self.col.value, self.factor.value)

    def draw(self):
        p, n, r, c, o, factor = self.probe, self.image.value, self.row.value, self.col.value, self.channel.value, \
            self.factor.value
        self.grid.select(*self._photo_pixel())
        return trained_filter_figure(
            self.images[n], p.factor_input(factor)[n, :, :, o], self.kernel(), p.taps(r, c, factor),
            self.applied_filter(), r, c, stride=p.stride, channel=o, factor=factor, title=p.name)

    def figure_at(self, layer=None, image=None, row=None, col=None, channel=None, factor=None):
        """Move the controls (see :meth:`show`) and return the new Figure."""
        self.show(layer=layer, image=image, row=row, col=col, channel=channel, factor=factor)
        return self.figure

    # -- changing what is shown -------------------------------------------------------------
    def show(self, layer=None, image=None, row=None, col=None, channel=None, factor=None):
        """Set any of the controls at once (one redraw), checking each value.

        ``layer``: an index or a layer name; ``row``, ``col``: in the layer's pixels; ``factor``:
        "U" or "L". Raises ``ValueError`` naming the valid range when a value does not fit.
        """
        index = self.layer.value if layer is None else self._layer_index(layer)
        p = self.probes[index]
        n, h, w, c = p.shape
        checks = (("image", image, n), ("row", row, h), ("col", col, w), ("channel", channel, c))
        for what, value, size in checks:
            if value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < size):
                raise ValueError(f"{what} must be an int in 0..{size - 1} for layer {index} ({p.name}: "
                                 f"{n} images of {h}×{w}×{c}), got {value!r}")
        if factor is not None and factor not in FACTORS:
            raise ValueError(f"factor must be one of {FACTORS}, got {factor!r}")
        with self.hold():
            self.layer.value = index
            for control, value in ((self.image, image), (self.row, row), (self.col, col), (self.channel, channel),
                                   (self.factor, factor)):
                if value is not None:
                    control.value = value

    def select_image_pixel(self, row: int, col: int):
        """Pick the layer pixel covering photo pixel ``(row, col)`` (what a click on the grid does)."""
        h, w = self.images.shape[1:3]
        if not (0 <= row < h and 0 <= col < w):
            raise ValueError(f"photo pixel (row, col) = ({row}, {col}) lies outside the {h}×{w} image")
        stride = self.probe.stride
        self._clicked = (row, col)
        with self.hold():
            self.row.value, self.col.value = row // stride, col // stride
            self._pending = True  # redraw even when the layer pixel stays the same: the mark moves

    def _layer_index(self, layer) -> int:
        names = [p.name for p in self.probes]
        if isinstance(layer, str):
            if layer not in names:
                raise ValueError(f"no layer named {layer!r}; choose one of {names}")
            return names.index(layer)
        if not (isinstance(layer, (int, np.integer)) and 0 <= layer < len(self.probes)):
            raise ValueError(f"layer must be an index in 0..{len(self.probes) - 1} or a layer name, got {layer!r}")
        return int(layer)

    def _layer_changed(self, change):
        """Keep the same place on the photo and a valid channel when the layer's size changes."""
        old, new = self.probes[change["old"]], self.probes[change["new"]]
        photo_row, photo_col = self.row.value * old.stride, self.col.value * old.stride
        _, h, w, c = new.shape
        with self.hold():
            for control, value, size in ((self.row, photo_row // new.stride, h), (self.col, photo_col // new.stride, w),
                                         (self.channel, min(self.channel.value, c - 1), c)):
                if size - 1 >= control.max:
                    control.max = size - 1
                    control.value = value
                else:
                    control.value = value
                    control.max = size - 1
            self._pending = True

    def _image_changed(self, change):
        self.grid.set_colors(self._colors(change["new"]))  # one message per button whose colour changes

    def _colors(self, n: int) -> np.ndarray:
        img = self.images[n].astype(float) / max(1.0, float(self.images.max()))
        return img if img.shape[-1] == 3 else np.repeat(img[..., :1], 3, axis=-1)

    def _photo_pixel(self) -> tuple[int, int]:
        """The photo pixel to mark: the one clicked if it lies in the chosen pixel, else its centre."""
        s, r, c = self.probe.stride, self.row.value, self.col.value
        if self._clicked is not None and (self._clicked[0] // s, self._clicked[1] // s) == (r, c):
            return self._clicked
        return r * s + s // 2, c * s + s // 2

    def controls(self):
        picks = widgets.VBox([self.layer, self.factor, self.image])
        where = widgets.VBox([self.channel, self.row, self.col])
        return [widgets.HBox([picks, where]), self.grid.widget]
