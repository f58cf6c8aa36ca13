"""``compare``: the paper's Table 2 in miniature — the four models trained on one budget, side by side.

The paper (Sec. 5.2, Table 2) trains RealNVP, Emerging Conv., PAC raster and PAC s-curve with the
same architecture, the same recipe and the same number of parameters (the linear layer's extra
weights are paid for with fewer logistic-mixture components), and reports test bits/dim,
``−log2 p(x) / D``. :func:`compare` does the same at a size a CPU can train: every model gets the
same data, steps, batch, learning-rate schedule and seed, and mixture counts from
:data:`EQUAL_PARAM_OVERRIDES` so the parameter counts match. One JSON file (plus an .npz of the
final sample grids) records everything; :func:`load_comparison` reads it back.
"""

from __future__ import annotations

import json
import math
import platform
import shlex
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from tqdm.auto import tqdm

from ..data.load import load_dataset
from ..models.build import count_params
from ..models.config import MODEL_NAMES, PRESETS
from ..models.likelihood import estimate_name
from ..models.pac_flow import evaluation_mode
from .config import train_config
from .load import PRETRAINED_DIR
from .step import eval_step
from .trainer import train

FORMAT = "pacviz-comparison/1"
RESULTS_NAME = "results.json"
SAMPLES_NAME = "samples.npz"
DEFAULT_DIR = PRETRAINED_DIR / "comparison_photos"

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

# Table 2 of the paper: test bits/dim after 600 000 steps at 4.6 M (5.2 M) parameters.
PAPER_TABLE2 = {
    "CIFAR-10": {"realnvp": 3.412870, "emerging": 3.431914, "pac_raster": 3.336659, "pac_s_curve": 3.339258},
    "ImageNet 64x64": {"realnvp": 3.652563, "emerging": 3.625504, "pac_raster": 3.598069, "pac_s_curve": 3.590702},
    "ImageNet 32x32": {"realnvp": 3.935588, "emerging": 3.936859, "pac_raster": 3.888512, "pac_s_curve": 3.877298},
}


class _KeepSamples:
    """Training callback that keeps the last sample grid it is shown."""

    def __init__(self):
        self.samples = None

    def on_eval(self, record, samples):
        if samples is not None:
            self.samples = np.asarray(samples)


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


EVAL_BATCH = 64


def eval_key(seed: int):
    """The key of the final test evaluation; the batch starting at image ``i`` uses ``fold_in(key, i)``."""
    return jax.random.PRNGKey(seed + 1)


def mean_test_bpd(model, images, key, batch_size: int = EVAL_BATCH) -> float:
    """Mean variational-bound bits/dim of ``model`` over ``images (N, H, W, C)`` uint8.

    Every batch has ``batch_size`` images (the last is padded by repeating images, whose values are
    dropped), so one compiled evaluation serves any ``N``.
    """
    values = []
    with evaluation_mode(model):
        graphdef, state = nnx.split(model)
        for i in range(0, len(images), batch_size):
            chunk = np.asarray(images[i:i + batch_size])
            n = len(chunk)
            if n < batch_size:
                chunk = np.concatenate([chunk, np.resize(chunk, (batch_size - n,) + chunk.shape[1:])])
            out = np.asarray(eval_step(graphdef, state, jnp.asarray(chunk), jax.random.fold_in(key, i)))
            values.append(out[:n])
    return float(np.mean(np.concatenate(values)))


def compare_command(models, *, model_preset, dataset, steps, batch_size, lr, final_lr, seed, eval_images,
                    evals, workdir, out) -> str:
    """The ``pacviz compare`` command line that reproduces a :func:`compare` call."""
    parts = ["pacviz", "compare", "--models", ",".join(models), "--model-preset", model_preset,
             "--dataset", dataset, "--steps", str(steps), "--batch-size", str(batch_size), "--lr", repr(lr),
             "--final-lr", repr(final_lr), "--seed", str(seed), "--eval-images", str(eval_images),
             "--evals", str(evals), "--workdir", str(workdir), "--out", str(out)]
    return shlex.join(parts)


