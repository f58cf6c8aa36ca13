"""Checkpoints with orbax-checkpoint: the last N and the best (lowest test bits/dim).

Each checkpoint holds the model's parameters, the optimizer state and a JSON record (step,
configuration, test bits/dim). Randomness needs no saving: every step's keys derive from
(seed, step).
"""

from __future__ import annotations

from pathlib import Path

import orbax.checkpoint as ocp
from flax import nnx

from .initialization import mark_initialized


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


class Checkpoints:
    """``WORKDIR/checkpoints/last`` (the last ``keep``) and ``WORKDIR/checkpoints/best`` (one)."""

    def __init__(self, directory, keep: int = 3):
        self.directory = Path(directory)
        self.last = _manager(self.directory / "last", keep, best=False)
        self.best = _manager(self.directory / "best", 1, best=True)

    def latest_step(self) -> int | None:
        return self.last.latest_step()

    def save(self, step: int, model, optimizer, meta: dict, test_bpd: float | None = None):
        """Save after ``step`` steps; also as the best when ``test_bpd`` beats the best so far."""
        params, opt = _payload(model, optimizer)
        args = ocp.args.Composite(params=ocp.args.StandardSave(params), opt=ocp.args.StandardSave(opt),
                                  meta=ocp.args.JsonSave(dict(meta, step=step, test_bpd=test_bpd)))
        self.last.save(step, args=args, force=True)
        if test_bpd is not None:
            self.best.save(step, args=args, metrics=dict(test_bpd=float(test_bpd)), force=True)
        self.last.wait_until_finished()
        self.best.wait_until_finished()

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


def restore_into(manager: ocp.CheckpointManager, model, optimizer=None, step: int | None = None) -> dict:
    """Restore a checkpoint of ``manager`` into ``model`` (and ``optimizer``)."""
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
        raise CheckpointError(
            f"cannot restore the checkpoint at {where}: it is damaged or was written for a different model "
            f"or preset ({type(err).__name__}: {str(err)[:300]}). Use a new --workdir, or the options the "
            "checkpoint was made with; nothing was deleted.") from err
    _check_shapes(params, restored["params"], where)
    state = nnx.state(model, nnx.Param)
    nnx.replace_by_pure_dict(state, restored["params"])
    nnx.update(model, state)
    if optimizer is not None:
        opt_state = nnx.state(optimizer, nnx.OptState)
        nnx.replace_by_pure_dict(opt_state, restored["opt"])
        nnx.update(optimizer, opt_state)
    mark_initialized(model)
    return restored["meta"]
