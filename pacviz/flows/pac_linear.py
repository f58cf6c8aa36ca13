"""The PAC and emerging-convolution linear layers of the coupling transformer (Sec. 4, Sec. 5.1)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ..ops.init import near_identity_weight
from ..ops.inverse import pac_inverse
from ..ops.kernel import pac_kernel
from ..ops.masks import CHANNEL_MASKS, ORDER_KINDS, autoregressive_mask, check_order, make_order
from ..ops.nonlinearities import squaresigmoid
from ..ops.triangular import pac_forward, pac_log_det
from .base import ConditionedBijector
from .elementwise_scale import ElementwiseScale


class JacobiStats(nnx.Variable):
    """What the last inverse of a layer did (iterations, convergence, max-abs changes); not trained."""


def sow_if_captured(module: nnx.Module, name: str, value):
    """``module.sow(nnx.Intermediate, name, value)`` while an ``nnx.capture`` records ``module``; else nothing.

    Outside ``nnx.capture`` a sow would keep the value on the module and warn that this use is
    deprecated (Flax 0.12); ``nnx.capture`` gives each module it records a ``__captures__`` store
    for the duration of the call, so that store's presence says whether anyone is listening."""
    if hasattr(module, "__captures__"):
        module.sow(nnx.Intermediate, name, value)


def _static_order(order):
    """An order kept hashable, so it stays static under jit: a kind name, or nested tuples."""
    if isinstance(order, str):
        if order not in ORDER_KINDS:
            raise ValueError(f"order must be one of {ORDER_KINDS} or an (H, W) permutation of 1..H*W, got {order!r}")
        return order
    arr = np.asarray(order)
    check_order(arr)
    return tuple(map(tuple, arr.tolist()))


@functools.lru_cache(maxsize=256)
def _mask_constant(order, height: int, width: int, kernel_size: int) -> np.ndarray:
    # Computed once per (order, H, W, K) outside any trace: under jit it enters the program as one
    # constant instead of the ~70 operations that build it, in every PAC / emerging layer's call.
    with jax.ensure_compile_time_eval():
        arr = make_order(height, width, order) if isinstance(order, str) else np.asarray(order)
        return np.asarray(autoregressive_mask(arr, kernel_size))


