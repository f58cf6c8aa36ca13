"""The full architecture (Sec. 5.1, App. C.4): fused dequantization + padding, couplings at two
scales, a unit Gaussian prior. One class serves all four models; they differ in the linear layer."""

from __future__ import annotations

import itertools
import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ..flows.act_norm import ActNorm
from ..flows.chain import Chain
from ..flows.elementwise_scale import ElementwiseScale
from ..flows.fused_dequantization_padding import FusedDequantizationPadding, noise_key
from ..flows.main_flow_layer import MainFlowLayer
from ..flows.pac_linear import EmergingLinear, PACLinear, TriangularConv
from ..flows.base import zero_log_det
from ..flows.squeeze import Squeeze
from ..flows.transformer import Transformer
from .conditioner import Conditioner
from ..ops._checks import check_int
from ..ops.flat_random import normal
from .config import ModelConfig
from .flow_step import FlowStep
from .sample_report import check_temperature, sample_report, warn_about


def standard_normal_log_prob(z):
    """``log N(z; 0, I)`` summed per example: ``(..., H, W, C) → (...)``."""
    return jnp.sum(-0.5 * (z * z + math.log(2.0 * math.pi)), axis=(-3, -2, -1))


def _linear_layer(config: ModelConfig):
    """The linear-layer class and options for the coupling transformer (Fig. 3)."""
    common = dict(kernel_size=config.kernel_size, order=config.order, channel_mask=config.channel_mask,
                  max_iters=config.jacobi_max_iters)
    if config.linear == "pac":
        return PACLinear, dict(common, features=config.features)
    if config.linear == "emerging":
        return EmergingLinear, common
    return ElementwiseScale, {}


def check_image_shape(image_shape, levels: int):
    """Raise unless ``(H, W, C)`` fits a model with ``levels`` scales (H, W multiples of 2**levels)."""
    if len(image_shape) != 3 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                        for n in image_shape):
        raise ValueError(f"image_shape must be (H, W, C) of ints, got {tuple(image_shape)}")
    h, w, c = image_shape
    step = 2 ** levels
    if h % step or w % step or h < step or w < step or c < 1:
        raise ValueError(
            f"image shape {tuple(image_shape)} does not fit {levels} scale(s): H and W must be positive "
            f"multiples of {step} (every scale squeezes 2×2 for its checkerboard couplings), e.g. "
            f"{step * 2}×{step * 2}, 32×32 or 64×64"
        )


