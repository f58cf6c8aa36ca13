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

import dataclasses
import platform
import time
from pathlib import Path

import jax
import numpy as np
from flax import nnx
from tqdm.auto import tqdm

from ..data.load import load_dataset
from ..models.build import count_params
from ..models.config import MODEL_NAMES
from ..models.evaluation import evaluate
from ..models.likelihood import estimate_name
from .config import train_config
from .compare_options import EQUAL_PARAM_OVERRIDES, CompareOptions, equal_param_overrides  # noqa: F401
from .comparison_results import FORMAT, load_comparison, previous_results, write_results
from .trainer import EVAL_BATCH, sample_key, train


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


def eval_key(seed: int):
    """The key of the final test evaluation (:func:`pacviz.models.evaluation.evaluate`'s ``key``)."""
    return jax.random.PRNGKey(seed + 1)


def compare(models=MODEL_NAMES, *, progress: bool = True, command: str | None = None, **options) -> dict:
    """Train each of ``models`` on the same budget at equal parameter counts; write and return the results.

    ``options``: the fields of :class:`CompareOptions` (``model_preset``, ``dataset``, ``steps``,
    ``batch_size``, ``lr``, ``final_lr``, ``seed``, ``eval_images``, ``evals``, ``num_samples``,
    ``workdir``, ``out``, ``jobs``), with its defaults.

    Budget (identical for every model): ``steps`` AdaBelief steps of ``batch_size`` images, peak
    ``lr`` after a linear warm-up over the first fifth of the steps, cosine decay to ``final_lr``
    over the rest, gradient clip 15, data-dependent init on 64 images, ``seed`` for everything.
    Architecture: ``model_preset`` plus :func:`equal_param_overrides`.

    Test bits/dim: the variational bound (one dequantization sample, the paper's training-time
    estimate) — ``evals`` times during training on ``eval_images`` evenly spaced test images (the
    curve), then once at the end on the whole test split (``test_bpd``, the table's number), both
    with :func:`pacviz.models.evaluation.evaluate`.

    ``out``: a folder; ``out/results.json`` is rewritten after every model, so an interrupted run
    keeps what finished (rerunning the same call skips models already recorded with the same
    budget, and resumes a model's training from its checkpoints in ``workdir/<model>``);
    ``out/samples.npz`` holds each model's final ``num_samples`` samples, ``(N, H, W, C)`` uint8.

    ``jobs > 1`` trains up to that many models at once, each in a process of its own (this function
    called for one model, writing to ``out/parts/NAME``, log in ``out/parts/NAME.log``), then merges
    them; every model still sees exactly the same budget (its wall time includes the others' load).

    Returns the results dict (what :func:`load_comparison` returns for ``out``).
    """
    opts = CompareOptions(models=models, **options)
    test_set = load_dataset(opts.dataset, split="test")
    opts = dataclasses.replace(opts, eval_images=min(opts.eval_images, len(test_set)))
    workdir = Path(opts.workdir)
    out = Path(opts.out) if opts.out is not None else workdir / "results"
    steps, warmup = opts.steps, max(1, opts.steps // 5)
    budget = dict(model_preset=opts.model_preset, dataset=opts.dataset, steps=steps, batch_size=opts.batch_size,
                  lr=opts.lr, warmup_steps=warmup, decay_steps=steps - warmup, final_lr=opts.final_lr,
                  init_batch_size=64, seed=opts.seed, eval_every=max(1, steps // opts.evals),
                  eval_images=opts.eval_images, sample_every=steps, num_samples=opts.num_samples,
                  checkpoint_every=max(1, steps // opts.evals), log_every=max(1, steps // 50))
    command = command or dataclasses.replace(opts, workdir=str(workdir), out=str(out)).command()
    results = dict(format=FORMAT, command=command, budget=budget, estimate=estimate_name(1),
                   test_eval=dict(batch_size=EVAL_BATCH, key="PRNGKey(seed + 1), fold_in(key, i) for the batch at "
                                  "image i (pacviz.models.evaluation.evaluate); the last batch padded by "
                                  "repeating images"),
                   test_images=len(test_set), image_shape=list(test_set.image_shape),
                   num_levels=test_set.num_levels, backend=jax.default_backend(), device_count=jax.device_count(),
                   machine=platform.machine(), models={}, order=list(opts.models), complete=False,
                   paper_table2=PAPER_TABLE2)
    samples = {}
    began = time.perf_counter()
    previous = previous_results(out, budget)
    todo = [m for m in opts.models if m not in previous[0]]
    if opts.jobs > 1 and len(todo) > 1:
        _run_parallel(todo, dataclasses.replace(opts, jobs=1, workdir=str(workdir)), out / "parts", opts.jobs)
        for name in todo:
            part = load_comparison(out / "parts" / name)
            previous[0][name], previous[1][name] = part["models"][name], part["samples"][name]
    for name in opts.models:
        if name in previous[0]:
            results["models"][name] = previous[0][name]
            samples[name] = previous[1][name]
            if name not in todo:
                tqdm.write(f"compare: {name} already recorded in {out} with this budget; skipped")
            continue
        results["models"][name], samples[name] = _run_one(name, budget, workdir / name, test_set, progress)
        write_results(out, results, samples)
    results.update(complete=True, jobs=opts.jobs, total_wall_time_s=time.perf_counter() - began)
    write_results(out, results, samples)
    return load_comparison(out)


def _one_part(name: str, options: dict, out: Path):
    """One model of a parallel comparison, in its own process: output to ``out/NAME.log``."""
    import contextlib

    with (out / f"{name}.log").open("w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        compare((name,), **dict(options, out=str(out / name)), progress=False)


def _run_parallel(models, opts: CompareOptions, parts: Path, jobs: int):
    """Run :func:`compare` for each model in a process of its own, ``jobs`` at a time (spawned: a
    forked JAX runtime is not safe)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    parts.mkdir(parents=True, exist_ok=True)
    options = {f.name: getattr(opts, f.name) for f in dataclasses.fields(opts) if f.name not in ("models", "out")}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_one_part, name, options, parts): name for name in models}
        tqdm.write(f"compare: training {', '.join(models)}, {jobs} at a time (logs: {parts}/NAME.log)")
        for future in as_completed(futures):
            name = futures[future]
            try:
                future.result()
            except Exception as err:
                for other in futures:
                    other.cancel()
                raise RuntimeError(f"training {name} failed ({err}); see {parts / f'{name}.log'}") from err
            tqdm.write(f"compare: {name} finished")


def _run_one(name, budget, workdir, test_set, progress):
    overrides = equal_param_overrides(name, budget["model_preset"])
    config = train_config("default", model=name, model_options=overrides, workdir=str(workdir),
                          **{k: v for k, v in budget.items()})
    keep = _KeepSamples()
    start = time.perf_counter()
    result = train(config, callbacks=[keep], progress=progress)
    trained = time.perf_counter()
    test = evaluate(result.model, test_set.images, key=eval_key(config.seed), batch_size=EVAL_BATCH)
    bpd = test.bits_per_dim
    done = time.perf_counter()
    curve = list(result.history)
    tests = [r["test_bpd"] for r in curve if r.get("test_bpd") is not None]
    if keep.samples is None:  # resumed from a finished checkpoint: draw the trainer's final grid again
        keep.samples = np.asarray(result.model.sample(config.num_samples, temperature=config.temperature,
                                                      rngs=nnx.Rngs(noise=sample_key(config.seed, config.steps))))
    record = dict(num_params=count_params(result.model), overrides=overrides,
                  n_mixtures=result.model.config.n_mixtures,
                  test_bpd=bpd, curve_best_test_bpd=min(tests) if tests else None,
                  curve_final_test_bpd=tests[-1] if tests else None, curve=curve,
                  train_time_s=trained - start, eval_time_s=done - trained, wall_time_s=done - start,
                  resumed_from=result.resumed_from, config=config.to_dict())
    tqdm.write(f"compare: {name}: {record['num_params']:,} parameters, test bits/dim {bpd:.4f} "
               f"({len(test_set)} test images), {record['wall_time_s'] / 60:.1f} min")
    return record, np.asarray(keep.samples).astype(np.uint8)


