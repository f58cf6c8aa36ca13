"""Peak RSS per phase of one training process (CPU): build, data-dependent init, trace, compile, steps.

    python bench/bench_rss_phases.py                                  # pac_s_curve, paper, init batch 128
    python bench/bench_rss_phases.py --model realnvp --preset small --init-batch 64 --init-mode train

A thread samples the process's resident set (``/proc/self/statm``, Linux) every 50 ms and keeps
the largest value per phase; each phase waits for its results before the next begins. The
data-dependent initialisation runs in evaluation mode as the trainer's does
(``pacviz.train.initialization.data_dependent_init``) or, with ``--init-mode train``, with
dropout on (as ``bench_models.prepared_model`` did until 2026-12-02). Then the optimizer, the
training step at batch 8 traced and lowered (``TrainStep.lower``), compiled, and three steps.
Every compile is a real one (no persistent cache). The RSS of a phase includes what earlier
phases left allocated. As in the trainer, the C heap's freed pages go back to the system after
the initialisation and after the step's compile (``pacviz.train.heap.return_freed_memory``);
``--keep-heap`` skips that, for the comparison.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

os.environ.setdefault("PACVIZ_COMPILATION_CACHE", "0")

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2 ** 20


class PhasePeaks:
    """The largest resident set seen in each named phase."""

    def __init__(self):
        self.phase, self.peaks = "import", {}
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self):
        while True:
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * PAGE_MB
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), rss)
            time.sleep(0.05)

    def enter(self, phase: str):
        self.phase = phase
        return time.perf_counter()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pac_s_curve")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--init-batch", type=int, default=128)
    parser.add_argument("--init-mode", choices=("eval", "train"), default="eval")
    parser.add_argument("--keep-heap", action="store_true", help="do not return the freed heap (as before)")
    parser.add_argument("--scan-blocks", action="store_true",
                        help="apply the residual blocks as one scan (the GPU default; the CPU loops)")
    args = parser.parse_args(argv)
    peaks = PhasePeaks()

    import jax
    import jax.numpy as jnp
    from flax import nnx

    import pacviz as pv
    from pacviz.train.config import train_config
    import pacviz.train.heap as heap
    from pacviz.train.initialization import data_dependent_init
    if args.keep_heap:
        heap._malloc_trim = lambda: None  # pacviz's calls become no-ops
    from pacviz.train.optimizer import make_optimizer
    from pacviz.train.step import TrainStep

    seconds = {}
    start = peaks.enter("build")
    model = pv.build_model(args.model, (32, 32, 3), preset=args.preset, rngs=nnx.Rngs(0))
    images = jax.random.randint(jax.random.PRNGKey(0), (args.init_batch, 32, 32, 3), 0, 256).astype(jnp.uint8)
    jax.block_until_ready(nnx.state(model))
    init = f"init (batch {args.init_batch}, {args.init_mode})"
    seconds["build"], start = time.perf_counter() - start, peaks.enter(init)
    if args.init_mode == "eval":
        data_dependent_init(model, images, jax.random.PRNGKey(1))
    else:
        nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(model, images, nnx.Rngs(noise=1))
    jax.block_until_ready(nnx.state(model))
    seconds[init], start = time.perf_counter() - start, peaks.enter("optimizer")
    model.train()
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    step = TrainStep(graphdef, state, scan_blocks=True if args.scan_blocks else None)
    leaves = step.leaves(state)
    batch, keys = images[:8], (jax.random.PRNGKey(2), jax.random.PRNGKey(3))
    jax.block_until_ready(leaves)
    seconds["optimizer"], start = time.perf_counter() - start, peaks.enter("trace + lower")
    lowered = step.lower(leaves, batch, *keys)
    seconds["trace + lower"], start = time.perf_counter() - start, peaks.enter("XLA compile")
    compiled = lowered.compile()
    if not args.keep_heap:
        heap.return_freed_memory()  # as TrainStep's first call does
    seconds["XLA compile"], start = time.perf_counter() - start, peaks.enter("3 steps")
    for _ in range(3):
        leaves, metrics = compiled(leaves, batch, *keys)
    jax.block_until_ready(metrics)
    seconds["3 steps"] = time.perf_counter() - start
    time.sleep(0.2)
    memory = compiled.memory_analysis()
    print(f"{args.model}, preset {args.preset}, {jax.default_backend()}, freed heap "
          f"{'kept' if args.keep_heap else 'returned after the init and the compile'}, residual blocks "
          f"{'scanned' if args.scan_blocks else 'as the backend chooses'}; the step's own temporary buffers "
          f"(XLA memory_analysis): {memory.temp_size_in_bytes / 2 ** 20:.0f} MB\n")
    print("| phase | seconds | peak RSS MB |\n|---|---:|---:|")
    for phase, peak in peaks.peaks.items():
        print(f"| {phase} | {f'{seconds[phase]:.1f}' if phase in seconds else ''} | {peak:.0f} |")


if __name__ == "__main__":
    main()
