"""Inspection programs compiled with XLA's defaults vs ``jit_once``'s options, side by side.

    python bench/bench_jit_once.py                 # the shipped (small) model, as notebook 06 inspects it
    python bench/bench_jit_once.py --repeats 2

For each program notebook 06 runs once — the layer-by-layer summary of 8 test photos
(``pv.layer_summary``), the flow summary on a 4×4 latent (``pv.flow_summary``) and the dense
Jacobian of the flow on it (``jacfwd``) — the program is lowered once and compiled with both
option sets, alternating which goes first, then run (after one warm-up call). Prints compile
seconds, run milliseconds, the sum (what a reader waits for one call) and the largest difference
between the two builds' outputs, relative to the output's largest magnitude (per output array).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("PACVIZ_COMPILATION_CACHE", "0")  # every compile is a real one

import jax  # noqa: E402
import numpy as np  # noqa: E402
from flax import nnx  # noqa: E402

import pacviz as pv  # noqa: E402
from pacviz.data import evaluation_images, load_dataset  # noqa: E402
from pacviz.models import summary as summary_module  # noqa: E402
from pacviz.models.jit_once import ONE_SHOT_OPTIONS  # noqa: E402
from pacviz.models.pac_flow import evaluation_mode  # noqa: E402


def programs(model):
    """name → (pure function of (state, *args), args)."""
    graphdef, state = nnx.split(model)
    images = evaluation_images(load_dataset("photos", split="test"), 8)
    noise = jax.random.normal(jax.random.PRNGKey(0), images.shape[:-1] + (model.dequantization.padded_channels,))
    z0 = jax.random.normal(jax.random.PRNGKey(1), (1, 4, 4, model.dequantization.padded_channels))

    def layers(state, images, noise):
        m = nnx.merge(graphdef, state)
        terms = m.dequantization.forward_terms(images, rngs=None, noise=noise)
        return terms.log_det, summary_module._run_steps(summary_module._bijective_steps(m, *images.shape[1:3]), terms.z)

    def flow(state, z0):
        m = nnx.merge(graphdef, state)
        return summary_module._run_steps(summary_module._bijective_steps(m, *z0.shape[1:3]), z0)

    def jacobian(state, z0):
        return jax.jacfwd(nnx.merge(graphdef, state).flow_forward, has_aux=True)(z0)

    return {"layer summary, 8 photos 32×32": (layers, (state, images, noise)),
            "flow summary, 4×4 latent": (flow, (state, z0)),
            "dense Jacobian (jacfwd), 4×4 latent": (jacobian, (state, z0))}


def measure(fn, args, options, runs=3):
    jax.clear_caches()  # else the second compile of the same module comes from JAX's in-memory cache
    lowered = jax.jit(fn).lower(*args)
    start = time.perf_counter()
    compiled = lowered.compile(compiler_options=options) if options else lowered.compile()
    compile_s = time.perf_counter() - start
    out = jax.block_until_ready(compiled(*args))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        times.append(time.perf_counter() - start)
    return compile_s, 1e3 * float(np.median(times)), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="compiles of each variant (alternating order)")
    args = parser.parse_args(argv)
    model, meta = pv.load_pretrained()
    print(f"{meta['config']['model']} ({meta['config']['model_preset']} preset), {jax.default_backend()}, "
          f"load average {os.getloadavg()[0]:.1f}; options: {ONE_SHOT_OPTIONS}\n")
    print("| program | XLA defaults: compile s | run ms | jit_once: compile s | run ms | compile + run, ratio | max |Δ| / max |x| |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with evaluation_mode(model):
        for name, (fn, fn_args) in programs(model).items():
            results = {"default": [], "once": []}
            for r in range(args.repeats):
                order = ("default", "once") if r % 2 == 0 else ("once", "default")
                for variant in order:
                    results[variant].append(measure(fn, fn_args, ONE_SHOT_OPTIONS if variant == "once" else None))
            (dc, dr, dout), (oc, orun, oout) = (min(results[v], key=lambda x: x[0]) for v in ("default", "once"))
            diff = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(a))))
                       for a, b in zip(jax.tree.leaves(dout), jax.tree.leaves(oout)))
            ratio = (oc + orun / 1e3) / (dc + dr / 1e3)
            print(f"| {name} | {dc:.1f} | {dr:.0f} | {oc:.1f} | {orun:.0f} | {ratio:.2f}× | {diff:.1e} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
