"""One named step of a PAC flow's forward pass, as ``PACFlow.steps()`` lists them (Sec. 5.1, App. C.4)."""

from __future__ import annotations

from typing import Any, NamedTuple


class FlowStep(NamedTuple):
    """A step of the forward (data → latent) pass.

    name: the step's stable name: ``"dequantization"``, the module path of a main-flow layer
      (``"scales/0/layers/2"``) or ``"squeeze s"`` before scale s.
    label: a readable name, e.g. ``"scale 0 · checkerboard coupling 1"``.
    kind: what it is, e.g. ``"channel coupling (PACLinear)"``, ``"squeeze 2×2"``.
    bijector: the module that runs it (``forward_and_log_det``); the dequantization's is
      ``FusedDequantizationPadding`` (integer images in, ``z0`` out).
    scale: the scale it belongs to (the squeeze before scale s belongs to s; dequantization: 0).
    input_shape, output_shape: one example's ``(H, W, C)`` before and after it.
    """

    name: str
    label: str
    kind: str
    bijector: Any
    scale: int
    input_shape: tuple
    output_shape: tuple


__all__ = ["FlowStep"]
