"""Why scanning the residual blocks is slow on CPU: convolutions inside a loop body, side by side.

    python bench/bench_scan_conv.py --repeats 15

A stack of ``--blocks`` residual convolutions (``x + conv(relu(x), W_i)``, batch 8, 16×16×32,
3×3, float32) is differentiated three ways, and single convolutions are timed in and out of a
``fori_loop`` with the two kernel layouts autodiff produces:

- unrolled: a Python loop, one convolution per block in the program;
- scan: ``lax.scan`` over the stacked kernels (the layout a scanned model would use);
- scan, own backward: the same scan with :func:`pacviz.ops.conv_same_in_loop`, whose
  ``custom_vjp`` writes both gradients as forward convolutions with HWIO kernels.

Autodiff transposes a convolution into convolutions whose kernel layout is HWOI (input-gradient)
or a batch/feature swap (weight-gradient). Outside a loop XLA:CPU rewrites them to its fast
layout; inside a while body it does not, and they take a generic path. The last table shows it
on forward convolutions alone.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from timing import compile_time, interleaved_medians, table  # noqa: E402

from pacviz.ops.conv import conv_same_in_loop  # noqa: E402

HWIO = ("NHWC", "HWIO", "NHWC")
HWOI = ("NHWC", "HWOI", "NHWC")


def conv(x, w, dims=HWIO):
    """SAME, stride-1 convolution. x: (N, H, W, C), w: (K, K, C, F) for HWIO."""
    return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dims)


def loss_unrolled(ws, x):
    for i in range(ws.shape[0]):
        x = x + conv(jax.nn.relu(x), ws[i])
    return jnp.sum(x ** 2)


def _loss_scan(conv_fn):
    def loss(ws, x):
        x, _ = lax.scan(lambda h, w: (h + conv_fn(jax.nn.relu(h), w), None), x, ws)
        return jnp.sum(x ** 2)
    return loss


def single_convs(x, w, n):
    """``n`` forward convolutions, unrolled and in a fori_loop, with HWOI and with HWIO kernels."""
    w_oi = w.swapaxes(2, 3)  # the same kernel stored HWOI

    def unrolled(dims, kernel):
        def f(x):
            for _ in range(n):
                x = conv(x, kernel, dims)
            return x
        return f

    def looped(dims, kernel, swap_in_body=False):
        def f(x):
            def body(_, h):
                if swap_in_body:  # an explicit transpose, then the fast layout
                    return conv(h, kernel.swapaxes(2, 3), HWIO)
                return conv(h, kernel, dims)
            return lax.fori_loop(0, n, body, x)
        return f

    return {
        "HWOI kernel, unrolled": (jax.jit(unrolled(HWOI, w_oi)), (x,)),
        "HWOI kernel, in a loop": (jax.jit(looped(HWOI, w_oi)), (x,)),
        "HWOI kernel swapped to HWIO in the loop body": (jax.jit(looped(None, w_oi, swap_in_body=True)), (x,)),
        "HWIO kernel, in a loop": (jax.jit(looped(HWIO, w)), (x,)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    kx, kw = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (8, 16, 16, 32))
    ws = 0.05 * jax.random.normal(kw, (args.blocks, 3, 3, 32, 32))

    grads = {
        "unrolled": jax.jit(jax.grad(loss_unrolled)),
        "scan": jax.jit(jax.grad(_loss_scan(conv))),
        "scan, own backward": jax.jit(jax.grad(_loss_scan(conv_same_in_loop))),
    }
    compiled = {name: compile_time(fn, ws, x) for name, fn in grads.items()}
    reference = grads["unrolled"](ws, x)
    for name, fn in grads.items():  # all three compute the same gradient
        err = float(jnp.max(jnp.abs(fn(ws, x) - reference)) / jnp.max(jnp.abs(reference)))
        assert err < 1e-4, f"{name}: relative gradient error {err:.2e}"
    forward = {"unrolled": jax.jit(loss_unrolled), "scan": jax.jit(_loss_scan(conv))}

    times = interleaved_medians({**{f"gradient, {k}": (f, (ws, x)) for k, f in grads.items()},
                                 **{f"forward, {k}": (f, (ws, x)) for k, f in forward.items()}}, args.repeats)
    base = times["gradient, unrolled"]
    print(f"{args.blocks} residual conv blocks, batch 8, 16×16×32, 3×3, float32, {jax.default_backend()}")
    first = {f"gradient, {k}": f"{v:.2f}" for k, v in compiled.items()}  # compile + first call
    print(table([(k, f"{v * 1e3:.2f}", f"{v / base:.2f}×", first.get(k, "")) for k, v in times.items()],
                ("program", "ms (median)", "÷ unrolled gradient", "first call s")))

    singles = single_convs(x, ws[0], args.blocks)
    times = interleaved_medians(singles, args.repeats)
    base = times["HWOI kernel, unrolled"]
    print(f"\n{args.blocks} forward convolutions in a row")
    print(table([(k, f"{v * 1e3:.2f}", f"{v / base:.2f}×") for k, v in times.items()],
                ("program", "ms (median)", "÷ unrolled")))


if __name__ == "__main__":
    main()
