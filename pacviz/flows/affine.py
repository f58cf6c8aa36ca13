"""Affine layer = a linear layer plus a conditioned bias (Fig. 3; App. C.4 ``affine``)."""

from __future__ import annotations

import numpy as np
from flax import nnx

from .base import ConditionedBijector
from .elementwise_scale import ElementwiseScale


class Affine(ConditionedBijector):
    """``z = linear(x; θ_lin) + b`` with the bias ``b`` read from the conditioner.

    Fig. 3: "the affine layer is the same as the linear layer, except with an extra elementwise
    addition". Parameters per pixel: ``linear.num_params + C`` (the linear layer's first, then
    the bias). The bias is added after the linear map, as in the App. C.4 outline. The log-det
    is the linear layer's (a shift has unit Jacobian).

    Args:
      channels: C.
      linear: a :class:`ConditionedBijector` class (or factory) called as
        ``linear(channels, rngs=rngs, **linear_kwargs)``: :class:`ElementwiseScale` for RealNVP,
        a PAC or emerging-convolution layer for the other models.
      rngs: passed to ``linear``.
      **linear_kwargs: passed to ``linear``.
    """

    def __init__(self, channels: int, *, linear=ElementwiseScale, rngs: nnx.Rngs | None = None, **linear_kwargs):
        self.channels = channels
        self.linear = linear(channels, rngs=rngs, **linear_kwargs)
        if self.linear.channels != channels:
            raise ValueError(f"linear layer transforms {self.linear.channels} channels, expected {channels}")

    @property
    def num_params(self) -> int:
        return self.linear.num_params + self.channels

    def param_init_scale(self) -> np.ndarray:
        return np.concatenate([self.linear.param_init_scale(), np.zeros(self.channels)])

    def _split(self, params):
        n = self.linear.num_params
        return params[..., :n], params[..., n:]

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        theta, bias = self._split(params)
        y, log_det = self.linear.forward_and_log_det(x, theta)
        return y + bias, log_det

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        theta, bias = self._split(params)
        return self.linear.inverse_and_log_det(z - bias, theta)
