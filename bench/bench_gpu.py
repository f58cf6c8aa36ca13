"""The GPU check: steps/s, compile time and device memory of the paper's CIFAR configuration.

    python bench/bench_gpu.py                       # pac_s_curve, preset paper, batch 8, 32×32×3
    python bench/bench_gpu.py --models realnvp pac_s_curve --steps 200
    python bench/bench_gpu.py --scan-blocks on      # only the step as the trainer runs it on a GPU

Aim (issue 13): >= 20 steps/s at batch 8 on one H200. The step is the trainer's (flat donated
state, one program per model); steps are timed back to back with one wait at the end, as the
trainer runs them (it reads metrics only at log points). Runs on a CPU too (slowly), to check
the script itself: ``--preset tiny --steps 5``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_models import compile_and_warm_up, peak_memory_mb, prepared_step  # noqa: E402


def main(argv=None):
    import jax

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=["pac_s_curve"])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--scan-blocks", nargs="*", choices=["on", "off"], default=["on", "off"],
                        help="the conditioners' residual blocks as one lax.scan (on, the trainer's choice on a "
                             "GPU) or a loop (off, its choice on a CPU); both by default, to check that choice")
    args = parser.parse_args(argv)
    device = jax.devices()[0]
    print(f"jax {jax.__version__} on {device.platform} ({device.device_kind}), {jax.device_count()} device(s); "
          f"preset {args.preset}, batch {args.batch}, {args.size}×{args.size}×3, float32", flush=True)
    if device.platform != "gpu":
        print("  (no GPU: the figures below are this machine's, not the GPU check's)", flush=True)
    for name, scan in ((n, s) for n in args.models for s in args.scan_blocks):
        start = time.perf_counter()
        step, state, params, _ = prepared_step(name, args.preset, args.batch, (args.size, args.size, 3),
                                               scan_blocks=scan == "on")
        build_s = time.perf_counter() - start
        state, compile_s = compile_and_warm_up(step, state, 3)
        start = time.perf_counter()
        for _ in range(args.steps):
            state, out = step(state)
        loss = float(out["loss"])
        seconds = time.perf_counter() - start
        print(f"{name} (blocks scanned: {scan}): {params / 1e6:.2f} M parameters; build + init {build_s:.1f} s; first-step compile "
              f"{compile_s:.1f} s; {args.steps / seconds:.2f} steps/s ({1e3 * seconds / args.steps:.1f} ms/step, "
              f"{args.steps} steps); peak memory {peak_memory_mb():.0f} MB; last loss {loss:.3f} bits/dim "
              "(training bound, one batch)", flush=True)


if __name__ == "__main__":
    main()
