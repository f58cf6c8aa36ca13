"""Checkpoints with orbax-checkpoint: the last N and the best (lowest test bits/dim).

Each checkpoint holds the model's parameters, the optimizer state and a JSON record (step,
training configuration, test bits/dim, and the model's full configuration and pacviz version, which
loading builds from). Randomness needs no saving: every step's keys derive from
(seed, step).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import orbax.checkpoint as ocp
from flax import nnx

from ..models.record import model_record
from .fill import fill, is_abstract, named
from .initialization import mark_initialized
from .optimizer import flatten_per_leaf_state, per_leaf_template


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or that was written for a different model."""


def _manager(directory: Path, keep: int, best: bool) -> ocp.CheckpointManager:
    options = ocp.CheckpointManagerOptions(
        max_to_keep=keep, enable_async_checkpointing=False, create=True,
        best_fn=(lambda metrics: metrics["test_bpd"]) if best else None, best_mode="min",
        keep_checkpoints_without_metrics=False if best else True)
    return ocp.CheckpointManager(directory.resolve(), options=options)


def _payload(model, optimizer):
    params = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    opt = nnx.to_pure_dict(nnx.state(optimizer, nnx.OptState)) if optimizer is not None else None
    return params, opt


def _finite(tree) -> bool:
    import jax

    return all(np.all(np.isfinite(np.asarray(x))) for x in jax.tree.leaves(tree)
               if np.issubdtype(np.asarray(x).dtype, np.inexact))


_UNREAD = object()


class Checkpoints:
    """``WORKDIR/checkpoints/last`` (the last ``keep``) and ``WORKDIR/checkpoints/best`` (one)."""

    def __init__(self, directory, keep: int = 3):
        self.directory = Path(directory)
        self.last = _manager(self.directory / "last", keep, best=False)
        self.best = _manager(self.directory / "best", 1, best=True)
        self._best_score = _UNREAD

    def latest_step(self) -> int | None:
        return self.last.latest_step()

    def best_score(self) -> float | None:
        """The test bits/dim of the ``best`` checkpoint, or None if there is none (read once)."""
        if self._best_score is _UNREAD:
            step = self.best.latest_step()
            self._best_score = None if step is None else read_meta(self.directory / "best", step).get("test_bpd")
        return self._best_score

    def save(self, step: int, model, optimizer, meta: dict, test_bpd: float | None = None) -> bool:
        """Save after ``step`` steps; also as the best when ``test_bpd`` beats the best so far.

        Nothing is written for a model with a non-finite parameter or a non-finite ``test_bpd``
        (returns False): a checkpoint always holds a model that was good when saved."""
        params, opt = _payload(model, optimizer)
        if not _finite(params) or (test_bpd is not None and not math.isfinite(test_bpd)):
            return False
        args = ocp.args.Composite(params=ocp.args.StandardSave(params), opt=ocp.args.StandardSave(opt),
                                  meta=ocp.args.JsonSave(dict(meta, step=step, test_bpd=test_bpd, **model_record(model))))
        self.last.save(step, args=args, force=True)
        best = self.best_score() if test_bpd is not None else None
        if test_bpd is not None and (best is None or not test_bpd >= best):
            self.best.save(step, args=args, metrics=dict(test_bpd=float(test_bpd)), force=True)
            self._best_score = float(test_bpd)
        self.last.wait_until_finished()
        self.best.wait_until_finished()
        return True

    def restore_intact(self, model, optimizer=None) -> tuple[dict | None, list[str]]:
        """Restore the newest ``last`` checkpoint that reads back (None if there is none) and return
        ``(record, skipped)``: damaged newer ones are moved aside to ``<step>.damaged`` (nothing is
        deleted) and each is described in ``skipped``. If none restores, the newest one's error is
        raised (a checkpoint of another model fails the same way for every step)."""
        skipped, first_error = [], None
        for step in sorted(self.last.all_steps(), reverse=True):
            try:
                record = self.restore(model, optimizer, step=step)
            except CheckpointError as err:
                first_error = first_error or err
                skipped.append((step, err))
                continue
            for bad, err in skipped:
                aside = self.directory / "last" / f"{bad}.damaged"
                (self.directory / "last" / str(bad)).rename(aside)
            self.last.reload()
            return record, [f"step {bad} (moved to {self.directory / 'last' / f'{bad}.damaged'}): {err}"
                            for bad, err in skipped]
        if first_error is not None:
            raise first_error
        return None, []

    def restore(self, model, optimizer=None, step: int | None = None, which: str = "last") -> dict:
        """Load ``step`` (latest by default) of ``which`` ("last" or "best") into ``model`` (and
        ``optimizer``); return its JSON record. Raises :class:`CheckpointError` with the reason."""
        return restore_into(self.last if which == "last" else self.best, model, optimizer, step)

    def close(self):
        self.last.close()
        self.best.close()


