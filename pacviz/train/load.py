"""Load a trained model back: from a run's workdir, or from the pretrained weights shipped with pacviz."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
from flax import nnx

from ..models.build import build_model
from .checkpoint import CheckpointError, Checkpoints, read_meta
from .config import TrainConfig
from .initialization import mark_initialized

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"


def model_from_meta(meta: dict):
    """A freshly built (untrained) model of the run described by a checkpoint record."""
    config = TrainConfig(**meta["config"])
    return build_model(config.model, tuple(meta["image_shape"]), preset=config.model_preset,
                       num_levels=meta["num_levels"], rngs=nnx.Rngs(0), **config.model_options)


def load_run(workdir, which: str = "best", step: int | None = None):
    """``(model, meta)`` of checkpoint ``which`` ("best", or "last") of the run in ``workdir``.

    Falls back from "best" to "last" when the run never evaluated. The model is in eval mode.
    """
    if which not in ("best", "last"):
        raise ValueError(f"which must be 'best' or 'last', got {which!r}")
    root = Path(workdir) / "checkpoints"
    if not root.is_dir():
        raise FileNotFoundError(f"no checkpoints in {workdir}: expected {root}/last or {root}/best; "
                                "train first with `pacviz train --workdir ...`")
    checkpoints = Checkpoints(root)
    try:
        manager = checkpoints.best if which == "best" and checkpoints.best.latest_step() is not None else checkpoints.last
        meta = read_meta(manager.directory, step)
        model = model_from_meta(meta)
        meta = checkpoints.restore(model, None, step=step, which="best" if manager is checkpoints.best else "last")
    finally:
        checkpoints.close()
    model.eval()
    return model, meta


def export_weights(model, meta: dict, path):
    """Write the model's parameters (npz, no optimizer state) and its record (json) for shipping."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    arrays = {"/".join(map(str, key)): np.asarray(var.get_value()) for key, var in flat}
    np.savez_compressed(path / "params.npz", **arrays)
    (path / "meta.json").write_text(json.dumps(meta, indent=1))
    return path


def load_weights(path):
    """``(model, meta)`` from a folder written by :func:`export_weights`."""
    path = Path(path)
    if not (path / "params.npz").exists() or not (path / "meta.json").exists():
        raise FileNotFoundError(f"{path} must hold params.npz and meta.json (see export_weights)")
    meta = json.loads((path / "meta.json").read_text())
    model = model_from_meta(meta)
    state = nnx.state(model, nnx.Param)
    flat = nnx.to_flat_state(state)
    try:
        with np.load(path / "params.npz") as saved:
            for key, var in flat:
                name = "/".join(map(str, key))
                value = saved[name]
                if value.shape != var.get_value().shape:
                    raise CheckpointError(f"{name}: saved shape {value.shape} != model shape {var.get_value().shape}")
                var.set_value(jax.numpy.asarray(value))
    except (KeyError, ValueError, OSError) as err:
        raise CheckpointError(f"the weights in {path} do not fit the model they describe ({err}); "
                              "the files are damaged or from another pacviz version") from err
    nnx.update(model, nnx.from_flat_state(flat))
    mark_initialized(model)
    model.eval()
    return model, meta


def load_pretrained(name: str = "pac_s_curve_photos"):
    """``(model, meta)``: a small PAC model trained on the embedded photos, shipped with pacviz
    (how it was made: ``meta["command"]``; its test bits/dim: ``meta["test_bpd"]``)."""
    folder = PRETRAINED_DIR / name
    if not folder.is_dir():
        available = sorted(p.name for p in PRETRAINED_DIR.glob("*") if p.is_dir()) if PRETRAINED_DIR.is_dir() else []
        raise FileNotFoundError(f"no pretrained model {name!r}; available: {available}")
    return load_weights(folder)
