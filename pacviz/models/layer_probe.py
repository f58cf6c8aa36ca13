"""What every PAC layer of a model applied to some images: its input, kernel, filter and masks.

    probes = probe_pac_layers(model, images)          # one PACLayerProbe per PAC layer, in order
    p = probes[0]
    f = p.applied_filter(n, h, w, o)                  # (Cin, K, K): the filter U applies at (h, w)
    assert np.allclose((f * p.patch(n, h, w)).sum(), p.y[n, h, w, o])   # Eq. 4 with Eq. 9's masks

A trained PAC layer applies a different filter at every pixel: ``k[h, w, o, u, v] · W[u, v, i, o]``
(Eq. 4), with ``k`` from the conditioner (Eq. 6) and the masks of Eq. 8–9 (U) or corrected Eq. 10
(L) folded in. The probe runs the model's forward pass once, under ``jit`` (``jit_once``), and
records the arguments each PAC layer was called with (the layers sow them as
``nnx.Intermediate``), so any pixel's filter can be read off afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ..flows.main_flow_layer import MainFlowLayer
from ..flows.pac_linear import TriangularConv
from ..ops.flat_random import normal
from ..ops.masks import channel_masks, lower_spatial_mask
from ..ops.triangular import upper_pac
from .jit_once import jit_once
from .pac_flow import PACFlow, evaluation_mode

FACTORS = ("U", "L")  # Upper-PAC (Eq. 9) reads x; Lower-PAC (corrected Eq. 10) reads y = U x


@dataclass(frozen=True, repr=False)
class PACLayerProbe:
    """One PAC (or emerging) layer, as it ran on ``N`` images: ``z = L U x`` (Algorithm 1).

    Attributes:
      name: readable place in the model, e.g. "scale 0 · channel coupling 1 · 2nd PAC".
      path: the module path, e.g. "scales/0/layers/2/flow/layers/0/transformer/parts/2".
      x: ``(N, H, W, C)``, the layer's input.
      y: ``(N, H, W, C)``, ``U x`` (Upper-PAC, Eq. 9), the input of L.
      z: ``(N, H, W, C)``, ``L U x``, the layer's output.
      weight: ``(K, K, C, C)``, the learned filter W.
      kernel: ``(N, H, W, C, K, K)``, the pixel adaptive kernel k (Eq. 6); all ones for an
        emerging layer (k = 1).
      order: ``(H, W)``, the autoregressive order; mask: bool ``(H, W, K, K)``, ``Ψ(O) >= O`` (Eq. 8).
      channel_mask: "all_taps" (Eq. 9) or "center".
      stride: image pixels per layer pixel along each axis (a squeeze halves H and W).
      alpha, tol, max_iters: the layer's weighted-Jacobi settings (Eq. 7), for inverting it.
    """

    name: str
    path: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    weight: np.ndarray
    kernel: np.ndarray
    order: np.ndarray
    mask: np.ndarray
    channel_mask: str
    stride: int
    alpha: float
    tol: float | None
    max_iters: int

    def __repr__(self):
        n, h, w, c = self.x.shape
        return f"PACLayerProbe({self.name!r}, N={n}, H×W×C={h}×{w}×{c}, K={self.kernel_size})"

    @property
    def kernel_size(self) -> int:
        return self.weight.shape[0]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(N, H, W, C)``."""
        return tuple(self.x.shape)

    def check_pixel(self, n: int, h: int, w: int, o: int | None = None):
        """Raise a ``ValueError`` unless image ``n``, pixel ``(h, w)`` (and channel ``o``) exist."""
        num, height, width, c = self.x.shape
        for what, value, size in (("image", n, num), ("row", h, height), ("col", w, width),
                                  ("channel", o, c)):
            if value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < size):
                raise ValueError(f"{what} must be an int in 0..{size - 1} for layer {self.name!r} "
                                 f"({num} images of {height}×{width}×{c}), got {value!r}")

    def taps(self, h: int, w: int, factor: str = "U") -> np.ndarray:
        """bool ``(K, K)``: the taps factor ``"U"`` (``M``, Eq. 8) or ``"L"`` (``¬M``) reads at ``(h, w)``."""
        _check_factor(factor)
        self.check_pixel(0, h, w)
        return (self.mask if factor == "U" else self._lower_mask)[h, w]

    def masked_weight(self, factor: str = "U") -> np.ndarray:
        """``(K, K, Cin, Cout)``: W times the channel mask of U (``[i >= o]``, Eq. 9) or of L."""
        _check_factor(factor)
        return self._masked_weights[FACTORS.index(factor)]

    @cached_property
    def _lower_mask(self) -> np.ndarray:
        return np.asarray(lower_spatial_mask(self.mask, self.channel_mask))

    @cached_property
    def _masked_weights(self) -> tuple[np.ndarray, np.ndarray]:
        c = self.weight.shape[-1]
        upper, lower = channel_masks(c, self.kernel_size, self.channel_mask, dtype=self.weight.dtype)
        return self.weight * np.asarray(upper), self.weight * np.asarray(lower)

    def applied_filter(self, n: int, h: int, w: int, o: int, factor: str = "U") -> np.ndarray:
        """``(Cin, K, K)``: the filter output channel ``o`` applies at pixel ``(h, w)`` of image ``n``.

        ``F[i, u, v] = k[n, h, w, o, u, v] · W[u, v, i, o] · M[h, w, u, v] · M̂[u, v, i, o]`` (Eq. 4
        with Eq. 8–9) for U; for L the spatial mask is ``¬M`` and the channel mask L's. So
        ``Σ_iuv F · Ψ(x)[n, h, w]`` is ``y[n, h, w, o]`` (U) and ``Σ F · Ψ(y)[n, h, w]`` is
        ``z[n, h, w, o] − y[n, h, w, o]`` (L).
        """
        self.check_pixel(n, h, w, o)
        k_px = self.kernel[n, h, w, o] * self.taps(h, w, factor)  # (K, K)
        return np.einsum("uv,uvi->iuv", k_px, self.masked_weight(factor)[:, :, :, o])

    def patch(self, n: int, h: int, w: int, factor: str = "U") -> np.ndarray:
        """``(Cin, K, K)``: ``Ψ(x)[n, h, w]`` (U) or ``Ψ(y)[n, h, w]`` (L), zero padded (Eq. 2)."""
        _check_factor(factor)
        self.check_pixel(n, h, w)
        source = self.x if factor == "U" else self.y
        k = self.kernel_size
        p = k // 2
        padded = np.pad(source[n], ((p, p), (p, p), (0, 0)))
        return np.moveaxis(padded[h:h + k, w:w + k], -1, 0)

    def factor_input(self, factor: str = "U") -> np.ndarray:
        """``(N, H, W, C)``: what the factor reads, ``x`` for U and ``y`` for L."""
        _check_factor(factor)
        return self.x if factor == "U" else self.y

    def factor_output(self, factor: str = "U") -> np.ndarray:
        """``(N, H, W, C)``: what the factor adds, ``y = U x`` for U and ``z − y`` for L."""
        _check_factor(factor)
        return self.y if factor == "U" else self.z - self.y


