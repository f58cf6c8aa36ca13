"""Training options (Sec. 5.1's recipe by default) and named presets."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from ..data.dataset import DATASETS
from ..ops._checks import check_int
from ..models.config import MODEL_NAMES, PRESETS as MODEL_PRESETS


def _flag(name: str) -> str:
    return f"{name} (--{name.replace('_', '-')})"


def _check_number(name: str, value, allow_zero: bool):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{_flag(name)} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{_flag(name)} must be finite and {'>= 0' if allow_zero else '> 0'}, got {value}")


@dataclass(frozen=True)
class TrainConfig:
    """Every option of ``pacviz train`` / ``pv.train``. Defaults: the paper's recipe (Sec. 5.1).

    model: one of MODEL_NAMES. model_preset: architecture size ("paper", "small", "tiny", ...).
    model_options: extra ModelConfig fields, e.g. {"blocks": 6}.
    dataset, data_root: a pacviz.data name and, for CIFAR-10 / ImageNet, the folder with its files.
    steps, batch_size: gradient steps and images per step (600 000 and 8).
    lr, warmup_steps, decay_steps, final_lr: AdaBelief's learning rate 1e-3, a linear warm-up over
      2 000 steps, then a cosine decay over 100 000 steps to 1e-4 (held there afterwards).
    clip_norm: global gradient-norm clipping (15).
    init_batch_size: images for the data-dependent initialisation (128).
    eval_every, eval_images: test-set bits/dim every this many steps, on this many test images.
    sample_every, num_samples, temperature: sample grids (PNG) every this many steps.
    checkpoint_every, keep_checkpoints: save every this many steps; keep the last N (+ the best).
    log_every: write a metrics line every this many steps.
    max_nonfinite: stop after this many consecutive non-finite losses (each such step is skipped).
    workdir: where metrics.jsonl, samples/ and checkpoints/ go; a run there resumes by itself.
    seed: model initialisation, data order, dequantization noise and dropout.
    devices: data-parallel over this many local devices (None: all).
    """

    model: str = "pac_s_curve"
    model_preset: str = "paper"
    model_options: dict = field(default_factory=dict)
    dataset: str = "cifar10"
    data_root: str | None = None
    steps: int = 600_000
    batch_size: int = 8
    lr: float = 1e-3
    warmup_steps: int = 2_000
    decay_steps: int = 100_000
    final_lr: float = 1e-4
    clip_norm: float = 15.0
    init_batch_size: int = 128
    eval_every: int = 5_000
    eval_images: int = 1_000
    sample_every: int = 5_000
    num_samples: int = 16
    temperature: float = 1.0
    checkpoint_every: int = 5_000
    keep_checkpoints: int = 3
    log_every: int = 100
    max_nonfinite: int = 20
    workdir: str = "runs/pac_s_curve"
    seed: int = 0
    devices: int | None = None

    def __post_init__(self):
        if self.model not in MODEL_NAMES:
            raise ValueError(f"unknown model {self.model!r}; choose one of {MODEL_NAMES}")
        if self.model_preset not in MODEL_PRESETS:
            raise ValueError(f"unknown model preset {self.model_preset!r}; choose one of {MODEL_PRESETS}")
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose one of {DATASETS}")
        for name in ("steps", "batch_size", "init_batch_size", "eval_every", "eval_images", "sample_every",
                     "num_samples", "checkpoint_every", "keep_checkpoints", "log_every", "max_nonfinite",
                     "warmup_steps", "decay_steps", "seed"):
            check_int(_flag(name), getattr(self, name), 0 if name in ("steps", "warmup_steps", "decay_steps", "seed") else 1)
        if self.devices is not None:
            check_int(_flag("devices"), self.devices, 1)
        for name in ("lr", "final_lr", "clip_norm", "temperature"):
            _check_number(name, getattr(self, name), allow_zero=name == "final_lr")
        if not isinstance(self.model_options, dict):
            raise TypeError(f"model_options must be a dict such as {{'blocks': 6}}, got {self.model_options!r}")

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# "paper" is Sec. 5.1 exactly; "default" is what `pacviz train` runs with no options (a small PAC
# model on the embedded photos, minutes on a laptop CPU); "quick" and "tiny" are smoke runs.
TRAIN_PRESETS = {
    "paper": dict(),
    "default": dict(model_preset="small", dataset="photos", steps=250, warmup_steps=50, decay_steps=200,
                    batch_size=8, init_batch_size=64, eval_every=125, eval_images=128, sample_every=250,
                    checkpoint_every=125, log_every=10, workdir="runs/default"),
    "quick": dict(model_preset="tiny", dataset="photos", steps=60, warmup_steps=10, decay_steps=50,
                  batch_size=8, init_batch_size=16, eval_every=30, eval_images=32, sample_every=60,
                  num_samples=8, checkpoint_every=30, log_every=5, workdir="runs/quick"),
    "tiny": dict(model_preset="tiny", dataset="digits", steps=20, warmup_steps=5, decay_steps=15,
                 batch_size=8, init_batch_size=16, eval_every=10, eval_images=32, sample_every=20,
                 num_samples=4, checkpoint_every=10, log_every=5, workdir="runs/tiny"),
}


def train_config(preset: str = "default", **options) -> TrainConfig:
    """The :class:`TrainConfig` of ``preset`` (see :data:`TRAIN_PRESETS`) with ``options`` on top."""
    if preset not in TRAIN_PRESETS:
        raise ValueError(f"unknown training preset {preset!r}; choose one of {tuple(TRAIN_PRESETS)}")
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ValueError(f"unknown training option(s) {unknown}; valid: {sorted(fields)}")
    values = dict(TRAIN_PRESETS[preset])
    values.update({k: v for k, v in options.items() if v is not None})
    if "workdir" not in options and "model" in options and preset != "default":
        values["workdir"] = f"runs/{options['model']}"
    return TrainConfig(**values)
