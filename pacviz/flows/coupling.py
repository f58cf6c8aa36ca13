"""Coupling layer (Sec. 3.2; Algorithm 1 lines 3, 5, 17)."""

from __future__ import annotations

from flax import nnx

from .base import Bijector
from .splits import SPLITS, merge, split
from .squeeze import squeeze


class Coupling(Bijector):
    """``z = merge(τ(x1; θ(x2, aux)), x2)`` with ``(x1, x2) = split(x)``.

    The conditioner θ sees the untouched half ``x2`` (and ``aux``); the transformer τ changes
    ``x1``. The inverse splits ``z``, recomputes θ from the same ``x2`` and applies τ⁻¹. The
    log-det is τ's (Sec. 3.2: ``|dz/dx| = |dτ(x1; θ(x2))/dx1|``).

    Splits (:mod:`pacviz.flows.splits`):

    * ``"channel"``: ``x1 = x[..., :C//2]``, ``x2 = x[..., C//2:]``; τ transforms ``C//2``
      channels, θ reads ``C - C//2``.
    * ``"checkerboard"``: squeeze, then a channel split (App. C.4): τ and θ work at half the
      resolution on the two checkerboard colours, ``2C`` channels each. ``aux`` is squeezed too,
      so the conditioner gets ``4·aux_channels`` auxiliary channels.

    ``swap=True`` transforms ``x2`` conditioned on ``x1`` instead.

    Args:
      channels: C of the input.
      make_transformer: ``make_transformer(channels, *, rngs) -> ConditionedBijector``.
      make_conditioner: ``make_conditioner(in_channels, out_channels, *, aux_channels, rngs)``
        returning a module called as ``module(x2, aux=aux)``.
      split: ``"channel"`` or ``"checkerboard"``.
      aux_channels: channels of ``aux`` at the input resolution, or None when there is no aux.
      swap: transform the second half instead of the first.
      rngs: for the sub-networks.
    """

    def __init__(self, channels: int, *, make_transformer, make_conditioner, split: str = "channel",
                 aux_channels: int | None = None, swap: bool = False, rngs: nnx.Rngs):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.channels = channels
        self.split = split
        self.swap = swap
        self.aux_channels = aux_channels
        if split == "channel":
            sizes = (channels // 2, channels - channels // 2)
            cond_aux = aux_channels
        else:
            sizes = (2 * channels, 2 * channels)
            cond_aux = None if aux_channels is None else 4 * aux_channels
        transformed, conditioning = sizes[::-1] if swap else sizes
        if transformed < 1:
            raise ValueError(f"a {split} split of {channels} channel(s) leaves nothing to transform")
        self.transformer = make_transformer(transformed, rngs=rngs)
        self.conditioner = make_conditioner(conditioning, self.transformer.num_params,
                                            aux_channels=cond_aux, rngs=rngs)
        init_scale = self.transformer.param_init_scale()
        if init_scale.any():
            if not hasattr(self.conditioner, "perturb_output"):
                raise ValueError(f"{type(self.transformer).__name__} needs a conditioner with perturb_output(scale, "
                                 f"rngs=...) for its random start; {type(self.conditioner).__name__} has none")
            self.conditioner.perturb_output(init_scale, rngs=rngs)

    def _parts(self, x):
        x1, x2 = split(x, self.split)
        return (x2, x1) if self.swap else (x1, x2)

    def _merge(self, y1, x2):
        return merge(x2, y1, self.split) if self.swap else merge(y1, x2, self.split)

    def _params(self, x2, aux):
        if (aux is None) != (self.aux_channels is None):
            raise ValueError(
                f"this coupling was built with aux_channels={self.aux_channels}; "
                f"{'pass aux=' if aux is None else 'do not pass aux'}"
            )
        if aux is not None and self.split == "checkerboard":
            aux = squeeze(aux)
        return self.conditioner(x2, aux=aux)

    def forward_and_log_det(self, x, *, aux=None, **ctx):
        if x.shape[-1] != self.channels:
            raise ValueError(f"Coupling has {self.channels} channels; got input of shape {x.shape}")
        x1, x2 = self._parts(x)
        z1, log_det = self.transformer.forward_and_log_det(x1, self._params(x2, aux))
        return self._merge(z1, x2), log_det

    def inverse_and_log_det(self, z, *, aux=None, **ctx):
        if z.shape[-1] != self.channels:
            raise ValueError(f"Coupling has {self.channels} channels; got input of shape {z.shape}")
        z1, z2 = self._parts(z)
        x1, log_det = self.transformer.inverse_and_log_det(z1, self._params(z2, aux))
        return self._merge(x1, z2), log_det