def _check_factor(factor: str):
    if factor not in FACTORS:
        raise ValueError(f"factor must be 'U' (Upper-PAC, Eq. 9) or 'L' (Lower-PAC, Eq. 10), got {factor!r}")


def _pac_layer_names(model: PACFlow, include_dequantization: bool) -> dict:
    """``{id(layer): name}`` of the PAC / emerging layers, in forward order, each named after its
    step of ``model.steps()`` and its place in the coupling's transformer (Fig. 3: the 1st inside
    the affine step, the 2nd after the logistic mixture), e.g. "scale 1 · checkerboard coupling 2 · 1st PAC"."""
    owners = [(step.label, step.bijector) for step in model.steps()[1:]]
    if include_dequantization:
        layers = [m for _, m in nnx.iter_modules(model.dequantization) if isinstance(m, MainFlowLayer)]
        owners = [(f"dequantization · layer {i + 1}", layer) for i, layer in enumerate(layers)] + owners
    kind = "PAC" if model.config.linear == "pac" else "conv"
    names = {}
    for label, owner in owners:
        linears = [m for _, m in nnx.iter_modules(owner) if isinstance(m, TriangularConv)]
        for which, layer in zip(("1st", "2nd"), linears):
            names[id(layer)] = f"{label} · {which} {kind}"
    return names


@jit_once
def _recorded_forward(model: PACFlow, images, noise):
    """What the PAC layers sowed in one forward pass: at each one's path, ``forward_io`` = ``((x, kernel, z),)``."""
    def forward(model):
        z0, _ = model.dequantization.forward_and_log_det(images, noise=noise)
        return model.flow_forward(z0)[0]

    return nnx.capture(forward, nnx.Intermediate)(model)[1]


