"""pacviz.train: the paper's training recipe (Sec. 5.1), checkpoints, metrics, data parallelism."""

import sys as _sys
import types as _types

from .checkpoint import CheckpointError, Checkpoints, read_meta
from .compare_options import EQUAL_PARAM_OVERRIDES, CompareOptions, equal_param_overrides
from .comparison import PAPER_TABLE2, compare
from .comparison_results import load_comparison
from .config import TRAIN_PRESETS, TrainConfig, train_config
from .load import export_run, export_weights, load_pretrained, load_run, load_weights
from .run_evaluation import evaluate_run
from .initialization import data_dependent_init, mark_initialized
from .metrics import MetricsLog, read_metrics
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import image_grid, sample_run, save_grid
from .lock import WorkdirBusy
from ..models.evaluation import evaluate
from .trainer import TrainResult, TrainingDiverged, TrainingInterrupted, build_for, train

__all__ = ["TRAIN_PRESETS", "CheckpointError", "Checkpoints", "MetricsLog", "TrainConfig", "TrainResult",
           "TrainingDiverged", "TrainingInterrupted", "WorkdirBusy", "build_for", "data_dependent_init", "export_weights", "load_pretrained", "load_run", "load_weights", "evaluate", "image_grid", "learning_rate_schedule",
           "make_optimizer", "mark_initialized", "read_meta", "read_metrics", "save_grid", "train", "train_config",
           "EQUAL_PARAM_OVERRIDES", "PAPER_TABLE2", "CompareOptions", "compare", "evaluate_run", "export_run", "sample_run", "equal_param_overrides", "load_comparison", "table2_markdown",
           "table2_rows"]


def __getattr__(name):
    # Rendering lives in pacviz.viz (which may import training, not the other way round).
    if name in ("table2_markdown", "table2_rows"):
        from ..viz import table2_table

        return getattr(table2_table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(_types.ModuleType):
    """``pv.train(**options)`` calls :func:`train`; ``pv.train.TrainConfig`` etc. still work."""

    def __call__(self, *args, **kwargs):
        return train(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