def read_meta(directory, step: int | None = None) -> dict:
    """The JSON record of a checkpoint in ``directory`` (a ``last`` or ``best`` folder)."""
    manager = ocp.CheckpointManager(Path(directory).resolve(), options=ocp.CheckpointManagerOptions(read_only=True))
    step = manager.latest_step() if step is None else step
    if step is None:
        raise CheckpointError(f"no checkpoint in {directory}")
    try:
        return manager.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))["meta"]
    except Exception as err:  # orbax raises many kinds; say what it means for the user
        raise CheckpointError(f"cannot read the record of checkpoint {step} in {directory}: {err}") from err


def _check_shapes(expected, restored, where):
    import jax

    want = jax.tree_util.tree_map(lambda a: tuple(a.shape), expected)
    got = jax.tree_util.tree_map(lambda a: tuple(a.shape), restored)
    if want != got:
        raise CheckpointError(f"the checkpoint at {where} holds parameters of other shapes than this model: it was "
                              "written for a different model, preset or image shape. Use a new --workdir or the "
                              "options it was made with; nothing was deleted.")


def _restore_per_leaf_optimizer(manager, step, model, items, flat_template):
    """A checkpoint written when the optimizer state was kept per parameter: restore it in that
    layout and flatten it (None if it is not one)."""
    items = dict(items, opt=ocp.args.StandardRestore(per_leaf_template(model)))
    try:
        restored = manager.restore(step, args=ocp.args.Composite(**items))
        return dict(params=restored["params"], meta=restored["meta"],
                    opt=flatten_per_leaf_state(restored["opt"], flat_template))
    except Exception:
        return None


def restore_into(manager: ocp.CheckpointManager, model, optimizer=None, step: int | None = None) -> dict:
    """Restore a checkpoint of ``manager`` into ``model`` (and ``optimizer``). ``model`` may be
    abstract (:mod:`pacviz.models.abstract`, without an optimizer): its variables are then filled."""
    step = manager.latest_step() if step is None else step
    where = Path(str(manager.directory)) / str(step)
    if step is None:
        raise CheckpointError(f"no checkpoint in {manager.directory}")
    params, opt = _payload(model, optimizer)
    items = dict(params=ocp.args.StandardRestore(params), meta=ocp.args.JsonRestore())
    if optimizer is not None:
        items["opt"] = ocp.args.StandardRestore(opt)
    try:
        restored = manager.restore(step, args=ocp.args.Composite(**items))
    except Exception as err:
        restored = None if optimizer is None else _restore_per_leaf_optimizer(manager, step, model, items, opt)
        if restored is None:
            raise CheckpointError(
            f"cannot restore the checkpoint at {where}: it is damaged or was written for a different model "
            f"or preset ({type(err).__name__}: {str(err)[:300]}). Use a new --workdir, or the options the "
            "checkpoint was made with; nothing was deleted.") from err
    _check_shapes(params, restored["params"], where)
    if is_abstract(model):  # traced from the record (load_run): fill every variable
        fill(model, named(restored["params"]), where, CheckpointError)
    else:
        state = nnx.state(model, nnx.Param)
        nnx.replace_by_pure_dict(state, restored["params"])
        nnx.update(model, state)
    if optimizer is not None:
        opt_state = nnx.state(optimizer, nnx.OptState)
        nnx.replace_by_pure_dict(opt_state, restored["opt"])
        nnx.update(optimizer, opt_state)
    mark_initialized(model)
    return restored["meta"]
