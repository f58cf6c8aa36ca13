"""The results of ``compare`` on disk: one versioned JSON file (``results.json``, format
:data:`FORMAT`) plus the final sample grids (``samples.npz``), written atomically after every run.

Format 2: ``runs[model][seed]`` holds each run's record (test bits/dim overall and per test
image, steps, why it stopped, curve, config, times); ``models[model]`` its summary (per-seed test
bits/dim, mean, sd) and ``paired`` the paired intervals — both recomputed from ``runs`` on
loading (:func:`pacviz.train.comparison_summary.summarize`). Format 1 (one seed per model, no
per-image values) still loads: each model becomes one run with the recorded seed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..models.config import MODEL_NAMES
from .load import PRETRAINED_DIR

FORMAT = "pacviz-comparison/2"
FORMAT_1 = "pacviz-comparison/1"
RESULTS_NAME = "results.json"
SAMPLES_NAME = "samples.npz"
DEFAULT_DIR = PRETRAINED_DIR / "comparison_photos16"
RUN_KEYS = ("seed", "num_params", "overrides", "n_mixtures", "test_bpd", "steps", "stopped", "curve", "wall_time_s",
            "config")


def previous_results(out: Path, budget: dict):
    """Runs already recorded in ``out`` with exactly ``budget`` (to resume an interrupted comparison):
    ``({(model, seed): record}, {(model, seed): samples})``, only runs whose samples were saved."""
    try:
        old = load_comparison(out)
    except (FileNotFoundError, ValueError):
        return {}, {}
    if old.get("format") != FORMAT or old.get("budget") != budget:
        return {}, {}
    records, grids = {}, {}
    for name, runs in old["runs"].items():
        for seed, record in runs.items():
            if int(seed) in old["seed_samples"].get(name, {}):
                records[name, int(seed)] = record
                grids[name, int(seed)] = old["seed_samples"][name][int(seed)]
    return records, grids


def write_results(out: Path, results: dict, samples: dict):
    """Write ``results`` (``runs`` with every record; ``models`` as summaries without the runs) and
    ``samples[(model, seed)]`` to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    saved = dict(results, models={name: {k: v for k, v in summary.items() if k not in ("runs", "curve", "config")}
                                  for name, summary in results.get("models", {}).items()})
    tmp = out / (RESULTS_NAME + ".tmp")
    tmp.write_text(json.dumps(finite_json(saved), indent=1))
    np.savez_compressed(out / SAMPLES_NAME, **{f"{m}.seed{seed}": s for (m, seed), s in samples.items()})
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


def _runs_of_format_1(results: dict) -> dict:
    """Format 1's one record per model as format 2's runs (the budget's seed; no per-image values)."""
    seed = results["budget"].get("seed", 0)
    results["budget"] = dict(results["budget"], seeds=[seed])
    return {name: {str(seed): dict(record, seed=seed, steps=record["config"]["steps"], stopped="budget",
                                   per_image_test_bpd=None)}
            for name, record in results["models"].items()}


def rerun_options(results: dict) -> dict:
    """The keyword arguments of :func:`pacviz.train.compare` that rerun the budget of ``results``
    (a :func:`load_comparison` dict): its models, preset, dataset, schedule, seeds, evaluations and
    stopping rule. Add your own ``workdir`` and ``out``."""
    budget = results["budget"]
    stop = budget.get("stop", dict(plateau=0.0, min_evals=2))  # a format-1 file: no stopping rule
    keys = ("model_preset", "dataset", "steps", "batch_size", "lr", "warmup_steps", "decay_steps", "final_lr",
            "eval_images", "num_samples")
    return dict({k: budget[k] for k in keys}, models=tuple(results.get("order", results["models"])),
                seeds=len(budget["seeds"]), evals=budget["steps"] // budget["eval_every"], plateau=stop["plateau"],
                min_evals=stop["min_evals"])


def load_comparison(path=None) -> dict:
    """The results of :func:`compare`.

    Returns a dict with ``models[name]``: ``seeds`` (the test bits/dim of each seed's run, in
    ``seed_ids`` order), ``mean``, ``sd`` (sample standard deviation; None for one seed),
    ``test_bpd`` (= mean), num_params, overrides, ``steps`` and ``stopped`` per seed, ``runs``
    (each run's full record: ``per_image_test_bpd``, ``curve``, ``config``, times), plus
    ``paired`` (a list of paired comparisons: ``a``, ``b``, ``mean`` of A − B with its bootstrap
    interval ``low``..``high``), ``budget``, ``command``, ``stopping_rule``, ``paper_table2``,
    ``samples[name]`` (the lowest seed's final samples, ``(N, H, W, C)`` uint8) and
    ``seed_samples[name][seed]``. ``path``: the output folder (or its results.json); default: the
    comparison shipped with pacviz (``pacviz/pretrained/comparison_photos16``). Files of format 1
    load as one seed per model, without per-image values (so without paired intervals).
    """
    from .comparison_summary import summarize

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
    version = results.get("format") if isinstance(results, dict) else None
    needed = ("budget", "models", "command") + (("runs",) if version == FORMAT else ())
    missing = [k for k in needed if not isinstance(results, dict) or k not in results]
    if missing or version not in (FORMAT, FORMAT_1):
        raise ValueError(f"{results_file} is not a pacviz comparison (format {FORMAT!r} or {FORMAT_1!r}); missing or "
                         f"wrong: {missing or ['format']}")
    if version == FORMAT_1:
        for name, record in results["models"].items():
            absent = [k for k in ("num_params", "overrides", "test_bpd", "curve", "wall_time_s", "config")
                      if k not in record]
            if name not in MODEL_NAMES or absent:
                raise ValueError(f"{results_file}: the record of model {name!r} is damaged (missing {absent})")
        results["runs"] = _runs_of_format_1(results)
    for name, runs in results["runs"].items():
        for seed, record in runs.items():
            absent = [k for k in RUN_KEYS if k not in record]
            if name not in MODEL_NAMES or absent:
                raise ValueError(f"{results_file}: the record of model {name!r} seed {seed} is damaged "
                                 f"(missing {absent})")
    summarize(results)
    _load_samples(results, folder / SAMPLES_NAME, version)
    return results


def _load_samples(results: dict, samples_file: Path, version: str):
    results["samples"], results["seed_samples"] = {}, {}
    if not samples_file.exists():
        return
    try:
        with np.load(samples_file) as saved:
            grids = {k: np.asarray(saved[k]) for k in saved.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"{samples_file} is damaged ({err}); rerun pacviz compare") from err
    for key, grid in grids.items():
        name, _, seed = key.partition(".seed")
        seed = int(seed) if version == FORMAT else results["budget"]["seeds"][0]
        results["seed_samples"].setdefault(name, {})[seed] = grid
    results["samples"] = {name: grids[min(grids)] for name, grids in results["seed_samples"].items()}


__all__ = ["DEFAULT_DIR", "FORMAT", "FORMAT_1", "finite_json", "load_comparison", "previous_results", "write_results"]