def _records(model: PACFlow, sown, names: dict) -> list:
    """``[(name, path, layer, (x, kernel, z))]`` in the order of ``names``, from the sown state."""
    modules = {tuple(path): module for path, module in nnx.iter_modules(model)}
    records = {}
    for path, value in nnx.to_flat_state(sown):
        calls = value.get_value() if hasattr(value, "get_value") else value
        layer = modules[tuple(path[:-1])]
        if len(calls) != 1:
            raise RuntimeError(f"PAC layer {names.get(id(layer))} ran {len(calls)} times in one forward pass; "
                               "probe_pac_layers expects once")
        x, kernel, z = calls[0]
        if kernel is None:  # emerging convolution: k = 1
            kernel = jnp.ones(x.shape + (layer.kernel_size,) * 2, x.dtype)
        records[id(layer)] = ("/".join(map(str, path[:-1])), layer, (x, kernel, z))
    return [(name,) + records[key] for key, name in names.items() if key in records]


@partial(jax.jit, static_argnames="channel_mask")
def _upper(x, weight, kernel, mask, channel_mask):
    # y = U x again, outside the model's jit: a small program per layer shape compiles faster
    # than adding every layer's Upper-PAC to the whole model's program.
    return upper_pac(x, weight, kernel, mask, channel_mask=channel_mask)


def probe_pac_layers(model: PACFlow, images, *, noise=None, seed: int = 0, dtype=jnp.float32,
                     include_dequantization: bool = False) -> list[PACLayerProbe]:
    """Run ``model`` forward on ``images`` and return what each PAC layer applied, in order.

    One forward pass under ``jit`` (dropout off): the images are dequantized with one draw of the
    noise, then pass the main flow; each PAC (or emerging) layer's input ``x``, kernel ``k``,
    ``y = U x`` and output ``z = L U x`` are recorded (what the layers sow inside ``nnx.capture``).
    Layers come in the order of the forward pass, named after its steps (``model.steps()``).

    Args:
      model: a :class:`PACFlow` (e.g. from ``pv.load_pretrained()``), already initialised.
      images: integer pixels ``(N, H, W, C)``, e.g. ``evaluation_images(load_dataset("photos", split="test"), 8)``.
      noise: the dequantization flow's Gaussian noise ``(N, H, W, P)``; by default drawn with ``seed``
        in ``dtype``. Its dtype is the computation's (float64 noise: a float64 probe).
      include_dequantization: also probe the PAC layers of the dequantization flow q(u|x) (they
        transform noise, not the image).

    Returns:
      A list of :class:`PACLayerProbe` (numpy arrays). Memory: about ``N·H·W·C·K²`` floats per layer.
    """
    if not isinstance(model, PACFlow):
        raise ValueError(f"model must be a PACFlow (pv.build_model / pv.load_pretrained), got {type(model).__name__}")
    images = np.asarray(images)
    model.check_images(images)
    if not model.jacobi_layers():
        raise ValueError(f"this model ({model.config.linear} linear layers) has no PAC or emerging layer to probe")
    shape = images.shape[:-1] + (model.dequantization.padded_channels,)
    if noise is None:
        noise = normal(jax.random.PRNGKey(seed), shape, dtype)
    elif tuple(np.shape(noise)) != shape:
        raise ValueError(f"noise must have shape {shape} (images' shape with {shape[-1]} padded channels), "
                         f"got {np.shape(noise)}")
    names = _pac_layer_names(model, include_dequantization)
    with evaluation_mode(model):
        records = _records(model, _recorded_forward(model, jnp.asarray(images), jnp.asarray(noise)), names)
    probes = []
    for name, path, layer, (x, kernel, z) in records:
        h, w = x.shape[-3:-1]
        weight, mask = layer.weight[...], layer.mask(h, w)
        y = _upper(x, weight, kernel, mask, layer.channel_mask)
        probes.append(PACLayerProbe(
            name=name, path=path,
            x=np.asarray(x), y=np.asarray(y), z=np.asarray(z), weight=np.asarray(weight),
            kernel=np.asarray(kernel), order=np.asarray(layer.order_array(h, w)), mask=np.asarray(mask),
            channel_mask=layer.channel_mask, stride=images.shape[1] // h,
            alpha=layer.alpha, tol=layer.tol, max_iters=layer.max_iters))
    return probes


__all__ = ["FACTORS", "PACLayerProbe", "probe_pac_layers"]
