"""A PAC-flow model layer by layer: what each layer does to a batch of images (Eq. 1).

    summary = layer_summary(model, images, rngs=nnx.Rngs(noise=0))
    summary.rows[3].output        # (B, H, W, C) after the fourth layer
    summary.to_markdown()         # name | type | output shape | params | log-det, for one example

The ELBO of Sec. 5.1 is ``log p_Z(z) + Σ_layers log|det J_layer|`` (the dequantization layer's
term also holds ``−log q(u, pad | x)``), and bits/dim is ``−ELBO / (H·W·C · ln 2)``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import jax
import numpy as np
from flax import nnx

from ..flows.act_norm import ActNorm
from ..flows.invertible_conv1x1 import InvertibleConv1x1
from ..flows.main_flow_layer import MainFlowLayer
from ..flows.pac_linear import TriangularConv
from .build import count_params
from .conditioner import Conditioner
from .jit_once import jit_once
from .likelihood import bits_per_dim_from_nats
from .pac_flow import PACFlow, evaluation_mode, standard_normal_log_prob

@dataclass(frozen=True)
class LayerRow:
    """One layer of the forward (data → latent) pass.

    ``name``: module path (``"scales/0/layers/2"``); ``kind``: what it is; ``shape``: one example's
    output ``(H, W, C)``; ``params``: its trainable scalars; ``log_det`` ``(B,)`` nats, the sum of
    ``parts`` (name → ``(B,)``); ``output`` ``(B, H, W, C)``.
    """

    name: str
    kind: str
    shape: tuple
    params: int
    log_det: np.ndarray
    parts: dict = field(default_factory=dict)
    output: np.ndarray | None = None


@dataclass(frozen=True)
class ModelSummary:
    """Rows in forward order, the prior's ``log p_Z(z)`` ``(B,)`` and the data's ``H·W·C``."""

    rows: list
    log_prior: np.ndarray
    num_dims: int

    @property
    def total_log_det(self):
        """``(B,)``: Σ over rows of the log-dets (dequantization included)."""
        return sum(row.log_det for row in self.rows)

    @property
    def elbo(self):
        """``(B,)`` nats: ``log p_Z(z) + Σ log-dets``, the one-sample bound on ``log P(x)``."""
        return self.log_prior + self.total_log_det

    @property
    def bits_per_dim(self):
        """``(B,)``: ``−ELBO / (H·W·C · ln 2)``."""
        return bits_per_dim_from_nats(self.elbo, (self.num_dims,))

    def contributions(self, example: int = 0) -> dict:
        """Bits/dim per row and for the prior, ``−term / (H·W·C · ln 2)``: they add up to :attr:`bits_per_dim`."""
        scale = bits_per_dim_from_nats(1.0, (self.num_dims,))
        out = {row.name: float(row.log_det[example]) * scale for row in self.rows}
        out["prior log N(z; 0, I)"] = float(self.log_prior[example]) * scale
        return out

    def to_markdown(self, example: int = 0) -> str:
        """A Markdown table of the rows for one example, with the prior and the totals at the end."""
        lines = ["| layer | type | output shape | params | log-det (nats) | of which |",
                 "|---|---|---|---:|---:|---|"]
        for row in self.rows:
            parts = ", ".join(f"{k} {float(v[example]):+.1f}" for k, v in row.parts.items())
            lines.append(f"| {row.name} | {row.kind} | {'×'.join(map(str, row.shape))} | {row.params:,} | "
                         f"{float(row.log_det[example]):+.2f} | {parts} |")
        lines.append(f"| prior | log N(z; 0, I) | | | {float(self.log_prior[example]):+.2f} | |")
        lines.append(f"| **total** | ELBO = prior + Σ log-dets | | **{sum(r.params for r in self.rows):,}** | "
                     f"**{float(self.elbo[example]):+.2f}** | {float(self.bits_per_dim[example]):.3f} bits/dim |")
        return "\n".join(lines)

    def _repr_markdown_(self):
        return self.to_markdown()


def _run_steps(steps, z):
    """``[(output, [log-det (B,) of each part])]`` of each step in ``steps`` from ``z``; a squeeze has no parts."""
    outputs = []
    for step in steps:
        if isinstance(step.bijector, MainFlowLayer):
            z, parts = step.bijector.forward_parts(z)
        else:
            z, parts = step.bijector.forward(z), []
        outputs.append((z, parts))
    return outputs


def _bijective_steps(model: PACFlow, height: int, width: int) -> list:
    """``model.steps()`` after the dequantization (the map ``z0 → z``), in order."""
    return [step for scale in model.flow_steps(height, width) for step in scale]


@jit_once
def _run_flow(model: PACFlow, z0):
    return _run_steps(_bijective_steps(model, *z0.shape[-3:-1]), z0)


@functools.partial(jit_once, nodes=2)
def _run_layers(model: PACFlow, rngs, images, noise):
    terms = model.dequantization.forward_terms(images, rngs=rngs, noise=noise)
    outputs = _run_steps(_bijective_steps(model, *images.shape[-3:-1]), terms.z)
    return terms, outputs, standard_normal_log_prob(outputs[-1][0])


def _flow_rows(steps, outputs) -> list:
    rows = []
    for step, (z, parts) in zip(steps, outputs):
        parts = {name: np.asarray(v) for name, v in zip(MainFlowLayer.PARTS, parts)}
        log_det = sum(parts.values()) if parts else np.zeros(z.shape[0], np.asarray(z).dtype)
        rows.append(LayerRow(step.name, step.kind, tuple(z.shape[1:]), count_params(step.bijector), log_det, parts,
                             np.asarray(z)))
    return rows


def flow_summary(model: PACFlow, z0) -> list:
    """:class:`LayerRow` s of the bijective part ``z0 (B, H, W, P) → z`` (``model.flow_forward``), one
    per main-flow layer and squeeze; any H, W that are multiples of ``2**levels``. Their log-dets
    add up to ``flow_forward``'s. One compiled program (:func:`~pacviz.models.jit_once.jit_once`);
    dropout off."""
    if z0.ndim != 4 or z0.shape[-1] != model.dequantization.padded_channels:
        raise ValueError(f"z0 must have shape (batch, H, W, {model.dequantization.padded_channels}), got {z0.shape}")
    with evaluation_mode(model):
        return _flow_rows(_bijective_steps(model, *z0.shape[-3:-1]), _run_flow(model, z0))


@jit_once
def _flow_jacobian(model: PACFlow, z0):
    return jax.jacfwd(model.flow_forward, has_aux=True)(z0)


def flow_jacobian(model: PACFlow, z0):
    """``(jacobian (n, n), log_det (1,))``: the dense Jacobian ``dz/dz0`` of the bijective part
    (``model.flow_forward``) at one ``z0 (1, H, W, P)``, ``n = H·W·P``, and ``flow_forward``'s own
    log-det there, to check against ``slogdet`` (Eq. 1) on a small latent. Dropout off; one compiled
    program (:func:`~pacviz.models.jit_once.jit_once`); ``n`` forward-mode passes, so keep H, W small."""
    if z0.ndim != 4 or z0.shape[0] != 1 or z0.shape[-1] != model.dequantization.padded_channels:
        raise ValueError(f"z0 must have shape (1, H, W, {model.dequantization.padded_channels}), got {z0.shape}")
    with evaluation_mode(model):
        jacobian, log_det = _flow_jacobian(model, z0)
    return jacobian.reshape(z0.size, z0.size), log_det


def layer_summary(model: PACFlow, images, *, rngs: nnx.Rngs | None = None, noise=None) -> ModelSummary:
    """Run ``images`` (integers ``(B, H, W, C)``) through ``model`` one layer at a time, dropout off.

    ``noise`` ``(B, H, W, P)`` fixes the dequantization noise, else it is drawn from ``rngs`` (the
    same draw as ``model.elbo`` and ``pv.bits_per_dim`` make with an equal ``rngs``). One compiled
    program, built for compile speed (:func:`~pacviz.models.jit_once.jit_once`). An ActNorm that
    was never initialised initialises itself from this batch (as on any first call); a second call
    then compiles again.
    """
    model.check_images(images)
    if rngs is None and noise is None:
        raise ValueError("pass rngs= (to draw the dequantization noise) or noise=")
    with evaluation_mode(model):
        terms, outputs, log_prior = _run_layers(model, rngs, images, noise)
    steps = model.steps(*images.shape[-3:-1])
    first = LayerRow(steps[0].name, steps[0].kind, tuple(terms.z.shape[1:]),
                     count_params(model.dequantization), np.asarray(terms.log_det),
                     {"1/L scale": np.asarray(terms.log_det_scale), "logit": np.asarray(terms.log_det_logit),
                      "−log q": -np.asarray(terms.log_q)}, np.asarray(terms.z))
    return ModelSummary([first] + _flow_rows(steps[1:], outputs), np.asarray(log_prior), math.prod(model.image_shape))


# -- where the parameters are (works on abstract models too) ---------------------------------
PARAM_GROUPS = ("dequantization q(u|x)", "conditioners", "PAC / emerging filters W", "1×1 convs", "ActNorm",
                "other transformer parts")
_GROUPS = ((Conditioner, "conditioners"), (TriangularConv, "PAC / emerging filters W"),
           (InvertibleConv1x1, "1×1 convs"), (ActNorm, "ActNorm"))


def param_breakdown(model: PACFlow) -> dict:
    """Trainable scalars per group of :data:`PARAM_GROUPS` (all of them, in that order, zeros too):
    the whole dequantization flow ``q(u|x)``, then the main flow's conditioners, PAC / emerging
    filters ``W``, 1×1 convs, ActNorms and other transformer parts. The values add up to
    :func:`count_params` (a shared ``W`` counts once)."""
    owners = {tuple(path): module for path, module in nnx.iter_modules(model)}
    totals = dict.fromkeys(PARAM_GROUPS, 0)
    for path, leaf in nnx.to_flat_state(nnx.state(model, nnx.Param)):
        size = math.prod(leaf.get_value().shape)  # .shape: abstract models hold ShapeDtypeStructs
        if path[0] == "dequantization":
            group = "dequantization q(u|x)"
        else:
            group = "other transformer parts"
            for depth in range(len(path) - 1, 0, -1):
                module = owners.get(tuple(path[:depth]))
                kind = next((g for cls, g in _GROUPS if isinstance(module, cls)), None)
                if kind:
                    group = kind
                    break
        totals[group] += size
    return totals


def transformer_params_per_pixel(model: PACFlow) -> tuple[int, dict]:
    """``(C, {part: P})``: what the conditioner gives per pixel to each part of the first channel
    coupling's transformer, which transforms C channels (Table 1's "parameters per pixel")."""
    transformer = next(step.bijector.transformer for step in model.steps()
                       if isinstance(step.bijector, MainFlowLayer) and not step.bijector.checkerboard)
    parts = {}
    for part in transformer.parts:
        name = type(part).__name__
        if name == "Affine":
            name = f"Affine ({type(part.linear).__name__} + bias)"
        parts[name] = part.num_params
    return transformer.channels, parts


__all__ = ["PARAM_GROUPS", "LayerRow", "ModelSummary", "flow_summary", "layer_summary",
           "param_breakdown", "transformer_params_per_pixel"]