class PACFlow(nnx.Module):
    """A PAC-flow image model (RealNVP / Emerging / PAC by ``config.linear``).

    ``x (B, H, W, C)`` integer pixels → fused dequantization + padding → ``z0 (B, H, W, P)`` →
    at each scale ``checkerboard`` then ``channel`` main-flow layers, a squeeze between scales →
    ``z (B, H/2^(S-1), W/2^(S-1), P·4^(S-1))`` under a unit Gaussian prior.

    ``log P(x) >= E_q[log N(z) + log|dz/dz0| + log_det_dequant]``: :meth:`elbo` samples it.
    """

    def __init__(self, config: ModelConfig, image_shape, *, num_levels: int = 256, rngs: nnx.Rngs):
        check_image_shape(image_shape, config.levels)
        h, w, c = image_shape
        padded = config.padded_channels or 2 * c
        self.config = config
        self.image_shape = tuple(image_shape)
        self.num_levels = num_levels
        linear, linear_kwargs = _linear_layer(config)
        make_transformer = partial(Transformer, n_mixtures=config.n_mixtures, linear=linear,
                                   linear_kwargs=linear_kwargs, share_weight=config.share_weight)
        conditioner = partial(Conditioner, hidden_channels=config.hidden_channels,
                              initial_channels=config.initial_channels, dropout_rate=config.dropout)
        make_layer = partial(MainFlowLayer, make_transformer=make_transformer,
                             make_conditioner=partial(conditioner, n_blocks=config.blocks))
        self.dequantization = FusedDequantizationPadding(
            c, padded_channels=padded, num_levels=num_levels, n_layers=config.dequant_layers,
            feature_channels=config.feature_channels,
            make_features=partial(conditioner, n_blocks=config.feature_blocks, zero_init=False),
            make_layer=partial(MainFlowLayer, make_transformer=make_transformer,
                               make_conditioner=partial(conditioner, n_blocks=config.dequant_blocks)),
            rngs=rngs)
        self.scales = nnx.List([
            Chain([make_layer(padded * 4 ** s, checkerboard=True, rngs=rngs) for _ in range(config.checkerboard)]
                  + [make_layer(padded * 4 ** s, checkerboard=False, rngs=rngs) for _ in range(config.channel)])
            for s in range(config.levels)
        ])
        s = config.levels - 1
        self.latent_shape = (h // 2 ** s, w // 2 ** s, padded * 4 ** s)

    # -- the steps of the forward pass -------------------------------------------------------
    def steps(self, height: int | None = None, width: int | None = None) -> list[FlowStep]:
        """The forward pass as named :class:`FlowStep` s, in order: the dequantization, then each
        scale's checkerboard and channel main-flow layers, a squeeze before every scale but the
        first. Shapes are for ``height × width`` images (default: the model's ``image_shape``)."""
        h, w, c = self.image_shape
        h, w = height or h, width or w
        padded = self.dequantization.padded_channels
        linear = _linear_layer(self.config)[0].__name__
        steps = [FlowStep("dequantization", "dequantization", "fused dequantization + padding", self.dequantization,
                          0, (h, w, c), (h, w, padded))]
        for s, scale in enumerate(self.scales):
            shape = (h // 2 ** s, w // 2 ** s, padded * 4 ** s)
            if s:
                steps.append(FlowStep(f"squeeze {s}", f"squeeze {s}", "squeeze 2×2", Squeeze(), s,
                                      steps[-1].output_shape, shape))
            count = {True: 0, False: 0}
            for i, layer in enumerate(scale.layers):
                count[layer.checkerboard] += 1
                coupling = "checkerboard coupling" if layer.checkerboard else "channel coupling"
                steps.append(FlowStep(f"scales/{s}/layers/{i}", f"scale {s} · {coupling} {count[layer.checkerboard]}",
                                      f"{coupling} ({linear})", layer, s, shape, shape))
        return steps

    # -- the bijective part: z0 (dequantized, padded) <-> z -----------------------------------
    def flow_steps(self, height: int, width: int) -> list[list[FlowStep]]:
        """The steps after the dequantization for ``height × width`` images, one list per scale."""
        steps = self.steps(height, width)[1:]
        return [list(group) for _, group in itertools.groupby(steps, key=lambda step: step.scale)]

    def flow_forward(self, z0):
        """``(z, log|dz/dz0|)`` for ``z0 (B, H, W, P)``, step by step through :meth:`steps`."""
        log_det = jnp.zeros(z0.shape[:-3], z0.dtype)
        z = z0
        for scale in self.flow_steps(*z0.shape[-3:-1]):
            scale_log_det = zero_log_det(z)  # summed per scale, then over scales (as saved results were)
            for step in scale:
                z, ld = step.bijector.forward_and_log_det(z)
                scale_log_det = scale_log_det + ld
            log_det = log_det + scale_log_det
        return z, log_det

    def flow_inverse(self, z):
        """``(z0, log|dz0/dz|)``: the inverse of :meth:`flow_forward` (Jacobi inside PAC/emerging layers)."""
        levels = len(self.scales) - 1
        log_det = jnp.zeros(z.shape[:-3], z.dtype)
        for scale in reversed(self.flow_steps(z.shape[-3] * 2 ** levels, z.shape[-2] * 2 ** levels)):
            scale_log_det = zero_log_det(z)
            for step in reversed(scale):
                z, ld = step.bijector.inverse_and_log_det(z)
                scale_log_det = scale_log_det + ld
            log_det = log_det + scale_log_det
        return z, log_det

    # -- likelihood ------------------------------------------------------------------------
    def check_images(self, images):
        """Raise a clear ``ValueError`` unless ``images`` are integer pixels ``(B, H, W, C)`` in ``0..L-1``."""
        if not hasattr(images, "dtype"):
            raise TypeError(f"images must be an array (numpy or jax) of integer pixels, got a {type(images).__name__}; "
                            "pass np.asarray(images, np.uint8)")
        shape = tuple(np.shape(images))
        if len(shape) == 4 and shape[0] == 0:
            raise ValueError("images is an empty batch (0 images); pass at least one image")
        if len(shape) != 4 or shape[1:] != self.image_shape:
            raise ValueError(f"images must have shape (batch, {', '.join(map(str, self.image_shape))}); got {shape}")
        dtype = jnp.result_type(images)
        if not jnp.issubdtype(dtype, jnp.integer):
            raise ValueError(
                f"images must hold integer pixel values 0..{self.num_levels - 1} (e.g. uint8), got dtype {dtype}; "
                "pass the raw images, the model dequantizes and rescales them itself")
        if not isinstance(images, jax.core.Tracer):
            lo, hi = int(np.min(images)), int(np.max(images))
            if lo < 0 or hi >= self.num_levels:
                raise ValueError(f"pixel values must lie in 0..{self.num_levels - 1} (num_levels={self.num_levels}); "
                                 f"got values in {lo}..{hi}")

    def elbo(self, images, *, rngs: nnx.Rngs | None = None, noise=None, dtype=jnp.float32):
        """One-sample variational lower bound on ``log P(images)`` in nats, ``(B,)``.

        ``noise``: the dequantization flow's Gaussian noise ``(B, H, W, P)``, else drawn from ``rngs``.
        """
        self.check_images(images)
        terms = self.dequantization.forward_terms(images, rngs=rngs, noise=noise, dtype=dtype)
        z, log_det = self.flow_forward(terms.z)
        return standard_normal_log_prob(z) + log_det + terms.log_det

    def encode(self, images, *, rngs: nnx.Rngs | None = None, noise=None):
        """Latents ``z (B, *latent_shape)`` of integer images (one draw of the dequantization noise)."""
        self.check_images(images)
        with evaluation_mode(self):
            return _jit_encode(self, images, rngs, noise)

    def decode(self, z, *, report: bool = False):
        """uint8 images ``(B, H, W, C)`` from latents ``z (B, *latent_shape)``, via the Jacobi inverse.

        Images decoded from non-finite values (or a batch whose inverse did not converge) are counted
        in one ``RuntimeWarning`` with advice; ``report=True`` returns ``(images, SampleReport)``
        with the per-image flags (``report.ok``)."""
        if tuple(np.shape(z))[1:] != self.latent_shape:
            raise ValueError(f"z must have shape (batch, {', '.join(map(str, self.latent_shape))}); got {np.shape(z)}")
        if not jnp.issubdtype(jnp.result_type(z), jnp.floating):
            raise TypeError(f"z must be a floating-point array, got dtype {jnp.result_type(z)}")
        images, flags = self._decode(z)
        return (images, flags) if report else images

    def _decode(self, z, temperature: float | None = None):
        with evaluation_mode(self):
            z0, residual = _jit_inverse_and_residual(self, _round_trip_model(self), z)
        flags = sample_report(z, z0, residual, all(s["converged"] for s in self.inverse_stats()))
        warn_about(flags, z, temperature, stacklevel=4)
        return self.dequantization.decode(z0).astype(jnp.uint8), flags

    def sample(self, num: int, *, rngs: nnx.Rngs, temperature: float = 1.0, report: bool = False):
        """``num`` uint8 images ``(num, H, W, C)``: ``z ~ N(0, temperature² I)``, then :meth:`decode`
        (``report=True``: ``(images, SampleReport)``)."""
        num = check_int("num", num)
        temperature = check_temperature(temperature)
        z = temperature * normal(noise_key(rngs), (num,) + self.latent_shape)
        images, flags = self._decode(z, temperature)
        return (images, flags) if report else images

    # -- inversion statistics ---------------------------------------------------------------
    def jacobi_layers(self):
        """``[(path, layer)]`` of every PAC / emerging layer, in module order."""
        return [(path, m) for path, m in nnx.iter_modules(self) if isinstance(m, TriangularConv)]

    def inverse_stats(self):
        """Per PAC / emerging layer of the main flow, what its last Jacobi inverse did."""
        return [dict(layer="/".join(map(str, path)), iterations=int(m.last_iterations[...]),
                     converged=bool(m.last_converged[...]), deltas=np.asarray(m.last_deltas[...]))
                for path, m in self.jacobi_layers() if path[0] == "scales"]


@nnx.jit
def _jit_inverse_and_residual(model, forward_model, z):
    # Per image: how far the forward pass of the computed z0 lands from z (Jacobi's own statistics
    # are per layer and batch; this round trip tells which images were not inverted).
    z0, _ = model.flow_inverse(z)
    z_back, _ = forward_model.flow_forward(z0)
    return z0, jnp.max(jnp.abs(z_back - z), axis=(-3, -2, -1))


def _round_trip_model(model):
    """``model`` for the round trip's forward pass. An ActNorm whose data-dependent init has not run
    is the identity in the inverse; its forward pass would initialise it from z0 (changing the
    model), so a clone marked initialised stands in for it."""
    if all(m.initialized for _, m in nnx.iter_modules(model) if isinstance(m, ActNorm)):
        return model
    clone = nnx.clone(model)
    for _, m in nnx.iter_modules(clone):
        if isinstance(m, ActNorm):
            m.initialized = True
    return clone


@nnx.jit
def _jit_encode(model, images, rngs, noise):
    z0, _ = model.dequantization.forward_and_log_det(images, rngs=rngs, noise=noise)
    return model.flow_forward(z0)[0]


class evaluation_mode:
    """``with evaluation_mode(model):`` dropout off inside, the previous mode restored after."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        drops = [m for _, m in nnx.iter_modules(self.model) if isinstance(m, nnx.Dropout)]
        self.was_training = bool(drops) and not drops[0].deterministic
        self.model.eval()
        return self.model

    def __exit__(self, *exc):
        if self.was_training:
            self.model.train()
        return False
