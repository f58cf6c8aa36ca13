"""Model configurations: the paper's four models (Sec. 5.1, App. C.4) and smaller presets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..ops.masks import CHANNEL_MASKS, ORDER_KINDS

MODEL_NAMES = ("realnvp", "emerging", "pac_raster", "pac_s_curve")
LINEAR_KINDS = ("realnvp", "emerging", "pac")
PRESETS = ("paper", "paper_imagenet64", "small", "tiny")


@dataclass(frozen=True)
class ModelConfig:
    """Everything that fixes a model's architecture. Defaults are the paper's (Sec. 5.1, App. C.4).

    linear: the coupling transformer's linear layers: "realnvp" (elementwise scale), "emerging"
      (emerging conv. + elementwise scale) or "pac".
    order: autoregressive order of the emerging / PAC layers ("raster" or "s_curve").
    n_mixtures: logistic mixture components (16 / 10 / 5 equalise the parameter counts).
    padded_channels: channels after fused dequantization + padding (None: twice the image's).
    features, kernel_size: F and K of the PAC (16 and 5).
    channel_mask: "all_taps" (Eq. 9) or "center".
    share_weight: the transformer's two linear layers share their filter W (see :data:`BLOCKS_NOTE`).
    levels: scales; between two, a squeeze halves H and W and quadruples the channels.
    checkerboard, channel: couplings per scale (3 + 3).
    blocks: gated residual blocks per main-flow conditioner (see :data:`BLOCKS_NOTE`).
    hidden_channels, initial_channels, dropout: the conditioner's widths and dropout (64, 32, 0.2).
    dequant_layers, dequant_blocks: main-flow layers in q(u|x) and their conditioners' blocks (4, 6).
    feature_blocks, feature_channels: the network giving q its features of x (12 blocks, 3 channels).
    jacobi_max_iters: cap on weighted-Jacobi iterations when inverting (sampling).
    """

    linear: str = "pac"
    order: str = "s_curve"
    n_mixtures: int = 5
    padded_channels: int | None = None
    features: int = 16
    kernel_size: int = 5
    channel_mask: str = "all_taps"
    share_weight: bool = True
    levels: int = 2
    checkerboard: int = 3
    channel: int = 3
    blocks: int = 12
    hidden_channels: int = 64
    initial_channels: int = 32
    dropout: float = 0.2
    dequant_layers: int = 4
    dequant_blocks: int = 6
    feature_blocks: int = 12
    feature_channels: int = 3
    jacobi_max_iters: int = 200

    def __post_init__(self):
        if self.linear not in LINEAR_KINDS:
            raise ValueError(f"linear must be one of {LINEAR_KINDS}, got {self.linear!r}")
        if self.order not in ORDER_KINDS:
            raise ValueError(f"order must be one of {ORDER_KINDS}, got {self.order!r}")
        if self.channel_mask not in CHANNEL_MASKS:
            raise ValueError(f"channel_mask must be one of {CHANNEL_MASKS}, got {self.channel_mask!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a rate in [0, 1), got {self.dropout!r}")
        if self.levels < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"levels must be >= 1 and kernel_size odd; got {self.levels}, {self.kernel_size}")


BLOCKS_NOTE = """\
How the paper preset reaches 4.6 M parameters for every model (Sec. 5.1 vs App. C.4).

The text says the conditioners have 12 residual blocks; the App. C.4 outline uses 6 (main
flow), 3 (dequantization flow) and 6 (features of x). pacviz reads the text's 12 as the
outline's 6 doubled and doubles all three: 12, 6 and 12. The outline's PAC function fetches
its filter with get_parameter("W"), so the two linear layers of one transformer share W
(share_weight=True). With both, the four CIFAR-sized models have 4.6 M parameters each, within
2.3 % of one another, using the paper's 16 / 10 / 5 mixture components; with the outline's
block counts they would have about 2.6 M, and without sharing W the PAC and emerging models
would be 0.2 M larger than RealNVP."""

# The four models differ only in the linear layer, its order and the mixture count (Sec. 5.1).
_MODELS = {
    "realnvp": dict(linear="realnvp", n_mixtures=16),
    "emerging": dict(linear="emerging", order="raster", n_mixtures=10),
    "pac_raster": dict(linear="pac", order="raster", n_mixtures=5),
    "pac_s_curve": dict(linear="pac", order="s_curve", n_mixtures=5),
}

# Presets scale the architecture; model-specific mixture counts are scaled alongside.
_PRESETS = {
    "paper": {},
    # ImageNet 64×64 (5.2 M, Sec. 5.1): the paper does not say how it differs; pacviz adds one
    # channel coupling per scale (3 checkerboard + 4 channel), which lands on 5.2 M for all four.
    "paper_imagenet64": dict(channel=4),
    # CPU demos: same structure, far fewer blocks and channels.
    "small": dict(blocks=2, hidden_channels=32, initial_channels=16, checkerboard=2, channel=2,
                  dequant_layers=2, dequant_blocks=1, feature_blocks=1, features=8),
    # Tests: the smallest model that still has every part.
    "tiny": dict(blocks=1, hidden_channels=8, initial_channels=8, checkerboard=1, channel=1,
                 dequant_layers=1, dequant_blocks=1, feature_blocks=1, features=3, kernel_size=3,
                 dropout=0.0),
}
_TINY_MIXTURES = {"realnvp": 4, "emerging": 3, "pac_raster": 2, "pac_s_curve": 2}


def model_config(name: str, preset: str = "paper", **overrides) -> ModelConfig:
    """The configuration of model ``name`` (one of :data:`MODEL_NAMES`) at ``preset``, with overrides."""
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {MODEL_NAMES}")
    if preset not in _PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {PRESETS}")
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    unknown = set(overrides) - fields
    if unknown:
        raise ValueError(f"unknown model option(s) {sorted(unknown)}; valid: {sorted(fields)}")
    values = dict(_MODELS[name], **_PRESETS[preset])
    if preset == "tiny":
        values["n_mixtures"] = _TINY_MIXTURES[name]
    values.update(overrides)
    return ModelConfig(**values)
