"""The results of ``compare`` on disk: one versioned JSON file (``results.json``, format
:data:`FORMAT`) plus the final sample grids (``samples.npz``), written atomically after every model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..models.config import MODEL_NAMES
from .load import PRETRAINED_DIR

FORMAT = "pacviz-comparison/1"
RESULTS_NAME = "results.json"
SAMPLES_NAME = "samples.npz"
DEFAULT_DIR = PRETRAINED_DIR / "comparison_photos"


def previous_results(out: Path, budget: dict):
    """Models already recorded in ``out`` with exactly ``budget`` (to resume an interrupted run)."""
    try:
        old = load_comparison(out)
    except (FileNotFoundError, ValueError):
        return {}, {}
    if old.get("budget") != budget:
        return {}, {}
    return ({m: r for m, r in old["models"].items() if m in old["samples"]},
            {m: old["samples"][m] for m in old["models"] if m in old["samples"]})


def write_results(out: Path, results: dict, samples: dict):
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (RESULTS_NAME + ".tmp")
    tmp.write_text(json.dumps(finite_json(results), indent=1))
    np.savez_compressed(out / SAMPLES_NAME, **{m: s for m, s in samples.items()})
    tmp.replace(out / RESULTS_NAME)


def finite_json(value):
    """JSON has no NaN / inf: write them as null."""
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
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


__all__ = ["DEFAULT_DIR", "FORMAT", "finite_json", "load_comparison", "previous_results", "write_results"]
