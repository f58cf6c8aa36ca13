"""A paired comparison of two models on the same test images and seeds: the mean difference of
their per-image bits/dim with a bootstrap interval (numpy only)."""

from __future__ import annotations

import numpy as np


def paired_bootstrap(differences, *, level: float = 0.95, replicates: int = 2000, seed: int = 0) -> dict:
    """Mean of ``differences (S, N)`` (seed × image, e.g. model A's per-image bits/dim minus model
    B's, same images, same seed) and its percentile bootstrap interval.

    Each of ``replicates`` resamples draws ``S`` seeds and ``N`` images with replacement (the
    images shared by the drawn seeds) and takes the mean of that ``S × N`` grid; the interval is
    the ``(1 − level)/2`` and ``(1 + level)/2`` quantiles of those means. ``seed`` fixes the
    resampling, so the same differences always give the same interval.

    Returns ``dict(mean, low, high, level, replicates, bootstrap_seed, seeds=S, images=N)``.
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 2 or d.size == 0:
        raise ValueError(f"differences must be a non-empty (seeds, images) array, got shape {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("differences hold NaN or inf values; compare finite per-image bits/dim only")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    n_seeds, n_images = d.shape
    means = np.array([d[np.ix_(rng.integers(0, n_seeds, n_seeds), rng.integers(0, n_images, n_images))].mean()
                      for _ in range(replicates)])
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return dict(mean=float(d.mean()), low=float(low), high=float(high), level=level, replicates=replicates,
                bootstrap_seed=seed, seeds=n_seeds, images=n_images)


__all__ = ["paired_bootstrap"]
