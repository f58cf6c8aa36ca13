"""``compare``: the paper's Table 2 in miniature — the four models trained on one budget, side by side.

The paper (Sec. 5.2, Table 2) trains RealNVP, Emerging Conv., PAC raster and PAC s-curve with the
same architecture, the same recipe and the same number of parameters (the linear layer's extra
weights are paid for with fewer logistic-mixture components), and reports test bits/dim,
``−log2 p(x) / D``. :func:`compare` does the same at a size a CPU can train: every model gets the
same data, step budget, batch, learning-rate schedule, stopping rule and seeds, and mixture counts
from :data:`EQUAL_PARAM_OVERRIDES` so the parameter counts match. Each model is trained once per
seed; the results give every run's test bits/dim (mean and per image, on the same test images),
the mean ± standard deviation per model and paired bootstrap intervals between models
(:mod:`pacviz.train.comparison_summary`). One JSON file (plus an .npz of the final sample grids)
records everything; :func:`load_comparison` reads it back.
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
from .comparison_summary import BOOTSTRAP, PAIRS, summarize
from .plateau import FRACTION, PlateauStop, plateau_rule
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
    """The key of the final test evaluation (:func:`pacviz.models.evaluation.evaluate`'s ``key``):
    the same for every model trained with ``seed``, so their per-image values pair up."""
    return jax.random.PRNGKey(seed + 1)


def compare(models=MODEL_NAMES, *, progress: bool = True, command: str | None = None, **options) -> dict:
    """Train each of ``models`` with each seed on the same budget at equal parameter counts; write
    and return the results.

    ``options``: the fields of :class:`CompareOptions` (``model_preset``, ``dataset``, ``data_root``,
    ``steps``, ``batch_size``, ``lr``, ``warmup_steps``, ``decay_steps``, ``final_lr``, ``seeds``,
    ``eval_images``, ``evals``, ``plateau``, ``min_evals``, ``num_samples``, ``workdir``, ``out``,
    ``jobs``), with its defaults.

    Budget (identical for every model and seed): up to ``steps`` AdaBelief steps of ``batch_size``
    images, peak ``lr`` after a linear warm-up over ``warmup_steps`` (default: the first fifth of
    the steps), cosine decay over ``decay_steps`` (default: the rest) to ``final_lr``, gradient clip 15, data-dependent init on 64 images. Seeds
    ``0..seeds-1``: each model is trained once per seed (initialisation, data order, noise).
    Architecture: ``model_preset`` plus :func:`equal_param_overrides`.

    Stopping rule (:mod:`pacviz.train.plateau`): the test curve is evaluated ``evals`` times in the
    budget (every ``steps // evals`` steps, on ``eval_images`` evenly spaced test images); a run
    stops at the first evaluation where its best test bits/dim improved by less than ``plateau``
    over the last fifth of the steps run so far (after at least ``min_evals`` evaluations), else
    after ``steps``. The learning-rate schedule is that of the full budget either way.

    Test bits/dim: the variational bound (one dequantization sample, the paper's training-time
    estimate) of the final model on the whole test split (``test_bpd``, and ``per_image_test_bpd``
    for every test image), with :func:`pacviz.models.evaluation.evaluate` and key
    :func:`eval_key` of the seed — the same images and noise for every model, so differences pair
    up: ``results["paired"]`` holds PAC s-curve − Emerging, PAC s-curve − RealNVP and PAC raster
    − PAC s-curve with a bootstrap 95 % interval (seeds and images resampled).

    ``out``: a folder; ``out/results.json`` is rewritten after every run, so an interrupted
    comparison keeps what finished (rerunning the same call skips runs already recorded with the
    same budget, and resumes a run's training from its checkpoints in ``workdir/<model>/seed<k>``);
    ``out/samples.npz`` holds each run's final ``num_samples`` samples, ``(N, H, W, C)`` uint8.

    ``jobs > 1`` trains up to that many runs at once, each in a process of its own (a function
    call in a spawned process, log in ``out/logs/<model>_seed<k>.log``); every run still sees
    exactly the same budget (its wall time includes the others' load).

    Returns the results dict (what :func:`load_comparison` returns for ``out``).
    """
    opts = CompareOptions(models=models, **options)
    test_set = load_dataset(opts.dataset, root=opts.data_root, split="test")
    opts = dataclasses.replace(opts, eval_images=min(opts.eval_images, len(test_set)))
    workdir = Path(opts.workdir)
    out = Path(opts.out) if opts.out is not None else workdir / "results"
    steps, (warmup, decay) = opts.steps, opts.schedule()
    every = max(1, steps // opts.evals)
    budget = dict(model_preset=opts.model_preset, dataset=opts.dataset, data_root=opts.data_root, steps=steps,
                  batch_size=opts.batch_size, lr=opts.lr, warmup_steps=warmup, decay_steps=decay, final_lr=opts.final_lr,
                  init_batch_size=64, seeds=list(range(opts.seeds)), eval_every=every,
                  eval_images=opts.eval_images, sample_every=steps, num_samples=opts.num_samples,
                  checkpoint_every=every, log_every=max(1, steps // 50),
                  stop=dict(plateau=opts.plateau, fraction=FRACTION, min_evals=opts.min_evals))
    command = command or dataclasses.replace(opts, workdir=str(workdir), out=str(out)).command()
    results = dict(format=FORMAT, command=command, budget=budget, estimate=estimate_name(1),
                   stopping_rule=plateau_rule(opts.plateau, opts.min_evals) if opts.plateau > 0 else
                   "none: every run trains the whole step budget",
                   test_eval=dict(split="test", batch_size=EVAL_BATCH,
                                  key="PRNGKey(seed + 1), fold_in(key, i) for the batch at image i "
                                  "(pacviz.models.evaluation.evaluate); the last batch padded by repeating images"),
                   paired_bootstrap=dict(BOOTSTRAP, pairs=[list(p) for p in PAIRS], difference="A - B per test image, "
                                         "same seed; resampled: seeds and images, with replacement"),
                   test_images=len(test_set), image_shape=list(test_set.image_shape),
                   num_levels=test_set.num_levels, backend=jax.default_backend(), device_count=jax.device_count(),
                   machine=platform.machine(), runs={m: {} for m in opts.models}, order=list(opts.models),
                   complete=False, paper_table2=PAPER_TABLE2)
    samples = {}
    began = time.perf_counter()
    done_runs, done_samples = previous_results(out, budget)
    todo = []  # seed by seed: parallel runs then compile different models, and later seeds load theirs from the cache
    for seed in budget["seeds"]:
        for name in opts.models:
            if (name, seed) in done_runs:
                results["runs"][name][str(seed)], samples[(name, seed)] = done_runs[name, seed], done_samples[name, seed]
                tqdm.write(f"compare: {name} seed {seed} already recorded in {out} with this budget; skipped")
            else:
                todo.append((name, seed))

    def finished(name, seed, record, grid):
        results["runs"][name][str(seed)], samples[(name, seed)] = record, grid
        write_results(out, summarize(results), samples)

    if opts.jobs > 1 and len(todo) > 1:
        run_parallel(todo, opts.jobs, out / "logs", finished, budget=budget, workdir=str(workdir))
    else:
        for name, seed in todo:
            finished(name, seed, *run_one(name, seed, budget, str(workdir), progress=progress))
    results.update(complete=True, jobs=opts.jobs, total_wall_time_s=time.perf_counter() - began)
    write_results(out, summarize(results), samples)
    return load_comparison(out)


def run_one(name: str, seed: int, budget: dict, workdir: str, progress: bool = False, log: str | None = None):
    """Train ``name`` with ``seed`` on ``budget`` in ``workdir/<name>/seed<seed>`` and evaluate it on
    the whole test split: ``(record, samples)``. ``log``: send this run's output to that file
    (how a parallel comparison's worker process runs it)."""
    if log is None:
        return _run_one(name, seed, budget, Path(workdir), progress)
    import contextlib

    from ..compilation_cache import use_compilation_cache

    use_compilation_cache()  # a spawned worker: seeds after the first load their programs from the cache
    with open(log, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        return _run_one(name, seed, budget, Path(workdir), False)


def run_parallel(tasks, jobs: int, logs: Path, finished, worker=run_one, **kwargs):
    """``worker(name, seed, log=logs/<name>_seed<seed>.log, **kwargs)`` for each ``(name, seed)`` of
    ``tasks``, ``jobs`` at a time, each in a process of its own (spawned: a forked JAX runtime is
    not safe); ``finished(name, seed, *result)`` is called in this process as each one ends. A
    failure cancels the runs not yet started and raises a RuntimeError naming the run's log."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    logs.mkdir(parents=True, exist_ok=True)
    log_of = {task: logs / f"{task[0]}_seed{task[1]}.log" for task in tasks}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(worker, *task, log=str(log_of[task]), **kwargs): task for task in tasks}
        tqdm.write(f"compare: {len(tasks)} runs, {jobs} at a time (logs: {logs}/<model>_seed<k>.log)")
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as err:
                for other in futures:
                    other.cancel()
                raise RuntimeError(f"training {task[0]} seed {task[1]} failed ({err}); see {log_of[task]}") from err
            finished(*task, *result)
            tqdm.write(f"compare: {task[0]} seed {task[1]} finished")


def _run_one(name, seed, budget, workdir, progress):
    test_set = load_dataset(budget["dataset"], root=budget.get("data_root"), split="test")
    overrides = equal_param_overrides(name, budget["model_preset"])
    train_options = {k: v for k, v in budget.items() if k not in ("seeds", "stop")}
    config = train_config("default", model=name, model_options=overrides, workdir=str(workdir / name / f"seed{seed}"),
                          seed=seed, **train_options)
    keep, stop = _KeepSamples(), budget["stop"]
    callbacks = [keep] + ([PlateauStop(stop["plateau"], stop["min_evals"], stop["fraction"])] if stop["plateau"] > 0
                          else [])
    start = time.perf_counter()
    result = train(config, callbacks=callbacks, progress=progress)
    trained = time.perf_counter()
    test = evaluate(result.model, test_set.images, key=eval_key(seed), batch_size=EVAL_BATCH)
    done = time.perf_counter()
    curve = list(result.history)
    tests = [r["test_bpd"] for r in curve if r.get("test_bpd") is not None]
    if keep.samples is None:  # stopped early, or resumed from a finished checkpoint: draw the final grid
        keep.samples = np.asarray(result.model.sample(config.num_samples, temperature=config.temperature,
                                                      rngs=nnx.Rngs(noise=sample_key(seed, result.step))))
    record = dict(seed=seed, num_params=count_params(result.model), overrides=overrides,
                  n_mixtures=result.model.config.n_mixtures, test_bpd=test.bits_per_dim, test_estimate=test.estimate,
                  test_split=test.split, test_images=test.num_images,
                  per_image_test_bpd=[round(float(v), 6) for v in test.per_image], steps=result.step,
                  stopped="plateau" if result.step < config.steps else "budget",
                  curve_best_test_bpd=min(tests) if tests else None,
                  curve_final_test_bpd=tests[-1] if tests else None, curve=curve,
                  train_time_s=trained - start, eval_time_s=done - trained, wall_time_s=done - start,
                  resumed_from=result.resumed_from, config=config.to_dict())
    tqdm.write(f"compare: {name} seed {seed}: {record['num_params']:,} parameters, {record['steps']} steps "
               f"({record['stopped']}), test bits/dim {test.describe()}, {record['wall_time_s'] / 60:.1f} min")
    return record, np.asarray(keep.samples).astype(np.uint8)
