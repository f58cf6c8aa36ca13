"""Benchmark the core ops: a PAC layer against a plain convolution, Jacobi against substitution.

    python bench/bench_ops.py            # full sizes (batch 8, 32×32×6, K = 5, F = 16), float32
    python bench/bench_ops.py --quick    # smaller, for a smoke run

Prints Markdown tables of medians and ratios, all measured side by side in one run, with the
earlier formulation of the ops (``bench/reference_ops.py``) timed next to the current one.
``--only layer`` / ``--only inverse`` runs one table; the inverse table covers image sides 16, 32, 64.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import jax
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pacviz as pv  # noqa: E402
from reference_ops import (folded_pac_forward, reference_pac_forward, reference_pac_inverse,  # noqa: E402
                           reference_pac_kernel)
from timing import compile_time, interleaved_medians, table  # noqa: E402


def layer_inputs(key, batch, h, w, c, f_dim, k):
    ks = jax.random.split(key, 5)
    x = jax.random.normal(ks[0], (batch, h, w, c), jnp.float32)
    f = jnp.tanh(jax.random.normal(ks[1], (batch, h, w, f_dim), jnp.float32))
    sigma2 = jax.random.uniform(ks[2], (batch, h, w, c), jnp.float32, 0.5, 1.0)
    lengthscale = jax.random.uniform(ks[3], (batch, h, w, c), jnp.float32, 0.2, 1.0)
    weight = pv.near_identity_weight(ks[4], c, k, 0.02)
    mask = pv.autoregressive_mask(pv.make_order(h, w, "s_curve"), k)
    return x, f, sigma2, lengthscale, weight, mask


def bench_layer(args):
    b, h, w, c, f_dim, k = args.batch, args.size, args.size, args.channels, args.features, args.kernel_size
    x, f, sigma2, lengthscale, weight, mask = layer_inputs(jax.random.PRNGKey(0), b, h, w, c, f_dim, k)

    def pac_layer(x, f, sigma2, lengthscale, weight):
        kernel = pv.pac_kernel(f, sigma2, lengthscale, k)
        return pv.pac_forward(x, weight, kernel, mask)

    def emerging_layer(x, weight):
        return pv.pac_forward(x, weight, None, mask)

    def conv(x, weight):
        return jax.lax.conv_general_dilated(x, weight, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def grad_of(fn, n_args):
        # A training-like backward pass: gradient of a scalar of the output w.r.t. every input.
        def loss(*a):
            out = fn(*a)
            z, log_det = out if isinstance(out, tuple) else (out, 0.0)
            return jnp.sum(z * z) - jnp.sum(log_det)
        return jax.grad(loss, argnums=tuple(range(n_args)))

    pac_args, em_args, conv_args = (x, f, sigma2, lengthscale, weight), (x, weight), (x, weight)
    def reference_layer(x, f, sigma2, lengthscale, weight):
        return reference_pac_forward(x, weight, reference_pac_kernel(f, sigma2, lengthscale, k), mask)

    def reference_emerging(x, weight):
        return reference_pac_forward(x, weight, None, mask)

    def folded_layer(x, f, sigma2, lengthscale, weight):
        return folded_pac_forward(x, weight, pv.pac_kernel(f, sigma2, lengthscale, k), mask)

    candidates = {
        "lax.conv 5×5": (jax.jit(conv), conv_args),
        "PAC layer (kernel + U + L + log-det)": (jax.jit(pac_layer), pac_args),
        "PAC layer, masks folded in the (…, K, K) layout": (jax.jit(folded_layer), pac_args),
        "PAC layer, earlier formulation": (jax.jit(reference_layer), pac_args),
        "emerging layer (k = 1)": (jax.jit(emerging_layer), em_args),
        "emerging layer, earlier formulation": (jax.jit(reference_emerging), em_args),
        "grad of lax.conv 5×5": (jax.jit(grad_of(conv, 2)), conv_args),
        "grad of PAC layer": (jax.jit(grad_of(pac_layer, 5)), pac_args),
        "grad of PAC layer, masks folded in the (…, K, K) layout": (jax.jit(grad_of(folded_layer, 5)), pac_args),
        "grad of PAC layer, earlier formulation": (jax.jit(grad_of(reference_layer, 5)), pac_args),
        "grad of emerging layer": (jax.jit(grad_of(emerging_layer, 2)), em_args),
        "grad of emerging layer, earlier formulation": (jax.jit(grad_of(reference_emerging, 2)), em_args),
    }
    compile_s = {name: compile_time(fn, *a) for name, (fn, a) in candidates.items()}
    times = interleaved_medians(candidates, repeats=args.repeats)
    rows = []
    for name, t in times.items():
        base = times["grad of lax.conv 5×5" if name.startswith("grad") else "lax.conv 5×5"]
        rows.append((name, f"{t * 1e3:.3f}", f"{t / base:.2f}×", f"{compile_s[name]:.2f}"))
    print(f"\n### PAC layer vs plain convolution (batch {b}, {h}×{w}×{c}, K = {k}, F = {f_dim}, float32, jit)\n")
    print(table(rows, ("what", "median ms", "÷ lax.conv (same pass)", "first call (compile) s")))


def bench_inverse(args):
    rows = []
    for size in args.inverse_sizes:
        b, c, f_dim, k = args.batch, args.channels, args.features, args.kernel_size
        x, f, sigma2, lengthscale, weight, mask = layer_inputs(jax.random.PRNGKey(1), b, size, size, c, f_dim, k)
        order = pv.make_order(size, size, "s_curve")
        kernel = pv.pac_kernel(f, sigma2, lengthscale, k)
        z, _ = pv.pac_forward(x, weight, kernel, mask)
        jacobi = jax.jit(lambda z, weight, kernel: pv.pac_inverse(z, weight, kernel, mask))
        earlier = jax.jit(lambda z, weight, kernel: reference_pac_inverse(z, weight, kernel, mask))
        subst = jax.jit(lambda z, weight, kernel: pv.pac_inverse_substitution(z, weight, kernel, mask, order))
        _, info = jacobi(z, weight, kernel)
        err_j = float(jnp.max(jnp.abs(jacobi(z, weight, kernel)[0] - x)))
        err_s = float(jnp.max(jnp.abs(subst(z, weight, kernel) - x)))
        times = interleaved_medians({"jacobi": (jacobi, (z, weight, kernel)),
                                     "earlier": (earlier, (z, weight, kernel)),
                                     "subst": (subst, (z, weight, kernel))}, repeats=max(5, args.repeats // 3))
        rows.append((f"{size}×{size}×{c}", f"{int(info.lower.iterations)} + {int(info.upper.iterations)}",
                     f"{times['jacobi'] * 1e3:.2f}", f"{times['earlier'] * 1e3:.2f}", f"{err_j:.1e}",
                     f"{times['subst'] * 1e3:.2f}", f"{err_s:.1e}",
                     f"{times['subst'] / times['jacobi']:.1f}×", f"{times['subst'] / times['earlier']:.1f}×"))
    print(f"\n### Inverse: weighted Jacobi (α = 1) vs exact pixel-by-pixel substitution (batch {args.batch}, "
          f"K = {args.kernel_size}, s-curve order, near-identity W, float32, jit)\n")
    print(table(rows, ("image", "Jacobi iterations (L + U)", "Jacobi ms", "Jacobi ms, earlier formulation",
                       "Jacobi max err", "substitution ms (H·W + H·W steps)", "subst. max err",
                       "speed-up over substitution", "earlier speed-up")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--kernel-size", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--only", choices=("layer", "inverse"), help="run one of the two tables")
    args = parser.parse_args(argv)
    args.inverse_sizes = (16, 32, 64)
    if args.quick:
        args.size, args.repeats, args.inverse_sizes = 16, 5, (8,)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({platform.processor() or platform.machine()}, "
          f"{jax.device_count()} device(s)), XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
    if args.only != "inverse":
        bench_layer(args)
    if args.only != "layer":
        bench_inverse(args)


if __name__ == "__main__":
    main()
