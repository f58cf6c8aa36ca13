"""Load a trained model back: from a run's workdir, or from the pretrained weights shipped with pacviz."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jax
import numpy as np
from flax import nnx

from ..compilation_cache import use_compilation_cache
from ..models.abstract import abstract
from ..models.record import model_from_record, model_record, record_config
from ..models.pac_flow import PACFlow
from .checkpoint import CheckpointError, Checkpoints, read_meta
from .initialization import mark_initialized

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"


def model_from_meta(meta: dict):
    """A freshly built (untrained) model of the architecture a checkpoint record describes
    (its ``model_config``; see :mod:`pacviz.models.record`)."""
    return model_from_record(meta)


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
    """Write the model's parameters (npz, no optimizer state) and its record (json, with the full
    model configuration) for shipping."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    arrays = {"/".join(map(str, key)): np.asarray(var.get_value()) for key, var in flat}
    np.savez_compressed(path / "params.npz", **arrays)
    (path / "meta.json").write_text(json.dumps(dict(meta, **model_record(model)), indent=1))
    return path


def export_run(workdir, out, *, which: str = "best", command: str | None = None):
    """``pacviz export``: checkpoint ``which`` of the run in ``workdir`` as weights + record in ``out``,
    with the run's metrics, curves and last sample grid. Returns ``(out, meta)``."""
    workdir = Path(workdir)
    model, meta = load_run(workdir, which=which)
    meta = dict(meta, command=command or f"pacviz train --workdir {workdir} ...")
    out = export_weights(model, meta, out)
    for name in ("metrics.jsonl", "curves.png"):
        if (workdir / name).exists():
            shutil.copy(workdir / name, out / name)
    samples = sorted((workdir / "samples").glob("step_*.png"))
    if samples:
        shutil.copy(samples[-1], out / "samples.png")
    return out, meta


def _filled(model, params: dict, where) -> PACFlow:
    """``model`` (abstract: every variable a shape) with its parameters from ``params`` (name -> array),
    fresh random-number keys, and zeros for the rest (counters and inversion statistics)."""
    flat = nnx.to_flat_state(nnx.state(model))
    # Built from host data, not by jax.random / jnp.zeros: each of those compiles a program (seconds).
    seeds = iter(np.random.default_rng(0).integers(0, 2 ** 32, size=(len(flat), 2), dtype=np.uint32))
    for key, var in flat:
        name, spec = "/".join(map(str, key)), var.get_value()
        if isinstance(var, nnx.Param):
            if name not in params:
                raise CheckpointError(f"the weights in {where} lack {name}: the files are damaged or from "
                                      "another pacviz version")
            value = params[name]
            if value.shape != spec.shape:
                raise CheckpointError(f"{name}: saved shape {value.shape} != model shape {spec.shape} in {where}")
            var.set_value(jax.numpy.asarray(value, spec.dtype))
        elif jax.dtypes.issubdtype(spec.dtype, jax.dtypes.prng_key):
            var.set_value(jax.random.wrap_key_data(next(seeds)))
        else:
            var.set_value(jax.numpy.asarray(np.zeros(spec.shape, spec.dtype)))
    nnx.update(model, nnx.from_flat_state(flat))
    return model


def load_weights(path):
    """``(model, meta)`` from a folder written by :func:`export_weights`; the model is traced (no
    random initialisation) from the recorded architecture and filled in with the weights."""
    path = Path(path)
    if not (path / "params.npz").exists() or not (path / "meta.json").exists():
        raise FileNotFoundError(f"{path} must hold params.npz and meta.json (see export_weights)")
    meta = json.loads((path / "meta.json").read_text())
    config = record_config(meta)
    model = abstract(lambda rngs: PACFlow(config, tuple(meta["image_shape"]), num_levels=meta["num_levels"],
                                          rngs=rngs))
    try:
        with np.load(path / "params.npz") as saved:
            params = {name: saved[name] for name in saved.files}
    except (ValueError, OSError) as err:
        raise CheckpointError(f"the weights in {path} cannot be read ({err}); the file is damaged") from err
    _filled(model, params, path)
    mark_initialized(model)
    model.eval()
    return model, meta


def load_pretrained(name: str = "pac_s_curve_photos"):
    """``(model, meta)``: a small PAC model trained on the embedded photos, shipped with pacviz
    (how it was made: ``meta["command"]``; its test bits/dim: ``meta["test_bpd"]``)."""
    use_compilation_cache()
    folder = PRETRAINED_DIR / name
    if not folder.is_dir():
        available = sorted(p.name for p in PRETRAINED_DIR.glob("*") if p.is_dir()) if PRETRAINED_DIR.is_dir() else []
        raise FileNotFoundError(f"no pretrained model {name!r}; available: {available}")
    return load_weights(folder)
