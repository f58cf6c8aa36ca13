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
    data_root: str | None = field(default=None, metadata=dict(help="folder holding the dataset's files (cifar10, "
                                                                   "imagenet32/64; the embedded sets need none)"))
    steps: int = field(default=120, metadata=dict(help="gradient steps per model"))
    batch_size: int = field(default=8, metadata=dict(help="images per step"))
    lr: float = field(default=1e-3, metadata=dict(help="peak learning rate"))
    warmup_steps: int | None = field(default=None, metadata=dict(help="linear warm-up steps (default: a fifth of "
                                                                      "STEPS; the paper: 2000)"))
    decay_steps: int | None = field(default=None, metadata=dict(help="cosine decay steps after the warm-up (default: "
                                                                     "the rest of STEPS; the paper: 100000)"))
    final_lr: float = field(default=1e-4, metadata=dict(help="lr at the end of the cosine decay"))
    seeds: int = field(default=3, metadata=dict(help="seeds per model: each model is trained once with each of seeds "
                                                     "0..SEEDS-1 (initialisation, data order, noise)"))
    eval_images: int = field(default=128, metadata=dict(help="test images per evaluation during training"))
    evals: int = field(default=20, metadata=dict(help="evaluations in the step budget, every STEPS/EVALS steps (the "
                                                      "test curve the stopping rule reads)"))
    plateau: float = field(default=0.01, metadata=dict(help="stopping rule: a run stops at the first evaluation where "
                                                            "its best test bits/dim improved by less than this over "
                                                            "the last fifth of the steps run so far (best of all "
                                                            "evaluations > best of those before that fifth - PLATEAU; "
                                                            "0: train every step of the budget)"))
    min_evals: int = field(default=5, metadata=dict(help="evaluations before the stopping rule may stop a run"))
    num_samples: int = field(default=16, metadata=dict(help="samples drawn from each model at the end"))
    workdir: str = field(default="runs/compare", metadata=dict(help="the runs' folders (WORKDIR/<model>/seed<k>; "
                                                                   "resumable)"))
    out: str | None = field(default=None, metadata=dict(help="folder for results.json and samples.npz "
                                                             "(default: WORKDIR/results)"))
    jobs: int = field(default=1, metadata=dict(help="runs (model × seed) trained at once, each in a process of its "
                                                    "own"))

    def __post_init__(self):
        object.__setattr__(self, "models", _check_models(self.models))
        if self.model_preset not in EQUAL_PARAM_OVERRIDES:
            raise ValueError(f"unknown model preset {self.model_preset!r}; choose one of {PRESETS}")
        if not isinstance(self.steps, int) or self.steps < 5:
            raise ValueError(f"steps must be an int >= 5 (a fifth of them warm up the learning rate), got {self.steps!r}")
        if not isinstance(self.evals, int) or not 1 <= self.evals <= self.steps:
            raise ValueError(f"evals must be an int in 1..steps ({self.steps}), got {self.evals!r}; pass --evals")
        if not isinstance(self.seeds, int) or self.seeds < 1:
            raise ValueError(f"seeds must be a positive int (seeds 0..seeds-1 are run), got {self.seeds!r}")
        if isinstance(self.plateau, bool) or not isinstance(self.plateau, (int, float)) or not self.plateau >= 0:
            raise ValueError(f"plateau must be a number of bits/dim >= 0 (0 turns the stopping rule off), "
                             f"got {self.plateau!r}")
        if not isinstance(self.min_evals, int) or self.min_evals < 2:
            raise ValueError(f"min_evals must be an int >= 2, got {self.min_evals!r}")
        if self.plateau > 0 and self.min_evals > self.evals:
            raise ValueError(f"min_evals ({self.min_evals}) must be at most evals ({self.evals}), or the stopping rule "
                             "can never stop a run; raise --evals or pass --plateau 0")
        for name in ("warmup_steps", "decay_steps"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < (0 if name == "warmup_steps" else 1)):
                raise ValueError(f"{name} must be a positive int (or None for the default), got {value!r}")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"jobs must be a positive int, got {self.jobs!r}")

    def schedule(self) -> tuple[int, int]:
        """(warm-up, decay) steps: as given, else a fifth of the steps and the rest."""
        warmup = max(1, self.steps // 5) if self.warmup_steps is None else self.warmup_steps
        return warmup, max(1, self.steps - warmup) if self.decay_steps is None else self.decay_steps

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
        kind = {"int": int, "float": float}.get(str(f.type).removesuffix(" | None"), str)
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