class TriangularConv(ConditionedBijector):
    """What the PAC and emerging layers share: a learned ``W (K, K, C, C)``, an autoregressive
    order, the PLU forward map and its weighted-Jacobi inverse, whose statistics it records.

    Subclasses say how the per-pixel kernel comes from ``params`` (:meth:`kernel`; None = k = 1).
    """

    def __init__(self, channels: int, *, kernel_size: int, order, channel_mask: str, init_scale: float,
                 centre_gain: float, alpha: float, tol: float | None, max_iters: int, rngs: nnx.Rngs,
                 param_dtype=jnp.float32):
        if channel_mask not in CHANNEL_MASKS:
            raise ValueError(f"channel_mask must be one of {CHANNEL_MASKS}, got {channel_mask!r}")
        self.channels = channels
        self.kernel_size = kernel_size
        self.order = _static_order(order)
        self.channel_mask = channel_mask
        self.alpha, self.tol, self.max_iters = alpha, tol, max_iters
        w = near_identity_weight(rngs.params(), channels, kernel_size, init_scale, dtype=param_dtype)
        centre = kernel_size // 2
        self.weight = nnx.Param(w.at[centre, centre].multiply(centre_gain))
        self.last_iterations = JacobiStats(jnp.zeros((), jnp.int32))
        self.last_converged = JacobiStats(jnp.ones((), bool))
        self.last_deltas = JacobiStats(jnp.full((2, max_iters), jnp.nan, jnp.float32))

    def order_array(self, height: int, width: int):
        """This layer's ``(H, W)`` order as an int array."""
        if isinstance(self.order, str):
            return make_order(height, width, self.order)
        arr = np.asarray(self.order)
        check_order(arr, height, width)
        return jnp.asarray(arr)

    def mask(self, height: int, width: int) -> np.ndarray:
        """The autoregressive mask ``(H, W, K, K)`` for this layer's order (Eq. 8), a numpy constant."""
        self.order_array(height, width)  # validates a custom order against (H, W)
        return _mask_constant(self.order, height, width, self.kernel_size)

    def kernel(self, params):
        """The per-pixel kernel ``(..., H, W, C, K, K)``, or None for k = 1."""
        raise NotImplementedError

    def conv_forward(self, x, kernel):
        """``(L U x, log|det L U|)`` (Algorithm 1). Inside ``nnx.capture(..., nnx.Intermediate)`` it
        sows ``(x, kernel, z)`` as "forward_io" (what ``probe_pac_layers`` reads)."""
        mask = self.mask(x.shape[-3], x.shape[-2])
        z, log_det = pac_forward(x, self.weight[...], kernel, mask, channel_mask=self.channel_mask)
        sow_if_captured(self, "forward_io", (x, kernel, z))
        return z, log_det

    def conv_inverse(self, z, kernel):
        """``(x, log|det (L U)^-1|)`` by weighted Jacobi (Eq. 7); records the solve's statistics."""
        h, w = z.shape[-3], z.shape[-2]
        weight = self.weight[...]
        x, info = pac_inverse(z, weight, kernel, self.mask(h, w), channel_mask=self.channel_mask,
                              alpha=self.alpha, tol=self.tol, max_iters=self.max_iters)
        self.last_iterations[...] = info.iterations
        self.last_converged[...] = info.converged
        self.last_deltas[...] = info.deltas.astype(jnp.float32)
        log_det = pac_log_det(weight, kernel, spatial_shape=(h, w))
        return x, -jnp.broadcast_to(log_det, jnp.shape(z)[:-3])


