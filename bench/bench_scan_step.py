"""The training step with the residual blocks looped and scanned, in one process, timed round-robin.

    python bench/bench_scan_step.py --model pac_s_curve --preset paper --repeats 10

``bench_models.py --before`` runs old and new code in separate processes, a few steps each; that
is right for compile time and memory but leaves the step-time difference within its noise. Here
one model gets both steps (``TrainStep(..., scan_blocks=False/True)``, each with its own copy of the
state), compiled one after the other, then timed alternately so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_models import prepared_model  # noqa: E402
from timing import interleaved_medians, table  # noqa: E402


def main():
    import jax
    from flax import nnx

    from pacviz.train.config import train_config
    from pacviz.train.optimizer import make_optimizer
    from pacviz.train.step import TrainStep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pac_s_curve")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    model, images = prepared_model(args.model, args.preset, args.batch, (args.size,) * 2 + (3,))
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    keys = jax.random.PRNGKey(1), jax.random.PRNGKey(2)
    candidates, compiled, losses = {}, {}, {}
    for scan in (False, True):
        step = TrainStep(graphdef, state, scan_blocks=scan)
        holder = [jax.tree.map(lambda x: x.copy(), step.leaves(state))]  # its own arrays: the step donates them

        def call(step=step, holder=holder):
            holder[0], metrics = step(holder[0], images, *keys)
            return metrics["loss"]

        start = time.perf_counter()
        losses[scan] = float(jax.block_until_ready(call()))
        compiled[scan] = time.perf_counter() - start
        candidates["scanned" if scan else "looped"] = (call, ())
    times = interleaved_medians(candidates, args.repeats, warmup=1)
    base = times["looped"]
    print(f"{args.model}, preset {args.preset}, batch {args.batch}, {args.size}×{args.size}×3, "
          f"{jax.default_backend()}; first-step losses {losses[False]:.6f} (looped), {losses[True]:.6f} (scanned)")
    print(table([(name, f"{compiled[name == 'scanned']:.1f}", f"{ms * 1e3:.1f}", f"{ms / base:.3f}×")
                 for name, ms in times.items()],
                ("blocks", "first step s (compile)", f"ms / step (median of {args.repeats})", "÷ looped")))


if __name__ == "__main__":
    main()
