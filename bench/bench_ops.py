"""Benchmark the core ops: a PAC layer against a plain convolution, Jacobi against substitution.

    python bench/bench_ops.py            # full sizes (batch 8, 32×32×6, K = 5, F = 16), float32
    python bench/bench_ops.py --quick    # smaller, for a smoke run

Prints Markdown tables of medians and ratios, all measured side by side in one run.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import jax
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pacviz as pv  # noqa: E402
from timing import interleaved_medians, table  # noqa: E402


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

    @jax.jit
    def pac_layer(x, f, sigma2, lengthscale, weight):
        kernel = pv.pac_kernel(f, sigma2, lengthscale, k)
        return pv.pac_forward(x, weight, kernel, mask)

    @jax.jit
    def pac_layer_patches(x, f, sigma2, lengthscale, weight):
        # The textbook route: materialise Ψ(x) and contract it (Eq. 4 literally).
        kernel = pv.pac_kernel(f, sigma2, lengthscale, k)
        fac = pv.triangular_factors(x.shape, weight, kernel, mask)
        eq4 = lambda v, wt, kn: jnp.einsum("...hwiuv,...hwouv,uvio->...hwo", pv.psi(v, k), kn, wt)
        y = eq4(x, fac.upper_weight, fac.upper_kernel)
        return y + eq4(y, fac.lower_weight, fac.lower_kernel), pv.pac_log_det(weight, kernel)

    @jax.jit
    def emerging_layer(x, weight):
        return pv.pac_forward(x, weight, None, mask)

    @jax.jit
    def conv(x, weight):
        return jax.lax.conv_general_dilated(x, weight, (1, 1), "SAME",
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"))

    times = interleaved_medians({
        "lax.conv 5×5": (conv, (x, weight)),
        "PAC layer (pacviz)": (pac_layer, (x, f, sigma2, lengthscale, weight)),
        "PAC layer (Ψ-patch einsum)": (pac_layer_patches, (x, f, sigma2, lengthscale, weight)),
        "emerging layer (k = 1)": (emerging_layer, (x, weight)),
    }, repeats=args.repeats)
    base = times["lax.conv 5×5"]
    rows = [(name, f"{t * 1e3:.3f}", f"{t / base:.2f}×") for name, t in times.items()]
    print(f"\n### PAC layer vs plain convolution (batch {b}, {h}×{w}×{c}, K = {k}, F = {f_dim}, float32, jit)\n")
    print(table(rows, ("what", "median ms", "÷ lax.conv")))


def bench_inverse(args):
    rows = []
    for size in args.inverse_sizes:
        b, c, f_dim, k = args.batch, args.channels, args.features, args.kernel_size
        x, f, sigma2, lengthscale, weight, mask = layer_inputs(jax.random.PRNGKey(1), b, size, size, c, f_dim, k)
        order = pv.make_order(size, size, "s_curve")
        kernel = pv.pac_kernel(f, sigma2, lengthscale, k)
        z, _ = pv.pac_forward(x, weight, kernel, mask)
        jacobi = jax.jit(lambda z, weight, kernel: pv.pac_inverse(z, weight, kernel, mask))
        subst = jax.jit(lambda z, weight, kernel: pv.pac_inverse_substitution(z, weight, kernel, mask, order))
        _, info = jacobi(z, weight, kernel)
        err_j = float(jnp.max(jnp.abs(jacobi(z, weight, kernel)[0] - x)))
        err_s = float(jnp.max(jnp.abs(subst(z, weight, kernel) - x)))
        times = interleaved_medians({"jacobi": (jacobi, (z, weight, kernel)),
                                     "subst": (subst, (z, weight, kernel))}, repeats=max(5, args.repeats // 3))
        rows.append((f"{size}×{size}×{c}", f"{int(info.lower.iterations)} + {int(info.upper.iterations)}",
                     f"{times['jacobi'] * 1e3:.2f}", f"{err_j:.1e}", f"{size * size} + {size * size}",
                     f"{times['subst'] * 1e3:.2f}", f"{err_s:.1e}", f"{times['subst'] / times['jacobi']:.1f}×"))
    print(f"\n### Inverse: weighted Jacobi (α = 1) vs exact pixel-by-pixel substitution (batch {args.batch}, K = {args.kernel_size}, near-identity W, float32, jit)\n")
    print(table(rows, ("image", "Jacobi iterations (L + U)", "Jacobi ms", "Jacobi max err",
                       "substitution steps (L + U)", "substitution ms", "subst. max err", "speed-up")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--kernel-size", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    args.inverse_sizes = (16, 32)
    if args.quick:
        args.size, args.repeats, args.inverse_sizes = 16, 5, (8,)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({platform.processor() or platform.machine()}, "
          f"{jax.device_count()} device(s))")
    bench_layer(args)
    bench_inverse(args)


if __name__ == "__main__":
    main()
