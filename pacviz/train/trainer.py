"""``train``: the paper's recipe (Sec. 5.1) as one function, from a notebook cell or ``pacviz train``."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from tqdm.auto import tqdm

from ..compilation_cache import use_compilation_cache
from ..data.batching import BatchIterator, evaluation_images
from ..data.load import load_dataset
from ..models.build import build_model, count_params
from ..models.evaluation import evaluate
from .checkpoint import Checkpoints
from .config import TrainConfig, train_config
from .initialization import data_dependent_init
from .interrupt import DeferredInterrupt
from .lock import prepare_workdir, workdir_lock
from .metrics import MetricsLog
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import save_grid
from .sharding import check_batch_size, data_mesh, process_slice, replicate, shard_batch
from .step import TrainStep
from .step_window import StepWindow


class TrainingDiverged(RuntimeError):
    """Too many consecutive non-finite steps, or a model whose test bits/dim is not finite; the last
    good checkpoint is kept."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train`; the current step was checkpointed (if its model is finite)."""


def _first_step_returned(bar, metrics, description: str):
    """Wait for the first (compiling) step, then restart the bar's clock so its ETA leaves the compile out."""
    jax.block_until_ready(metrics["loss"])
    if not bar.disable:
        bar.set_description(description, refresh=False)
        bar.initial, bar.start_t = bar.n + 1, time.time()  # +1: the bar's update for this step follows


def _save_on_interrupt(checkpoints, merged, done: int, last_saved: int | None, meta: dict) -> int | None:
    """Checkpoint step ``done`` on Ctrl-C (if its model is finite); the step now saved last."""
    if done <= (last_saved or 0):
        return last_saved
    try:
        m, opt = merged()
        return done if checkpoints.save(done, m, opt, meta) else last_saved
    except Exception:  # a second Ctrl-C inside a step can leave its donated state unreadable
        return last_saved


def _diverged(what: str, last_saved: int | None, workdir: Path) -> str:
    where = (f"The last good checkpoint is step {last_saved} in {workdir / 'checkpoints'} (the best one is kept in "
             "checkpoints/best); resuming continues from it" if last_saved else
             "No checkpoint of this run was written (none held a finite model)")
    return (f"training diverged: {what}. {where}. Lower --lr or --final-lr (or raise --max-nonfinite for a "
            "few unlucky batches), or train again in a new --workdir.")


@dataclass
class TrainResult:
    """What :func:`train` returns: the metrics history, the trained model and where files went."""

    config: TrainConfig
    model: nnx.Module
    history: list = field(default_factory=list)
    workdir: Path | None = None
    resumed_from: int | None = None
    step: int | None = None

    @property
    def test_bpd(self):
        """The test bits/dim (variational bound) of the returned model (evaluated after its last
        step), or None if that model was not evaluated; never an earlier model's score."""
        values = [r["test_bpd"] for r in self.history if r.get("step") == self.step and r.get("test_bpd") is not None]
        return values[-1] if values else None


def _keys(seed: int):
    base = jax.random.PRNGKey(seed)
    return {name: jax.random.fold_in(base, i) for i, name in enumerate(("params", "init", "noise", "dropout",
                                                                          "eval", "sample"))}


def build_for(config: TrainConfig, dataset):
    """The model a run of ``config`` trains, for images of ``dataset``."""
    keys = _keys(config.seed)
    return build_model(config.model, dataset.image_shape, preset=config.model_preset,
                       num_levels=dataset.num_levels, rngs=nnx.Rngs(params=keys["params"], dropout=keys["dropout"]),
                       **config.model_options)


def _asked_to_stop(callbacks, history: list) -> bool:
    return any(getattr(cb, "should_stop", lambda h: False)(history) for cb in callbacks)


def _same_run(saved: dict, config: TrainConfig) -> list[str]:
    keys = ("model", "model_preset", "model_options", "dataset", "seed", "batch_size")
    return [k for k in keys if k in saved and saved[k] != getattr(config, k)]


EVAL_BATCH = 64


def evaluation_key(seed: int, step: int):
    """The key of the test evaluation after ``step`` steps of a run with ``seed`` (``pacviz eval``
    uses it too, so it reproduces the run's ``test_bpd``)."""
    return jax.random.fold_in(_keys(seed)["eval"], step)


def sample_key(seed: int, step: int):
    """The key of the sample grid drawn after ``step`` steps of a run with ``seed``."""
    return jax.random.fold_in(_keys(seed)["sample"], step)