def compare(models=MODEL_NAMES, *, model_preset: str = "small", dataset: str = "photos", steps: int = 120,
            batch_size: int = 8, lr: float = 1e-3, final_lr: float = 1e-4, seed: int = 0,
            eval_images: int = 128, evals: int = 4, num_samples: int = 16, workdir="runs/compare", out=None,
            jobs: int = 1, progress: bool = True, command: str | None = None) -> dict:
    """Train each of ``models`` on the same budget at equal parameter counts; write and return the results.

    Budget (identical for every model): ``steps`` AdaBelief steps of ``batch_size`` images, peak
    ``lr`` after a linear warm-up over the first fifth of the steps, cosine decay to ``final_lr``
    over the rest, gradient clip 15, data-dependent init on 64 images, ``seed`` for everything.
    Architecture: ``model_preset`` plus :func:`equal_param_overrides`.

    Test bits/dim: the variational bound (one dequantization sample, the paper's training-time
    estimate) — ``evals`` times during training on ``eval_images`` evenly spaced test images (the
    curve), then once at the end on the whole test split (``test_bpd``, the table's number).

    ``out``: a folder; ``out/results.json`` is rewritten after every model, so an interrupted run
    keeps what finished (rerunning the same call skips models already recorded with the same
    budget, and resumes a model's training from its checkpoints in ``workdir/<model>``);
    ``out/samples.npz`` holds each model's final ``num_samples`` samples, ``(N, H, W, C)`` uint8.

    ``jobs > 1`` trains up to that many models at once, each in a process of its own (``pacviz
    compare --models NAME`` writing to ``out/parts/NAME``, log in ``out/parts/NAME.log``), then
    merges them; on a shared machine this keeps the comparison within a time slot, and every model
    still sees exactly the same budget (its wall time then includes the others' load).

    Returns the results dict (what :func:`load_comparison` returns for ``out``).
    """
    models = _check_models(models)
    if model_preset not in EQUAL_PARAM_OVERRIDES:
        raise ValueError(f"unknown model preset {model_preset!r}; choose one of {PRESETS}")
    if not isinstance(steps, int) or steps < 5:
        raise ValueError(f"steps must be an int >= 5 (a fifth of them warm up the learning rate), got {steps!r}")
    if not isinstance(evals, int) or not 1 <= evals <= steps:
        raise ValueError(f"evals must be an int in 1..steps, got {evals!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, got {jobs!r}")
    test_set = load_dataset(dataset, split="test")
    eval_images = min(eval_images, len(test_set))
    workdir = Path(workdir)
    out = Path(out) if out is not None else workdir / "comparison"
    warmup = max(1, steps // 5)
    budget = dict(model_preset=model_preset, dataset=dataset, steps=steps, batch_size=batch_size, lr=lr,
                  warmup_steps=warmup, decay_steps=steps - warmup, final_lr=final_lr, init_batch_size=64,
                  seed=seed, eval_every=max(1, steps // evals), eval_images=eval_images, sample_every=steps,
                  num_samples=num_samples, checkpoint_every=max(1, steps // evals), log_every=max(1, steps // 50))
    command = command or compare_command(models, model_preset=model_preset, dataset=dataset, steps=steps,
                                         batch_size=batch_size, lr=lr, final_lr=final_lr, seed=seed,
                                         eval_images=eval_images, evals=evals, workdir=workdir, out=out) \
        + (f" --jobs {jobs}" if jobs > 1 else "")
    results = dict(format=FORMAT, command=command, budget=budget, estimate=estimate_name(1),
                   test_eval=dict(batch_size=EVAL_BATCH, key="PRNGKey(seed + 1), fold_in(key, i) for the batch at "
                                  "image i; the last batch padded by repeating images"),
                   test_images=len(test_set), image_shape=list(test_set.image_shape),
                   num_levels=test_set.num_levels, backend=jax.default_backend(), device_count=jax.device_count(),
                   machine=platform.machine(), models={}, order=list(models), complete=False, paper_table2=PAPER_TABLE2)
    samples = {}
    began = time.perf_counter()
    previous = _previous(out, budget)
    todo = [m for m in models if m not in previous[0]]
    if jobs > 1:
        cli = ["--model-preset", model_preset, "--dataset", dataset, "--steps", str(steps), "--batch-size",
               str(batch_size), "--lr", repr(lr), "--final-lr", repr(final_lr), "--seed", str(seed),
               "--eval-images", str(eval_images), "--evals", str(evals), "--num-samples", str(num_samples),
               "--workdir", str(workdir)]
        _run_processes(todo, cli, out / "parts", jobs)
        for name in todo:
            part = load_comparison(out / "parts" / name)
            previous[0][name], previous[1][name] = part["models"][name], part["samples"][name]
    for name in models:
        if name in previous[0]:
            results["models"][name] = previous[0][name]
            samples[name] = previous[1][name]
            if name not in todo:
                tqdm.write(f"compare: {name} already recorded in {out} with this budget; skipped")
            continue
        results["models"][name], samples[name] = _run_one(name, budget, workdir / name, test_set, progress)
        _write(out, results, samples)
    results.update(complete=True, jobs=jobs, total_wall_time_s=time.perf_counter() - began)
    _write(out, results, samples)
    return load_comparison(out)


def _run_processes(models, cli: list[str], parts: Path, jobs: int):
    """Run ``pacviz compare --models NAME <cli> --out parts/NAME`` for each model, ``jobs`` at a time."""
    import subprocess
    import sys

    parts.mkdir(parents=True, exist_ok=True)
    pending, running = list(models), []
    while pending or running:
        while pending and len(running) < jobs:
            name = pending.pop(0)
            log = (parts / f"{name}.log").open("w")
            command = [sys.executable, "-m", "pacviz.cli", "compare", "--models", name, *cli,
                       "--out", str(parts / name), "--no-progress"]
            running.append((name, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log))
            tqdm.write(f"compare: started {name} (log: {parts / f'{name}.log'})")
        time.sleep(2)
        for entry in list(running):
            name, process, log = entry
            if process.poll() is None:
                continue
            log.close()
            running.remove(entry)
            if process.returncode != 0:
                for _, other, _ in running:
                    other.terminate()
                raise RuntimeError(f"training {name} failed (exit {process.returncode}); see {parts / f'{name}.log'}")
            tqdm.write(f"compare: {name} finished")


def _run_one(name, budget, workdir, test_set, progress):
    overrides = equal_param_overrides(name, budget["model_preset"])
    config = train_config("default", model=name, model_options=overrides, workdir=str(workdir),
                          **{k: v for k, v in budget.items()})
    keep = _KeepSamples()
    start = time.perf_counter()
    result = train(config, callbacks=[keep], progress=progress)
    trained = time.perf_counter()
    bpd = mean_test_bpd(result.model, test_set.images, eval_key(config.seed))
    done = time.perf_counter()
    curve = list(result.history)
    tests = [r["test_bpd"] for r in curve if r.get("test_bpd") is not None]
    if keep.samples is None:  # resumed from a finished checkpoint: draw the final grid again
        keep.samples = np.asarray(result.model.sample(config.num_samples, temperature=config.temperature,
                                                      rngs=nnx.Rngs(noise=jax.random.fold_in(
                                                          jax.random.PRNGKey(config.seed), config.steps))))
    record = dict(num_params=count_params(result.model), overrides=overrides,
                  n_mixtures=result.model.config.n_mixtures,
                  test_bpd=bpd, curve_best_test_bpd=min(tests) if tests else None,
                  curve_final_test_bpd=tests[-1] if tests else None, curve=curve,
                  train_time_s=trained - start, eval_time_s=done - trained, wall_time_s=done - start,
                  resumed_from=result.resumed_from, config=config.to_dict())
    tqdm.write(f"compare: {name}: {record['num_params']:,} parameters, test bits/dim {bpd:.4f} "
               f"({len(test_set)} test images), {record['wall_time_s'] / 60:.1f} min")
    return record, np.asarray(keep.samples).astype(np.uint8)


def _previous(out: Path, budget: dict):
    """Models already recorded in ``out`` with exactly ``budget`` (to resume an interrupted run)."""
    try:
        old = load_comparison(out)
    except (FileNotFoundError, ValueError):
        return {}, {}
    if old.get("budget") != budget:
        return {}, {}
    return ({m: r for m, r in old["models"].items() if m in old["samples"]},
            {m: old["samples"][m] for m in old["models"] if m in old["samples"]})


def _write(out: Path, results: dict, samples: dict):
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (RESULTS_NAME + ".tmp")
    tmp.write_text(json.dumps(_finite(results), indent=1))
    np.savez_compressed(out / SAMPLES_NAME, **{m: s for m, s in samples.items()})
    tmp.replace(out / RESULTS_NAME)


def _finite(value):
    """JSON has no NaN / inf: write them as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def load_comparison(path=None) -> dict:
    """The results of :func:`compare`: a dict with ``models[name]`` (num_params, overrides, test_bpd,
    curve, wall_time_s, config, ...), ``budget``, ``command``, ``paper_table2`` and ``samples[name]``
    ``(N, H, W, C)`` uint8. ``path``: the output folder (or its results.json); default: the
    comparison shipped with pacviz (``pacviz/pretrained/comparison_photos``)."""
    path = Path(path) if path is not None else DEFAULT_DIR
    folder = path.parent if path.suffix == ".json" else path
    results_file = path if path.suffix == ".json" else path / RESULTS_NAME
    if not results_file.exists():
        raise FileNotFoundError(f"no comparison results at {results_file}; run `pacviz compare --out {folder}` "
                                "(or pacviz.train.compare(out=...)) first")
    try:
        results = json.loads(results_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{results_file} is not valid JSON ({err}); the file is damaged — rerun pacviz compare") from err
    missing = [k for k in ("format", "budget", "models", "command") if not isinstance(results, dict) or k not in results]
    if missing or results.get("format") != FORMAT:
        raise ValueError(f"{results_file} is not a pacviz comparison (format {FORMAT!r}); missing or wrong: "
                         f"{missing or ['format']}")
    for name, record in results["models"].items():
        absent = [k for k in ("num_params", "overrides", "test_bpd", "curve", "wall_time_s", "config") if k not in record]
        if name not in MODEL_NAMES or absent:
            raise ValueError(f"{results_file}: the record of model {name!r} is damaged (missing {absent})")
    samples_file = folder / SAMPLES_NAME
    results["samples"] = {}
    if samples_file.exists():
        try:
            with np.load(samples_file) as saved:
                results["samples"] = {k: np.asarray(saved[k]) for k in saved.files}
        except (OSError, ValueError) as err:
            raise ValueError(f"{samples_file} is damaged ({err}); rerun pacviz compare") from err
    return results


MODEL_LABELS = {"realnvp": "RealNVP", "emerging": "Emerging Conv.", "pac_raster": "PAC raster",
                "pac_s_curve": "PAC s-curve"}


def table2_rows(results: dict) -> list[dict]:
    """One row per model of ``results``: label, parameters, our test bits/dim, rank, steps, wall time
    (min), and the paper's Table 2 numbers (CIFAR-10, ImageNet 32×32, ImageNet 64×64)."""
    ranked = sorted(results["models"], key=lambda m: results["models"][m]["test_bpd"])
    rows = []
    for name in results.get("order", list(results["models"])):
        if name not in results["models"]:
            continue
        record = results["models"][name]
        rows.append(dict(model=name, label=MODEL_LABELS[name], num_params=record["num_params"],
                         test_bpd=record["test_bpd"], rank=ranked.index(name) + 1,
                         steps=record["config"]["steps"], wall_min=record["wall_time_s"] / 60,
                         **{ds: PAPER_TABLE2[ds][name] for ds in PAPER_TABLE2}))
    return rows


def table2_markdown(results: dict) -> str:
    """:func:`table2_rows` as a Markdown table (ours next to the paper's), for ``IPython.display.Markdown``."""
    rows = table2_rows(results)
    budget = results["budget"]
    head = (f"| model | parameters | **ours**: {budget['dataset']}, {budget['steps']} steps (rank) | wall min | "
            + " | ".join(f"paper: {ds}" for ds in PAPER_TABLE2) + " |")
    lines = [head, "|" + "---|" * (4 + len(PAPER_TABLE2))]
    for r in rows:
        lines.append(f"| {r['label']} | {r['num_params']:,} | **{r['test_bpd']:.4f}** ({r['rank']}) | "
                     f"{r['wall_min']:.1f} | " + " | ".join(f"{r[ds]:.4f}" for ds in PAPER_TABLE2) + " |")
    return "\n".join(lines)
