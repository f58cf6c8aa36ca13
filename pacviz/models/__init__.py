"""pacviz.models: the conditioner, the full architecture and the paper's four models."""

from .abstract import abstract_model
from .build import build_model, count_params
from .conditioner import Conditioner, scanned_blocks
from .evaluation import Evaluation, evaluate
from .likelihood import bits_per_dim, bits_per_dim_from_nats, estimate_name, log_likelihood_estimate
from .config import BLOCKS_NOTE, MODEL_NAMES, PRESETS, ModelConfig, model_config
from .flow_step import FlowStep
from .pac_flow import PACFlow, evaluation_mode, standard_normal_log_prob
from .summary import (PARAM_GROUPS, LayerRow, ModelSummary, flow_jacobian, flow_summary, layer_summary,
                      param_breakdown, transformer_params_per_pixel)

__all__ = ["BLOCKS_NOTE", "MODEL_NAMES", "PRESETS", "Conditioner", "ModelConfig", "FlowStep", "PACFlow", "Evaluation", "bits_per_dim", "bits_per_dim_from_nats", "build_model", "evaluate", "estimate_name", "log_likelihood_estimate",
           "count_params", "evaluation_mode", "model_config", "standard_normal_log_prob",
           "abstract_model", "PARAM_GROUPS", "LayerRow", "ModelSummary", "flow_jacobian", "flow_summary", "layer_summary",
           "param_breakdown", "scanned_blocks", "transformer_params_per_pixel"]
