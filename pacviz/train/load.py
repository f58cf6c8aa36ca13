"""Load a trained model back: from a run's workdir, or from the pretrained weights shipped with pacviz."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from flax import nnx

from ..compilation_cache import use_compilation_cache
from ..models.abstract import abstract
from ..models.record import model_from_record, model_record
from .checkpoint import CheckpointError, Checkpoints, read_meta
from .fill import fill
from .initialization import mark_initialized

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"


def model_from_meta(meta: dict):
    """The architecture a checkpoint record describes (its ``model_config``; see
    :mod:`pacviz.models.record`), traced: every variable a shape, to be filled by a restore."""
    return abstract(lambda rngs: model_from_record(meta, rngs=rngs))


def load_run(workdir, which: str = "best", step: int | None = None):
    """``(model, meta)`` of checkpoint ``which`` ("best", or "last") of the run in ``workdir``.

    Falls back from "best" to "last" when the run never evaluated. The model is in eval mode. It is
    built by tracing (no random initialisation) and filled with the checkpoint's weights.
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


def load_weights(path):
    """``(model, meta)`` from a folder written by :func:`export_weights`; the model is traced (no
    random initialisation) from the recorded architecture and filled in with the weights."""
    path = Path(path)
    if not (path / "params.npz").exists() or not (path / "meta.json").exists():
        raise FileNotFoundError(f"{path} must hold params.npz and meta.json (see export_weights)")
    meta = json.loads((path / "meta.json").read_text())
    model = model_from_meta(meta)
    try:
        with np.load(path / "params.npz") as saved:
            params = {name: saved[name] for name in saved.files}
    except (ValueError, OSError) as err:
        raise CheckpointError(f"the weights in {path} cannot be read ({err}); the file is damaged") from err
    fill(model, params, path, CheckpointError)
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
