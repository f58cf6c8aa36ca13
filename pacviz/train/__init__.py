"""pacviz.train: the paper's training recipe (Sec. 5.1), checkpoints, metrics, data parallelism."""

from .checkpoint import CheckpointError, Checkpoints, read_meta
from .compare_options import EQUAL_PARAM_OVERRIDES, CompareOptions, equal_param_overrides
from .comparison import PAPER_TABLE2, compare
from .comparison_results import load_comparison, rerun_options
from .config import TRAIN_PRESETS, TrainConfig, train_config
from .load import export_run, export_weights, load_pretrained, load_run, load_weights
from .run_evaluation import evaluate_run
from .initialization import data_dependent_init, mark_initialized
from .metrics import MetricsLog, read_metrics
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import image_grid, sample_run, save_grid
from .lock import WorkdirBusy
from ..models.evaluation import evaluate
from .trainer import TrainResult, TrainingDiverged, TrainingInterrupted, build_for, evaluation_key, train

__all__ = ["TRAIN_PRESETS", "CheckpointError", "Checkpoints", "MetricsLog", "TrainConfig", "TrainResult",
           "TrainingDiverged", "TrainingInterrupted", "WorkdirBusy", "build_for", "data_dependent_init", "evaluation_key", "export_weights", "load_pretrained", "load_run", "load_weights", "evaluate", "image_grid", "learning_rate_schedule",
           "make_optimizer", "mark_initialized", "read_meta", "read_metrics", "save_grid", "train", "train_config",
           "EQUAL_PARAM_OVERRIDES", "PAPER_TABLE2", "CompareOptions", "compare", "evaluate_run", "export_run", "sample_run", "equal_param_overrides", "load_comparison", "rerun_options", "table2_markdown",
           "table2_rows"]


def table2_rows(results: dict) -> list[dict]:
    """:func:`pacviz.viz.table2_table.table2_rows` (rendering lives in pacviz.viz, which may import
    training, not the other way round: imported on first use)."""
    from ..viz import table2_table

    return table2_table.table2_rows(results)


def table2_markdown(results: dict) -> str:
    """:func:`pacviz.viz.table2_table.table2_markdown`, imported on first use (see :func:`table2_rows`)."""
    from ..viz import table2_table

    return table2_table.table2_markdown(results)


# `pv.train` is the function `train` (pacviz/__init__.py binds it); it carries this package's public
# names and its modules, so `pv.train.TrainConfig`, `pv.train.load_run(...)` and
# `pacviz.train.trainer.train` read as before.
for _name, _value in list(globals().items()):
    if _name in __all__ or getattr(_value, "__name__", "") == f"{__name__}.{_name}":
        setattr(train, _name, _value)
del _name, _value