def train(config: TrainConfig | None = None, *, preset: str = "default", callbacks=(), progress: bool = True,
          **options) -> TrainResult:
    """Train a PAC-flow model; resumes by itself from ``workdir``'s checkpoints.

    ``train(preset="default", steps=..., model=..., ...)`` takes the options of ``pacviz train``
    (:class:`TrainConfig`); ``preset`` is one of ``TRAIN_PRESETS`` ("paper" is Sec. 5.1 exactly).
    ``callbacks``: objects with optional ``on_log(record)``, ``on_eval(record, samples)``,
    ``on_end(result)`` and ``should_stop(history)`` methods (the notebook's live plot is one).
    ``should_stop`` is asked after every test evaluation with the metrics records so far (a
    resumed run's earlier ones included); True checkpoints that step and ends the run there
    (``result.step`` says where), as does a resumed run whose history already says stop.

    Writes ``workdir/metrics.jsonl``, ``workdir/samples/step_*.png`` and
    ``workdir/checkpoints/{last,best}``. A step whose loss, gradient or new parameters are not
    finite is rolled back and counted; ``max_nonfinite`` in a row, or a non-finite test bits/dim,
    raise :class:`TrainingDiverged`. Checkpoints hold only finite models, ``best`` only a finite
    better score. One run per workdir (:class:`WorkdirBusy` otherwise); a damaged newest
    checkpoint is moved aside and the run resumes from the newest intact one. Ctrl-C stops after
    the current step, checkpoints it and raises :class:`TrainingInterrupted`.
    """
    config = config if config is not None else train_config(preset, **options)
    use_compilation_cache()  # a resumed run or a new kernel loads the step instead of compiling it again
    mesh = data_mesh(config.devices)
    check_batch_size(config.batch_size, mesh)  # before the workdir is created or locked
    workdir = prepare_workdir(config.workdir)
    with workdir_lock(workdir) as stale:
        if stale:
            tqdm.write(f"Took over the lock of {workdir} from PID {stale}, which no longer runs.")
        return _train(config, workdir, mesh, callbacks, progress)


