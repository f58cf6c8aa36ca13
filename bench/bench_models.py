"""Benchmark one training step (forward + backward + AdaBelief update, jit) of each of the four
models, as ratios to RealNVP measured side by side, with steps/s, compile time and peak memory.

    python bench/bench_models.py                  # the paper's models, batch 8, 32×32×3
    python bench/bench_models.py --preset small   # the CPU-demo size
    python bench/bench_models.py --models pac_s_curve --repeats 50   # the GPU check: the paper's
        # CIFAR-shaped configuration for a fixed number of steps (aim: >= 20 steps/s on one H200)
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
from flax import nnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pacviz as pv  # noqa: E402
from pacviz.train.config import train_config  # noqa: E402
from pacviz.train.optimizer import make_optimizer  # noqa: E402
from pacviz.train.step import train_step  # noqa: E402
from timing import interleaved_medians, table  # noqa: E402


def peak_memory_mb() -> float:
    """Peak device memory where the backend reports it (GPU), else this process's peak RSS."""
    stats = jax.devices()[0].memory_stats() or {}
    if "peak_bytes_in_use" in stats:
        return stats["peak_bytes_in_use"] / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepared_step(name, preset, batch, shape):
    model = pv.build_model(name, shape, preset=preset, rngs=nnx.Rngs(0))
    images = jax.random.randint(jax.random.PRNGKey(0), (batch,) + shape, 0, 256).astype(jnp.uint8)
    nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(model, images, nnx.Rngs(noise=0))  # data-dependent init
    model.train()
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    keys = (jax.random.PRNGKey(1), jax.random.PRNGKey(2))

    def step(state):
        return train_step(graphdef, state, images, *keys)[1]["loss"]

    start = time.perf_counter()
    jax.block_until_ready(step(state))
    return step, state, time.perf_counter() - start, pv.count_params(model)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--models", nargs="*", default=list(pv.MODEL_NAMES))
    args = parser.parse_args(argv)
    shape = (args.size, args.size, 3)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({jax.devices()[0].device_kind}, "
          f"{platform.machine()}); preset {args.preset}, batch {args.batch}, {shape}")
    prepared, rows = {}, {}
    for name in args.models:
        step, state, compile_s, params = prepared_step(name, args.preset, args.batch, shape)
        prepared[name] = (step, (state,))
        rows[name] = dict(compile=compile_s, params=params, memory=peak_memory_mb())
        print(f"  compiled {name}: {compile_s:.1f} s", flush=True)
    times = interleaved_medians(prepared, repeats=args.repeats, warmup=2)
    base = times.get("realnvp", next(iter(times.values())))
    out = [(name, f"{rows[name]['params'] / 1e6:.2f} M", f"{times[name] * 1e3:.1f}", f"{1.0 / times[name]:.2f}",
            f"{times[name] / base:.2f}×",
            f"{rows[name]['compile']:.1f}", f"{rows[name]['memory']:.0f}") for name in args.models]
    print(f"\n### One training step (forward + backward + update), preset {args.preset}, batch {args.batch}, "
          f"{shape[0]}×{shape[1]}×{shape[2]}, float32, jit\n")
    print(table(out, ("model", "parameters", "median ms / step", "steps / s", "÷ realnvp", "first-step compile s",
                      "peak memory MB (cumulative)")))


if __name__ == "__main__":
    main()
