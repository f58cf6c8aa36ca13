"""What a comparison's per-seed runs add up to: per model the per-seed test bits/dim, their mean
and standard deviation, and paired comparisons of models on the same test images and seeds."""

from __future__ import annotations

import numpy as np

from .paired_bootstrap import paired_bootstrap

# (A, B): the paired comparisons reported, as A − B (negative: A has the lower, better bits/dim).
PAIRS = (("pac_s_curve", "emerging"), ("pac_s_curve", "realnvp"), ("pac_raster", "pac_s_curve"))
BOOTSTRAP = dict(level=0.95, replicates=2000, seed=0)


def summarize_model(runs: list[dict]) -> dict:
    """The summary of one model's per-seed ``runs`` (records with ``seed``, ``test_bpd``, ``steps``,
    ``stopped``, ``num_params``, ...): ``seeds`` (test bits/dim per seed, in ``seed_ids`` order),
    ``mean``, ``sd`` (sample standard deviation, ddof 1; None for one seed), ``test_bpd`` (= mean)."""
    runs = sorted(runs, key=lambda r: r["seed"])
    values = [r["test_bpd"] for r in runs]
    first = runs[0]
    return dict(num_params=first["num_params"], overrides=first["overrides"], n_mixtures=first["n_mixtures"],
                seeds=values, seed_ids=[r["seed"] for r in runs], mean=float(np.mean(values)),
                sd=float(np.std(values, ddof=1)) if len(values) > 1 else None, test_bpd=float(np.mean(values)),
                steps=[r["steps"] for r in runs], stopped=[r["stopped"] for r in runs],
                wall_time_s=float(sum(r["wall_time_s"] for r in runs)), config=first["config"],
                curve=first["curve"], runs=runs)


def paired_comparisons(models: dict) -> list[dict]:
    """:data:`PAIRS` present in ``models`` (summaries with per-seed ``runs``) whose runs hold per-image
    test bits/dim on the same images: per pair, :func:`paired_bootstrap` of A − B over the seeds
    both ran (paired by seed) and every test image, plus ``a``, ``b`` and ``seed_ids``."""
    paired = []
    for a, b in PAIRS:
        if a not in models or b not in models:
            continue
        runs_a = {r["seed"]: r.get("per_image_test_bpd") for r in models[a]["runs"]}
        runs_b = {r["seed"]: r.get("per_image_test_bpd") for r in models[b]["runs"]}
        seeds = sorted(s for s in set(runs_a) & set(runs_b) if runs_a[s] is not None and runs_b[s] is not None)
        if not seeds or len({len(runs_a[s]) for s in seeds} | {len(runs_b[s]) for s in seeds}) != 1:
            continue
        diff = np.array([runs_a[s] for s in seeds], dtype=np.float64) - np.array([runs_b[s] for s in seeds])
        paired.append(dict(a=a, b=b, seed_ids=seeds, **paired_bootstrap(
            diff, level=BOOTSTRAP["level"], replicates=BOOTSTRAP["replicates"], seed=BOOTSTRAP["seed"])))
    return paired


def summarize(results: dict) -> dict:
    """Fill ``results["models"]`` (one summary per model of ``results["runs"]``) and
    ``results["paired"]``; returns ``results``."""
    results["models"] = {name: summarize_model(list(runs.values())) for name, runs in results["runs"].items() if runs}
    results["paired"] = paired_comparisons(results["models"])
    return results


__all__ = ["BOOTSTRAP", "PAIRS", "paired_comparisons", "summarize", "summarize_model"]
