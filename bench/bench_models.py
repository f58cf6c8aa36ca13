"""Benchmark one training step (forward + backward + AdaBelief update, jit) of each of the four
models: first-step compile seconds, median step time, the Python cost of one call (until the
call returns, before the step finishes), peak memory, and the program's StableHLO size.

    python bench/bench_models.py                                # paper models, batch 8, 32×32×3
    python bench/bench_models.py --preset small --models realnvp pac_s_curve
    git worktree add /tmp/pacviz-before <commit>
    python bench/bench_models.py --before /tmp/pacviz-before    # old code vs this tree, one table

Each (model, code) pair runs in a process of its own, so compile time and peak memory (peak RSS
on a CPU, the device's peak on a GPU) are its own; with ``--before`` the old and the new code of
a model run back to back, so machine load hits both alike. The old tree is imported through
``PYTHONPATH`` (it must hold a ``pacviz`` package); ``--repeats`` steps are timed after 2 warm-ups.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_memory_mb() -> float:
    """Peak device memory where the backend reports it (GPU), else this process's peak RSS."""
    import jax

    stats = jax.devices()[0].memory_stats() or {}
    if "peak_bytes_in_use" in stats:
        return stats["peak_bytes_in_use"] / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepared_model(name, preset, batch, shape):
    """``(model, images)``: model ``name`` after its data-dependent initialisation, in training mode,
    and a batch of random integer images."""
    import jax
    import jax.numpy as jnp
    from flax import nnx

    import pacviz as pv
    from pacviz.train.initialization import data_dependent_init

    model = pv.build_model(name, shape, preset=preset, rngs=nnx.Rngs(0))
    images = jax.random.randint(jax.random.PRNGKey(0), (batch,) + shape, 0, 256).astype(jnp.uint8)
    data_dependent_init(model, images, jax.random.PRNGKey(0))  # the trainer's: dropout off
    model.train()
    return model, images


def prepared_step(name, preset, batch, shape, scan_blocks: bool | None = None):
    """``(step(state) -> (state, metrics), state, params, lowered)``: the training step as the
    trainer of the imported pacviz calls it (``scan_blocks``: its choice unless given)."""
    import jax
    from flax import nnx

    import pacviz as pv
    from pacviz.train import step as step_module
    from pacviz.train.config import train_config
    from pacviz.train.optimizer import make_optimizer

    model, images = prepared_model(name, preset, batch, shape)
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    keys = (jax.random.PRNGKey(1), jax.random.PRNGKey(2))
    if hasattr(step_module, "TrainStep"):  # flat donated leaves, graphdef closed over
        choice = {} if scan_blocks is None else dict(scan_blocks=scan_blocks)
        fast = step_module.TrainStep(graphdef, state, **choice)
        return (lambda leaves: fast(leaves, images, *keys)), fast.leaves(state), pv.count_params(model), \
            (lambda leaves: fast.lower(leaves, images, *keys))
    return (lambda s: step_module.train_step(graphdef, s, images, *keys)), state, pv.count_params(model), \
        (lambda s: step_module.train_step.lower(graphdef, s, images, *keys))


def compile_and_warm_up(step, state, warmup: int):
    """``(state, seconds of the first, compiling step)``, after ``warmup`` more steps."""
    import jax

    start = time.perf_counter()
    state, out = step(state)
    jax.block_until_ready(out["loss"])
    seconds = time.perf_counter() - start
    for _ in range(warmup):
        state, out = step(state)
    jax.block_until_ready(out["loss"])
    return state, seconds


def worker(args):
    """Measure one model with the pacviz on ``sys.path``; print one JSON line."""
    import jax

    import pacviz

    shape = (args.size, args.size, 3)
    step, state, params, lower = prepared_step(args.models[0], args.preset, args.batch, shape)
    state, compile_s = compile_and_warm_up(step, state, 2)
    times, calls = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        state, out = step(state)
        calls.append(time.perf_counter() - start)
        jax.block_until_ready(out["loss"])
        times.append(time.perf_counter() - start)
    ops = sum(1 for line in lower(state).as_text().splitlines() if "stablehlo." in line)
    print(json.dumps(dict(pacviz=str(Path(pacviz.__file__).parent), params=params, compile_s=compile_s, ops=ops,
                          step_ms=1e3 * sorted(times)[len(times) // 2], call_ms=1e3 * sorted(calls)[len(calls) // 2],
                          memory_mb=peak_memory_mb(), xla_flags=os.environ.get("XLA_FLAGS", ""),
                          device=f"{jax.devices()[0].platform} ({jax.devices()[0].device_kind})")))


def run_worker(name, args, tree: Path | None) -> dict:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    cmd = [sys.executable, str(HERE / "bench_models.py"), "--worker", "--models", name, "--preset", args.preset,
           "--batch", str(args.batch), "--size", str(args.size), "--repeats", str(args.repeats)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree or HERE.parent)
    if proc.returncode:
        raise RuntimeError(f"{name} ({tree or 'this tree'}) failed:\n{proc.stderr[-3000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = (tree or HERE.parent).resolve() / "pacviz"
    if Path(row["pacviz"]).resolve() != expected:
        raise RuntimeError(f"the worker imported {row['pacviz']}, not {expected}")
    return row


def main(argv=None):
    from timing import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--models", nargs="*", default=["realnvp", "emerging", "pac_raster", "pac_s_curve"])
    parser.add_argument("--before", type=Path, help="a checkout of the old code to measure alongside")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    print(f"{platform.machine()}, preset {args.preset}, batch {args.batch}, {args.size}×{args.size}×3, float32, "
          f"{args.repeats} timed steps after 2 warm-ups", flush=True)
    codes = ([("before", args.before)] if args.before else []) + [("after", None)]
    rows, base = [], {}
    for name in args.models:
        for code, tree in codes:
            r = run_worker(name, args, tree)
            print(f"  {name} {code}: {r}", flush=True)
            base.setdefault(code, r["step_ms"])  # the first model (realnvp by default) is the reference
            rows.append((name, code, f"{r['params'] / 1e6:.2f} M", r["ops"], f"{r['compile_s']:.1f}",
                         f"{r['step_ms']:.1f}", f"{r['step_ms'] / base[code]:.2f}×", f"{r['call_ms']:.1f}",
                         f"{r['memory_mb']:.0f}"))
    print(f"\n### One training step, preset {args.preset}, batch {args.batch}, {args.size}×{args.size}×3, float32, "
          f"{r['device']}\n")
    print(table(rows, ("model", "code", "parameters", "StableHLO ops", "first-step compile s", "median ms / step",
                       f"÷ {args.models[0]}", "Python ms / call", "peak memory MB")))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
