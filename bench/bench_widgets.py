"""Benchmark the tutorial's explorers: the time from a control change to a new PNG on screen.

    python bench/bench_widgets.py            # the sizes the notebooks use without PACVIZ_QUICK
    python bench/bench_widgets.py --repeats 20

For each explorer and control, a few warm-up changes (jit compiles, caches fill), then the median
over ``--repeats`` changes of the wall time of ``control.value = new`` — which runs the callback:
compute, draw the Figure, render the PNG. The target is < 200 ms. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import sys
import time
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pacviz.viz as pvz  # noqa: E402
from timing import table  # noqa: E402

TARGET_MS = 200.0


def interaction(explorer, name: str, values):
    """A callable that moves ``explorer.<name>`` to the next of ``values`` (cycling)."""
    control = getattr(explorer, name)
    cycle = itertools.cycle(values)

    def step():
        control.value = next(cycle)
    return step


def click(explorer, pixels):
    cycle = itertools.cycle(pixels)

    def step():
        explorer.grid.click(*next(cycle))
    return step


def cases():
    """``(explorer name, interaction name, build explorer, make the step)``."""
    return [
        ("PatchExplorer", "row slider", pvz.PatchExplorer, lambda e: interaction(e, "row", [2, 3, 4])),
        ("PatchExplorer", "pixel click", pvz.PatchExplorer, lambda e: click(e, [(1, 1), (6, 2), (3, 5)])),
        ("KernelExplorer", "σ² slider", pvz.KernelExplorer, lambda e: interaction(e, "sigma2", [0.3, 0.5, 0.7])),
        ("KernelExplorer", "l slider", pvz.KernelExplorer,
         lambda e: interaction(e, "lengthscale", [0.01, 0.05, 0.2])),
        ("KernelExplorer", "pixel click", pvz.KernelExplorer, lambda e: click(e, [(5, 5), (16, 20), (30, 2)])),
        ("OrderMaskExplorer", "order menu", pvz.OrderMaskExplorer,
         lambda e: interaction(e, "kind", ["raster", "s_curve"])),
        ("OrderMaskExplorer", "row slider", pvz.OrderMaskExplorer, lambda e: interaction(e, "row", [1, 2, 4])),
        ("PluExplorer", "order menu", pvz.PluExplorer, lambda e: interaction(e, "kind", ["raster", "s_curve"])),
        ("PluExplorer", "L menu", pvz.PluExplorer,
         lambda e: interaction(e, "lower", ["as printed (Eq. 10)", "corrected (pacviz)"])),
        ("JacobiStepper", "iteration slider", pvz.JacobiStepper,
         lambda e: interaction(e, "iteration", [2, 5, 9, 14])),
        ("JacobiStepper", "α slider (new α)", pvz.JacobiStepper, None),
        ("TrainedFilterExplorer", "layer menu", pvz.TrainedFilterExplorer,
         lambda e: interaction(e, "layer", [4, 9, 13, 0])),
        ("TrainedFilterExplorer", "image slider", pvz.TrainedFilterExplorer,
         lambda e: interaction(e, "image", [1, 2, 3, 0])),
        ("TrainedFilterExplorer", "pixel click", pvz.TrainedFilterExplorer,
         lambda e: click(e, [(5, 5), (16, 20), (30, 2)])),
    ]


def alpha_steps(explorer):
    """Every step a new α: the iterates are recomputed (nothing cached)."""
    values = (0.3 + 0.01 * i for i in itertools.count())

    def step():
        explorer.alpha.value = round(next(values), 4)
    return step


def measure(step, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    rows, built = [], {}
    for name, what, build, make_step in cases():
        if name not in built:
            start = time.perf_counter()
            built[name] = (build(), time.perf_counter() - start)
        explorer, build_s = built[name]
        step = alpha_steps(explorer) if make_step is None else make_step(explorer)
        median = measure(step, args.warmup, args.repeats)
        ms = 1e3 * median
        rows.append((name, what, f"{ms:.0f}", "yes" if ms < TARGET_MS else "**no**", f"{build_s:.1f}"))
    print(f"Redraw after one interaction, median of {args.repeats} after {args.warmup} warm-up "
          f"({platform.processor() or platform.machine()}, {jax.devices()[0].platform}, "
          f"JAX {jax.__version__}):\n")
    print(table(rows, ("explorer", "interaction", "redraw ms", f"< {TARGET_MS:.0f} ms", "build s")))


if __name__ == "__main__":
    main()