class PACLinear(TriangularConv):
    """The invertible pixel adaptive convolution ``z = L U x`` (Algorithm 1) as a coupling linear layer.

    Per pixel the conditioner gives ``F + 2C`` numbers (Sec. 4.4): features ``f`` (F), then
    ``σ²`` (C), then ``l`` (C), bounded as in App. C.3 with the squaresigmoid ``ss``:
    ``f = 2·ss(θ_f) − 1 ∈ (−1, 1)``, ``σ² = ss(θ_σ) ∈ (0, 1)``, ``l = ss(θ_l) ∈ (0, 1)``.
    The filter ``W (K, K, C, C)`` is learned, not conditioned. Inversion: weighted Jacobi (Eq. 7).

    Initialisation: a zero conditioner gives ``σ² = ss(0) = 1/2`` and W starts as a noisy identity
    with centre ``2·I``, so the layer starts near the identity (the paper's "noisy identity").
    The features must not start at ``f = 0``: with f the same at every pixel, every feature
    difference is 0 and so is the gradient of k with respect to f and l (Eq. 6), a point that
    training never leaves (the kernel stays ``k = σ²``, an emerging convolution). The
    conditioner's weights for θ_f therefore start with standard deviation ``feature_init_scale``
    (:meth:`param_init_scale`): k starts within a few percent of σ², and adapts from step one.

    Args:
      channels: C.
      features: F (16 in the paper).
      kernel_size: K (5 in the paper).
      order: "raster", "s_curve" or an ``(H, W)`` permutation of ``1..H·W``.
      channel_mask: "all_taps" (Eq. 9, the paper) or "center".
      init_scale: standard deviation of W's noise around the identity.
      alpha, tol, max_iters: the Jacobi inverse's settings (:func:`pacviz.jacobi`).
      gamma: squaresigmoid γ.
      feature_init_scale: standard deviation of the conditioner's initial weights for θ_f (0.01).
      param_dtype: dtype of W.
    """

    def __init__(self, channels: int, *, features: int = 16, kernel_size: int = 5, order="s_curve",
                 channel_mask: str = "all_taps", init_scale: float = 0.02, alpha: float = 1.0,
                 tol: float | None = None, max_iters: int = 200, gamma: float = 0.5,
                 feature_init_scale: float = 0.01, rngs: nnx.Rngs, param_dtype=jnp.float32):
        if feature_init_scale < 0:
            raise ValueError(f"feature_init_scale must be >= 0, got {feature_init_scale}")
        self.features = features
        self.gamma = gamma
        self.feature_init_scale = feature_init_scale
        with jax.ensure_compile_time_eval():  # a float even when the constructor is traced
            centre_gain = 1.0 / float(squaresigmoid(0.0, gamma))
        super().__init__(channels, kernel_size=kernel_size, order=order, channel_mask=channel_mask,
                         init_scale=init_scale, centre_gain=centre_gain,
                         alpha=alpha, tol=tol, max_iters=max_iters, rngs=rngs, param_dtype=param_dtype)

    @property
    def num_params(self) -> int:
        return self.features + 2 * self.channels

    def param_init_scale(self) -> np.ndarray:
        scale = np.zeros(self.num_params)
        scale[:self.features] = self.feature_init_scale
        return scale

    def kernel_parameters(self, params):
        """Split and bound the conditioner output: ``f (..., H, W, F)``, ``σ², l (..., H, W, C)`` (App. C.3)."""
        f_dim, c = self.features, self.channels
        f = 2.0 * squaresigmoid(params[..., :f_dim], self.gamma) - 1.0
        sigma2 = squaresigmoid(params[..., f_dim:f_dim + c], self.gamma)
        lengthscale = squaresigmoid(params[..., f_dim + c:], self.gamma)
        return f, sigma2, lengthscale

    def kernel(self, params):
        """The pixel adaptive kernel ``(..., H, W, C, K, K)`` (Eq. 6)."""
        return pac_kernel(*self.kernel_parameters(params), self.kernel_size)

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        return self.conv_forward(x, self.kernel(params))

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        return self.conv_inverse(z, self.kernel(params))


class EmergingLinear(TriangularConv):
    """Emerging convolution (k = 1: the same ops without the pixel adaptive kernel), then an
    elementwise scale from the conditioner (Sec. 5.1 "Linear layers"; C.4 ``kind="emerging"``).

    ``z = ElementwiseScale(L U x; θ)`` with C parameters per pixel (the scale); W is learned.

    Args: as :class:`PACLinear` (no ``features``); ``gamma`` is the scale's squareplus γ.
    """

    def __init__(self, channels: int, *, kernel_size: int = 5, order="raster", channel_mask: str = "all_taps",
                 init_scale: float = 0.02, alpha: float = 1.0, tol: float | None = None, max_iters: int = 200,
                 gamma: float = 1.0, rngs: nnx.Rngs, param_dtype=jnp.float32):
        super().__init__(channels, kernel_size=kernel_size, order=order, channel_mask=channel_mask,
                         init_scale=init_scale, centre_gain=1.0, alpha=alpha, tol=tol,
                         max_iters=max_iters, rngs=rngs, param_dtype=param_dtype)
        self.scale = ElementwiseScale(channels, gamma=gamma, rngs=rngs)

    @property
    def num_params(self) -> int:
        return self.scale.num_params

    def kernel(self, params):
        return None

    def forward_and_log_det(self, x, params):
        self.check_inputs(x, params)
        y, log_det_conv = self.conv_forward(x, None)
        z, log_det_scale = self.scale.forward_and_log_det(y, params)
        return z, log_det_conv + log_det_scale

    def inverse_and_log_det(self, z, params):
        self.check_inputs(z, params)
        y, log_det_scale = self.scale.inverse_and_log_det(z, params)
        x, log_det_conv = self.conv_inverse(y, None)
        return x, log_det_scale + log_det_conv
