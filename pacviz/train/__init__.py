"""pacviz.train: the paper's training recipe (Sec. 5.1), checkpoints, metrics, data parallelism."""

import sys as _sys
import types as _types

from .checkpoint import CheckpointError, Checkpoints, read_meta
from .comparison import EQUAL_PARAM_OVERRIDES, PAPER_TABLE2, compare, equal_param_overrides, load_comparison, table2_markdown, table2_rows
from .config import TRAIN_PRESETS, TrainConfig, train_config
from .load import export_weights, load_pretrained, load_run, load_weights
from .initialization import data_dependent_init, mark_initialized
from .metrics import MetricsLog, read_metrics
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import image_grid, save_grid
from .trainer import TrainResult, TrainingDiverged, build_for, evaluate, train

__all__ = ["TRAIN_PRESETS", "CheckpointError", "Checkpoints", "MetricsLog", "TrainConfig", "TrainResult",
           "TrainingDiverged", "build_for", "data_dependent_init", "export_weights", "load_pretrained", "load_run", "load_weights", "evaluate", "image_grid", "learning_rate_schedule",
           "make_optimizer", "mark_initialized", "read_meta", "read_metrics", "save_grid", "train", "train_config",
           "EQUAL_PARAM_OVERRIDES", "PAPER_TABLE2", "compare", "equal_param_overrides", "load_comparison", "table2_markdown",
           "table2_rows"]


class _CallableModule(_types.ModuleType):
    """``pv.train(**options)`` calls :func:`train`; ``pv.train.TrainConfig`` etc. still work."""

    def __call__(self, *args, **kwargs):
        return train(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
