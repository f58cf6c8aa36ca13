"""pacviz.flows: invertible layers (Flax NNX) built on pacviz.ops; the protocol is in :mod:`.base`."""

from .act_norm import ActNorm
from .affine import Affine
from .base import Bijector, ConditionedBijector
from .bisection import bisect
from .chain import Chain
from .conditioned_chain import ConditionedChain
from .coupling import Coupling
from .elementwise_scale import ElementwiseScale
from .fused_dequantization_padding import DequantizationTerms, FusedDequantizationPadding
from .invert import Invert
from .invertible_conv1x1 import InvertibleConv1x1
from .logistic_mixture_logit import LogisticMixtureLogit
from .main_flow_layer import MainFlowLayer
from .pac_linear import EmergingLinear, JacobiStats, PACLinear, TriangularConv
from .s_log_gate import SLogGate
from .splits import SPLITS, channel_merge, channel_split, checkerboard_merge, checkerboard_split
from .squeeze import Squeeze, squeeze, unsqueeze
from .transformer import Transformer

__all__ = [
    "ActNorm",
    "Affine",
    "Bijector",
    "Chain",
    "ConditionedBijector",
    "ConditionedChain",
    "Coupling",
    "DequantizationTerms",
    "ElementwiseScale",
    "EmergingLinear",
    "FusedDequantizationPadding",
    "Invert",
    "InvertibleConv1x1",
    "JacobiStats",
    "LogisticMixtureLogit",
    "MainFlowLayer",
    "PACLinear",
    "SLogGate",
    "SPLITS",
    "Squeeze",
    "Transformer",
    "TriangularConv",
    "bisect",
    "channel_merge",
    "channel_split",
    "checkerboard_merge",
    "checkerboard_split",
    "squeeze",
    "unsqueeze",
]
