"""The main flow layer: coupling → 1×1 convolution → ActNorm (Sec. 5.1; App. C.4 ``main_flow``)."""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from .act_norm import ActNorm
from .base import Bijector
from .chain import Chain
from .coupling import Coupling
from .invertible_conv1x1 import InvertibleConv1x1
from .squeeze import squeeze, unsqueeze


class MainFlowLayer(Bijector):
    """One step of the main flow: a channel coupling, a weight-normed 1×1 conv and an ActNorm.

    ``checkerboard=True`` runs the whole step on the squeezed input, as the App. C.4 outline
    does (``squeeze → split → coupling → 1×1 conv → ActNorm → unsqueeze``): the coupling is then
    a checkerboard coupling (see :data:`pacviz.flows.squeeze.BLOCK_ORDER`), and the 1×1 conv and
    ActNorm act on ``4C`` channels, mixing each 2×2 block. ``aux`` is squeezed alongside.
    ``checkerboard=False`` is a channel coupling at full resolution.

    ``(..., H, W, C) → (..., H, W, C)``; H and W even when ``checkerboard``.

    Args:
      channels: C.
      make_transformer: ``make_transformer(channels, *, rngs) -> ConditionedBijector``.
      make_conditioner: ``make_conditioner(in_channels, out_channels, *, aux_channels, rngs)``.
      checkerboard: checkerboard (True) or channel (False) coupling.
      aux_channels: channels of ``aux`` (full resolution) or None.
      data_init: ActNorm's data-dependent initialisation on the first forward call.
      rngs: for the conditioner, transformer and 1×1 conv.
    """

    def __init__(self, channels: int, *, make_transformer, make_conditioner, checkerboard: bool,
                 aux_channels: int | None = None, data_init: bool = True, rngs: nnx.Rngs,
                 param_dtype=jnp.float32):
        self.checkerboard = checkerboard
        inner = 4 * channels if checkerboard else channels
        inner_aux = None if aux_channels is None else (4 * aux_channels if checkerboard else aux_channels)
        self.flow = Chain([
            Coupling(inner, make_transformer=make_transformer, make_conditioner=make_conditioner,
                     split="channel", aux_channels=inner_aux, rngs=rngs),
            InvertibleConv1x1(inner, rngs=rngs, param_dtype=param_dtype),
            ActNorm(inner, data_init=data_init, param_dtype=param_dtype),
        ])

    PARTS = ("coupling", "1×1 conv", "ActNorm")  # the parts of :attr:`flow`, in order

    @property
    def transformer(self):
        """The coupling's transformer τ (Fig. 3), whose linear layers are the PAC / emerging layers."""
        return self.flow.layers[0].transformer

    def _run(self, method, x, aux, ctx):
        if self.checkerboard:
            x = squeeze(x)
            aux = None if aux is None else squeeze(aux)
        y, log_det = method(x, aux=aux, **ctx)
        return (unsqueeze(y) if self.checkerboard else y), log_det

    def forward_and_log_det(self, x, *, aux=None, **ctx):
        return self._run(self.flow.forward_and_log_det, x, aux, ctx)

    def forward_parts(self, x, *, aux=None, **ctx):
        """``(y, [log-det (...) of each part of PARTS])``: they add up to the step's log-det."""
        return self._run(self.flow.forward_parts, x, aux, ctx)

    def inverse_and_log_det(self, z, *, aux=None, **ctx):
        return self._run(self.flow.inverse_and_log_det, z, aux, ctx)
