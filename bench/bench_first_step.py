"""Where a training run's first step goes, and what XLA options do to a PAC layer's compile.

    python bench/bench_first_step.py                     # pac_s_curve, small preset: the phases
    python bench/bench_first_step.py --flags             # one PAC layer's gradient under XLA options

Phases (one fresh process, no persistent cache): building the model (eager initialisers, one
small compile per array shape; then a second build in the same process), the data-dependent
initialisation's forward pass, tracing + lowering the training step, XLA's compile, then the
median of 5 steps. ``--flags`` runs each candidate ``XLA_FLAGS`` in a process of its own (on
top of pacviz's defaults) on the gradient of one PAC layer (batch 8, 32×32×6, K = 5, F = 16).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = ("", "--xla_cpu_parallel_codegen_split_count=1", "--xla_cpu_parallel_codegen_split_count=2",
         "--xla_llvm_disable_expensive_passes=true", "--xla_cpu_use_fusion_emitters=false",
         "--xla_cpu_enable_concurrency_optimized_scheduler=false")


def seconds(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def phases(model: str, preset: str) -> dict:
    import jax
    import jax.numpy as jnp
    from flax import nnx

    import pacviz as pv
    from pacviz.train.config import train_config
    from pacviz.train.optimizer import make_optimizer
    from pacviz.train.step import TrainStep

    shape = (32, 32, 3)
    net, build_s = seconds(lambda: pv.build_model(model, shape, preset=preset, rngs=nnx.Rngs(0)))
    _, rebuild_s = seconds(lambda: pv.build_model(model, shape, preset=preset, rngs=nnx.Rngs(1)))
    images = jax.random.randint(jax.random.PRNGKey(0), (8,) + shape, 0, 256).astype(jnp.uint8)
    _, init_s = seconds(lambda: jax.block_until_ready(
        nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(net, images, nnx.Rngs(noise=0))))
    net.train()
    optimizer = nnx.Optimizer(net, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((net, optimizer))
    step = TrainStep(graphdef, state)
    leaves, keys = step.leaves(state), (jax.random.PRNGKey(1), jax.random.PRNGKey(2))
    lowered, lower_s = seconds(lambda: step.lower(leaves, images, *keys))
    _, compile_s = seconds(lowered.compile)
    times = []
    for _ in range(7):
        (leaves, out), t = seconds(lambda: jax.block_until_ready(step(leaves, images, *keys)))
        times.append(t)
    return {"build_model s": build_s, "second build_model s": rebuild_s, "init forward s": init_s,
            "trace + lower s": lower_s, "XLA compile s": compile_s, "step ms": 1e3 * sorted(times[2:])[2]}


def pac_gradient(flags: str) -> dict:
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flags).strip()
    import jax
    import jax.numpy as jnp

    import pacviz as pv
    from bench_ops import layer_inputs

    x, f, sigma2, lengthscale, weight, mask = layer_inputs(jax.random.PRNGKey(0), 8, 32, 32, 6, 16, 5)

    def loss(x, f, sigma2, lengthscale, weight):
        z, log_det = pv.pac_forward(x, weight, pv.pac_kernel(f, sigma2, lengthscale, 5), mask)
        return jnp.sum(z * z) - jnp.sum(log_det)

    args = (x, f, sigma2, lengthscale, weight)
    grad = jax.jit(jax.grad(loss, argnums=tuple(range(5))))
    compiled, compile_s = seconds(lambda: grad.lower(*args).compile())
    jax.block_until_ready(compiled(*args))
    times = [seconds(lambda: jax.block_until_ready(compiled(*args)))[1] for _ in range(15)]
    return {"compile s": compile_s, "step ms": 1e3 * sorted(times)[7], "XLA_FLAGS": os.environ["XLA_FLAGS"]}


def in_subprocess(argv: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "bench_first_step.py"), "--worker", *argv],
                          capture_output=True, text=True, cwd=HERE.parent)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    sys.path.insert(0, str(HERE))
    from timing import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pac_s_curve")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--flags", action="store_true", help="XLA options on one PAC layer's gradient")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--xla", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(pac_gradient(args.xla) if args.flags else phases(args.model, args.preset)))
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.flags:
        rows = []
        for flags in FLAGS:
            r = in_subprocess(["--flags", f"--xla={flags}"])
            rows.append((f"`{flags}`" if flags else "none (pacviz defaults)", f"{r['compile s']:.2f}",
                         f"{r['step ms']:.1f}"))
            print(rows[-1], flush=True)
        print(table(rows, ("XLA_FLAGS added", "compile s", "step ms (gradient)")))
    else:
        r = in_subprocess(["--model", args.model, "--preset", args.preset])
        print(f"{args.model}, preset {args.preset}, batch 8, 32×32×3")
        print(table([(k, f"{v:.1f}") for k, v in r.items()], ("phase", "value")))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
