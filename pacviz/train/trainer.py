"""``train``: the paper's recipe (Sec. 5.1) as one function, from a notebook cell or ``pacviz train``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from tqdm.auto import tqdm

from ..data.batching import BatchIterator, evaluation_images
from ..data.load import load_dataset
from ..models.build import build_model, count_params
from ..models.pac_flow import evaluation_mode
from .checkpoint import Checkpoints
from .config import TrainConfig, train_config
from .initialization import data_dependent_init
from .metrics import MetricsLog
from .optimizer import learning_rate_schedule, make_optimizer
from .samples import save_grid
from .sharding import check_batch_size, data_mesh, process_slice, replicate, shard_batch
from .step import eval_step, train_step


class TrainingDiverged(RuntimeError):
    """Too many consecutive non-finite losses; the last good checkpoint is kept."""


@dataclass
class TrainResult:
    """What :func:`train` returns: the metrics history, the trained model and where files went."""

    config: TrainConfig
    model: nnx.Module
    history: list = field(default_factory=list)
    workdir: Path | None = None
    resumed_from: int | None = None

    @property
    def test_bpd(self):
        """The last test bits/dim (variational bound), or None."""
        values = [r["test_bpd"] for r in self.history if r.get("test_bpd") is not None]
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


def _same_run(saved: dict, config: TrainConfig) -> list[str]:
    keys = ("model", "model_preset", "model_options", "dataset", "seed", "batch_size")
    return [k for k in keys if k in saved and saved[k] != getattr(config, k)]


def evaluate(graphdef, state, images, key, batch_size: int = 64):
    """Mean test bits/dim (variational bound) over ``images``, in batches."""
    values = []
    for i in range(0, len(images), batch_size):
        chunk = jnp.asarray(images[i:i + batch_size])
        values.append(np.asarray(eval_step(graphdef, state, chunk, jax.random.fold_in(key, i))))
    return float(np.mean(np.concatenate(values)))


def train(config: TrainConfig | None = None, *, preset: str = "default", callbacks=(), progress: bool = True,
          **options) -> TrainResult:
    """Train a PAC-flow model; resumes by itself from ``workdir``'s checkpoints.

    ``train(preset="default", steps=..., model=..., ...)`` takes the options of ``pacviz train``
    (:class:`TrainConfig`); ``preset`` is one of ``TRAIN_PRESETS`` ("paper" is Sec. 5.1 exactly).
    ``callbacks``: objects with optional ``on_log(record)``, ``on_eval(record, samples)`` and
    ``on_end(result)`` methods (the notebook's live plot is one).

    Writes ``workdir/metrics.jsonl``, ``workdir/samples/step_*.png`` and
    ``workdir/checkpoints/{last,best}``. A non-finite loss skips the update and is counted;
    ``max_nonfinite`` in a row raise :class:`TrainingDiverged`, leaving the checkpoints intact.
    """
    config = config if config is not None else train_config(preset, **options)
    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keys = _keys(config.seed)
    train_set = load_dataset(config.dataset, root=config.data_root, split="train")
    test_set = load_dataset(config.dataset, root=config.data_root, split="test")
    test_images = evaluation_images(test_set, min(config.eval_images, len(test_set)))
    mesh = data_mesh(config.devices)
    check_batch_size(config.batch_size, mesh)

    model = build_for(config, train_set)
    optimizer = nnx.Optimizer(model, make_optimizer(config), wrt=nnx.Param)
    checkpoints = Checkpoints(workdir / "checkpoints", keep=config.keep_checkpoints)
    start = checkpoints.latest_step() or 0
    resumed_from = None
    if start:
        meta = checkpoints.restore(model, optimizer)
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
    state = replicate(state, mesh)
    schedule = learning_rate_schedule(config)
    batches = BatchIterator(train_set, config.batch_size, seed=config.seed)
    window, nonfinite_run, nonfinite_total = [], 0, 0
    tic, tic_step = time.perf_counter(), start
    bar = tqdm(total=config.steps, initial=start, desc=f"train {config.model}", disable=not progress,
               unit="step", dynamic_ncols=True)
    last_eval = None

    def merged():
        m, opt = nnx.merge(graphdef, state)
        return m, opt

    def eval_and_sample(step):
        m, _ = merged()
        with evaluation_mode(m):
            test_bpd = evaluate(*nnx.split(m), test_images, jax.random.fold_in(keys["eval"], step))
        samples = None
        if step % config.sample_every == 0 or step == config.steps:
            samples = np.asarray(m.sample(config.num_samples, temperature=config.temperature,
                                          rngs=nnx.Rngs(noise=jax.random.fold_in(keys["sample"], step))))
            save_grid(workdir / "samples" / f"step_{step:07d}.png", samples, train_set.num_levels)
        return test_bpd, samples

    try:
        for step in range(start + 1, config.steps + 1):
            images = shard_batch(process_slice(batches.batch_at(step - 1)), mesh)
            state, out = train_step(graphdef, state, images, jax.random.fold_in(keys["noise"], step),
                                    jax.random.fold_in(keys["dropout"], step))
            finite = bool(out["finite"])
            if finite:
                nonfinite_run = 0
                window.append((float(out["loss"]), float(out["grad_norm"])))
            else:
                nonfinite_run += 1
                nonfinite_total += 1
                if nonfinite_run >= config.max_nonfinite:
                    raise TrainingDiverged(
                        f"{nonfinite_run} consecutive non-finite losses at step {step}: training diverged. The last "
                        f"good checkpoint (step {checkpoints.latest_step()}) in {workdir / 'checkpoints'} is intact; "
                        "lower --lr or raise --max-nonfinite to continue from it.")
            bar.update(1)
            record = None
            if step % config.log_every == 0 or step == config.steps:
                now = time.perf_counter()
                record = dict(step=step, train_bpd=float(np.mean([w[0] for w in window])) if window else None,
                              grad_norm=float(np.mean([w[1] for w in window])) if window else None,
                              lr=float(schedule(step - 1)), steps_per_sec=(step - tic_step) / (now - tic),
                              nonfinite=nonfinite_total)
                window, tic, tic_step = [], now, step
                bar.set_postfix(bpd=f"{record['train_bpd']:.3f}" if record["train_bpd"] is not None else "nan")
            if step % config.eval_every == 0 or step == config.steps:
                test_bpd, samples = eval_and_sample(step)
                last_eval = test_bpd
                record = dict(record or dict(step=step), test_bpd=test_bpd)
                for cb in callbacks:
                    getattr(cb, "on_eval", lambda *a: None)(record, samples)
            if record is not None:
                log.write(record)
                for cb in callbacks:
                    getattr(cb, "on_log", lambda *a: None)(record)
            if step % config.checkpoint_every == 0 or step == config.steps:
                m, opt = merged()
                checkpoints.save(step, m, opt, meta, test_bpd=last_eval if step % config.eval_every == 0
                                 or step == config.steps else None)
    finally:
        bar.close()
        checkpoints.close()

    model, _ = merged()
    model.eval()
    result = TrainResult(config=config, model=model, history=log.records, workdir=workdir, resumed_from=resumed_from)
    for cb in callbacks:
        getattr(cb, "on_end", lambda *a: None)(result)
    return result
