"""What ``compare`` runs: the models at equal parameter counts, and its options, declared once
(:class:`CompareOptions`, read by the function, the ``pacviz compare`` parser and the recorded
command line)."""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field

from ..models.config import MODEL_NAMES, PRESETS

# Mixture components that give the four models (nearly) equal parameter counts at each preset
# (Sec. 5.1: "RealNVP and Emerging Conv. were given more mixture components"). Parameters grow by
# the same amount per component for all four, so one count per model lands each on PAC's size.
#   small (32×32×3): 335 193 / 339 333 / 339 095 / 339 095  (RealNVP 1.2 % below PAC)
#   tiny  (32×32×3):  50 686 /  51 901 /  51 388 /  51 388  (RealNVP 1.4 % below);  paper: the paper's own 16 / 10 / 5 (within 2.3 %).
EQUAL_PARAM_OVERRIDES = {
    "paper": {m: {} for m in MODEL_NAMES},
    "paper_imagenet64": {m: {} for m in MODEL_NAMES},
    "small": {"realnvp": {"n_mixtures": 21}, "emerging": {"n_mixtures": 6}, "pac_raster": {}, "pac_s_curve": {}},
    "tiny": {"realnvp": {"n_mixtures": 13}, "emerging": {"n_mixtures": 3}, "pac_raster": {}, "pac_s_curve": {}},
}

def _check_models(models) -> tuple[str, ...]:
    models = (models,) if isinstance(models, str) else tuple(models)
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        raise ValueError(f"unknown model name(s) {unknown}; choose from {MODEL_NAMES}")
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat, got {models}")
    return models


def equal_param_overrides(model: str, preset: str) -> dict:
    """The ModelConfig overrides (mixture components) that give ``model`` PAC's size at ``preset``."""
    _check_models(model)
    if preset not in EQUAL_PARAM_OVERRIDES:
        raise ValueError(f"unknown model preset {preset!r}; choose one of {PRESETS}")
    return dict(EQUAL_PARAM_OVERRIDES[preset][model])


@dataclass(frozen=True)
class CompareOptions:
    """Every option of ``pacviz compare`` / :func:`compare`, declared once: the parser, the function
    and the recorded command line all read these fields (``help`` in each field's metadata)."""

    models: tuple = field(default=MODEL_NAMES, metadata=dict(help="comma-separated model names"))
    model_preset: str = field(default="small", metadata=dict(help="architecture size: small, tiny, paper, "
                                                              "paper_imagenet64"))
    dataset: str = field(default="photos", metadata=dict(help="dataset name"))
    steps: int = field(default=120, metadata=dict(help="gradient steps per model"))
    batch_size: int = field(default=8, metadata=dict(help="images per step"))
    lr: float = field(default=1e-3, metadata=dict(help="peak learning rate (warm-up: first fifth of the steps)"))
    final_lr: float = field(default=1e-4, metadata=dict(help="lr at the end of the cosine decay"))
    seed: int = field(default=0, metadata=dict(help="random seed of every model"))
    eval_images: int = field(default=128, metadata=dict(help="test images per evaluation during training"))
    evals: int = field(default=4, metadata=dict(help="evaluations during training (the test curve)"))
    num_samples: int = field(default=16, metadata=dict(help="samples drawn from each model at the end"))
    workdir: str = field(default="runs/compare", metadata=dict(help="the runs' folders (workdir/<model>; "
                                                                   "resumable)"))
    out: str | None = field(default=None, metadata=dict(help="folder for results.json and samples.npz "
                                                             "(default: WORKDIR/results)"))
    jobs: int = field(default=1, metadata=dict(help="models trained at once, each in a process of its own"))

    def __post_init__(self):
        object.__setattr__(self, "models", _check_models(self.models))
        if self.model_preset not in EQUAL_PARAM_OVERRIDES:
            raise ValueError(f"unknown model preset {self.model_preset!r}; choose one of {PRESETS}")
        if not isinstance(self.steps, int) or self.steps < 5:
            raise ValueError(f"steps must be an int >= 5 (a fifth of them warm up the learning rate), got {self.steps!r}")
        if not isinstance(self.evals, int) or not 1 <= self.evals <= self.steps:
            raise ValueError(f"evals must be an int in 1..steps, got {self.evals!r}")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"jobs must be a positive int, got {self.jobs!r}")

    def command(self) -> str:
        """The ``pacviz compare`` command line that reproduces these options."""
        parts = ["pacviz", "compare"]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "jobs" and value == 1):
                continue
            text = ",".join(value) if f.name == "models" else repr(value) if isinstance(value, float) else str(value)
            parts += ["--" + f.name.replace("_", "-"), text]
        return shlex.join(parts)


def add_compare_arguments(parser):
    """Add :class:`CompareOptions` to an ``argparse`` parser, one ``--option`` per field."""
    for f in dataclasses.fields(CompareOptions):
        kind = {"int": int, "float": float}.get(str(f.type), str)
        default = ",".join(f.default) if f.name == "models" else f.default
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=default,
                            help=f.metadata["help"] + (f" (default: {default})" if default is not None else ""))


def options_from_args(args) -> CompareOptions:
    """The :class:`CompareOptions` of parsed ``pacviz compare`` arguments."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(CompareOptions)}
    values["models"] = tuple(m.strip() for m in values["models"].split(",") if m.strip())
    return CompareOptions(**values)


__all__ = ["EQUAL_PARAM_OVERRIDES", "CompareOptions", "add_compare_arguments", "equal_param_overrides",
           "options_from_args"]
