"""pacviz.train: the paper's training recipe (Sec. 5.1), checkpoints, metrics, data parallelism."""

from .checkpoint import CheckpointError, Checkpoints, read_meta
from .config import TRAIN_PRESETS, TrainConfig, train_config
from .initialization import data_dependent_init, mark_initialized
from .metrics import MetricsLog, read_metrics
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import image_grid, save_grid
from .trainer import TrainResult, TrainingDiverged, build_for, evaluate, train

__all__ = ["TRAIN_PRESETS", "CheckpointError", "Checkpoints", "MetricsLog", "TrainConfig", "TrainResult",
           "TrainingDiverged", "build_for", "data_dependent_init", "evaluate", "image_grid", "learning_rate_schedule",
           "make_optimizer", "mark_initialized", "read_meta", "read_metrics", "save_grid", "train", "train_config"]
