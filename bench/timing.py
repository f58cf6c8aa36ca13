"""Side-by-side timing: candidates run round-robin in one process, so machine noise hits all alike."""

from __future__ import annotations

import time
from typing import Callable

import jax


def compile_time(fn: Callable, *args) -> float:
    """Seconds of the first (compiling) call."""
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - start


def interleaved_medians(candidates: dict[str, tuple[Callable, tuple]], repeats: int = 30,
                        warmup: int = 3) -> dict[str, float]:
    """Median seconds per call of each ``name: (fn, args)``, measured round-robin after warm-up."""
    for fn, args in candidates.values():
        for _ in range(warmup):
            jax.block_until_ready(fn(*args))
    samples = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, (fn, args) in candidates.items():
            start = time.perf_counter()
            jax.block_until_ready(fn(*args))
            samples[name].append(time.perf_counter() - start)
    return {name: sorted(s)[len(s) // 2] for name, s in samples.items()}


def table(rows: list[tuple], header: tuple) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