def _train(config: TrainConfig, workdir: Path, mesh, callbacks, progress: bool) -> TrainResult:
    keys = _keys(config.seed)
    train_set = load_dataset(config.dataset, root=config.data_root, split="train")
    test_set = load_dataset(config.dataset, root=config.data_root, split="test")
    test_images = evaluation_images(test_set, min(config.eval_images, len(test_set)))

    model = build_for(config, train_set)
    optimizer = nnx.Optimizer(model, make_optimizer(config), wrt=nnx.Param)
    checkpoints = Checkpoints(workdir / "checkpoints", keep=config.keep_checkpoints)
    meta, skipped = checkpoints.restore_intact(model, optimizer)
    for note in skipped:
        tqdm.write(f"Skipped a damaged checkpoint: {note}")
    start = meta["step"] if meta else 0
    resumed_from = None
    if start:
        mismatched = _same_run(meta.get("config", {}), config)
        if mismatched:
            raise ValueError(f"{workdir} holds a run with different {', '.join(mismatched)}; use a new --workdir "
                             "or the same options to resume it (nothing was changed)")
        resumed_from = start
        tqdm.write(f"Resuming from step {start} in {workdir} (checkpoint found).")
    else:
        rng = np.random.default_rng(config.seed)
        init_images = train_set.images[np.sort(rng.choice(len(train_set), config.init_batch_size, replace=False))]
        data_dependent_init(model, jnp.asarray(init_images), keys["init"])
    model.train()
    log = MetricsLog(workdir / "metrics.jsonl", resume_step=start)
    meta = dict(config=config.to_dict(), num_params=count_params(model), image_shape=list(train_set.image_shape),
                num_levels=train_set.num_levels)

    graphdef, state = nnx.split((model, optimizer))
    train_step = TrainStep(graphdef, state)
    leaves = train_step.leaves(replicate(state, mesh))
    schedule = learning_rate_schedule(config)
    batches = BatchIterator(train_set, config.batch_size, seed=config.seed)
    window = StepWindow()
    tic, tic_step = time.perf_counter(), start
    if start >= config.steps:
        tqdm.write(f"{workdir} already holds the whole run ({start} of {config.steps} steps): nothing to train. "
                   "Pass a larger --steps to continue it, or a new --workdir.")
    # smoothing=0: the ETA is the mean rate since the first step returned (the compile excluded).
    bar = tqdm(total=config.steps, initial=start, desc=f"train {config.model} (compiling…)", disable=not progress,
               unit="step", dynamic_ncols=True, smoothing=0)
    last_eval, last_saved, done = None, start or None, start
    stopped = bool(start) and _asked_to_stop(callbacks, log.records)
    if stopped:
        tqdm.write(f"{workdir}: its run stopped at step {start} (a callback's stopping rule); nothing to train.")

    def merged():
        m, opt = nnx.merge(graphdef, train_step.state(leaves))
        return m, opt

    def eval_and_sample(step):
        m, _ = merged()
        test = evaluate(m, test_images, key=evaluation_key(config.seed, step), batch_size=EVAL_BATCH)
        samples = None
        if step % config.sample_every == 0 or step == config.steps:
            samples = np.asarray(m.sample(config.num_samples, temperature=config.temperature,
                                          rngs=nnx.Rngs(noise=sample_key(config.seed, step))))
            save_grid(workdir / "samples" / f"step_{step:07d}.png", samples, train_set.num_levels)
        return test, samples

    stop = DeferredInterrupt().install()
    try:
        for step in range(start + 1, (start if stopped else config.steps) + 1):
            if stop.requested:
                raise KeyboardInterrupt
            images = shard_batch(process_slice(batches.batch_at(step - 1)), mesh)
            leaves, out = train_step(leaves, images, jax.random.fold_in(keys["noise"], step),
                                     jax.random.fold_in(keys["dropout"], step))
            done = step  # the leaves now hold this step's state
            window.add(step, out)  # read on the host only below, where host work happens anyway
            logged = step % config.log_every == 0 or step == config.steps
            if step == start + 1:
                _first_step_returned(bar, out, f"train {config.model}")
                if not logged:
                    tic, tic_step = time.perf_counter(), step
            bar.update(1)
            evaluated = step % config.eval_every == 0 or step == config.steps
            if logged or evaluated or step % config.checkpoint_every == 0:
                reached = window.read(config.max_nonfinite)
                if reached:
                    raise TrainingDiverged(_diverged(f"{reached[1]} consecutive non-finite steps at step {reached[0]}",
                                                     last_saved, workdir))
            record = None
            if logged:
                now = time.perf_counter()
                train_bpd, grad_norm = window.means()
                record = dict(step=step, train_bpd=train_bpd, grad_norm=grad_norm, lr=float(schedule(step - 1)),
                              steps_per_sec=(step - tic_step) / (now - tic), nonfinite=window.total)
                tic, tic_step = now, step
                bar.set_postfix(bpd=f"{record['train_bpd']:.3f}" if record["train_bpd"] is not None else "nan")
            if step % config.eval_every == 0 or step == config.steps:
                test, samples = eval_and_sample(step)
                last_eval = test.bits_per_dim
                record = dict(record or dict(step=step), test_bpd=test.bits_per_dim, test_estimate=test.estimate,
                              test_images=test.num_images)
                for cb in callbacks:
                    getattr(cb, "on_eval", lambda *a: None)(record, samples)
            if record is not None:
                log.write(record)
                for cb in callbacks:
                    getattr(cb, "on_log", lambda *a: None)(record)
            if evaluated and last_eval is not None and not math.isfinite(last_eval):
                raise TrainingDiverged(_diverged(f"the model after step {step} has a non-finite test bits/dim",
                                                 last_saved, workdir))
            stopped = evaluated and _asked_to_stop(callbacks, log.records)
            if step % config.checkpoint_every == 0 or step == config.steps or stopped:
                m, opt = merged()
                if checkpoints.save(step, m, opt, meta, test_bpd=last_eval if evaluated else None):
                    last_saved = step
            if stopped:
                break
    except KeyboardInterrupt:
        last_saved = _save_on_interrupt(checkpoints, merged, done, last_saved, meta)
        raise TrainingInterrupted(f"interrupted after step {done}; " + (
            f"checkpoint of step {last_saved} in {workdir / 'checkpoints'} (run the same command to resume)"
            if last_saved else "no checkpoint written")) from None
    finally:
        stop.uninstall()
        bar.close()
        checkpoints.close()

    model, _ = merged()
    model.eval()
    result = TrainResult(config=config, model=model, history=log.records, workdir=workdir, resumed_from=resumed_from,
                         step=done)
    for cb in callbacks:
        getattr(cb, "on_end", lambda *a: None)(result)
    return result
