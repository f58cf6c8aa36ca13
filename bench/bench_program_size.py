"""Where the training step's program size comes from: StableHLO ops (and, with ``--compile``,
optimised HLO instructions and compile seconds) per module kind, forward + gradient, times the
number of calls of that kind in one step; then the whole step and the optimizer update alone.

    python bench/bench_program_size.py                       # small preset, pac_s_curve, lower only
    python bench/bench_program_size.py --compile             # also compile each part (minutes)
    python bench/bench_program_size.py --preset paper --whole-only --compile   # the paper step only
    python bench/bench_program_size.py --dropout-keys   # threefry vs unsafe_rbg dropout keys, side by side

A module kind's row is measured on one instance, at the input shape it sees in the model
(``jax.grad`` of the sum of its outputs with respect to its parameters and float inputs). Rows
nest (a Conditioner contains its residual blocks; a Coupling its conditioner and transformer), so
they are not meant to add up; "whole step" is the real program.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import OrderedDict
from pathlib import Path

import jax
import jax.numpy as jnp
from flax import nnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pacviz.flows.act_norm import ActNorm  # noqa: E402
from pacviz.flows.affine import Affine  # noqa: E402
from pacviz.flows.coupling import Coupling  # noqa: E402
from pacviz.flows.elementwise_scale import ElementwiseScale  # noqa: E402
from pacviz.flows.fused_dequantization_padding import FusedDequantizationPadding  # noqa: E402
from pacviz.flows.invertible_conv1x1 import InvertibleConv1x1  # noqa: E402
from pacviz.flows.logistic_mixture_logit import LogisticMixtureLogit  # noqa: E402
from pacviz.flows.pac_linear import EmergingLinear, PACLinear  # noqa: E402
from pacviz.flows.s_log_gate import SLogGate  # noqa: E402
from pacviz.models.conditioner import Conditioner, GatedResidualBlock  # noqa: E402
from pacviz.train import step as step_module  # noqa: E402
from pacviz.train.config import train_config  # noqa: E402
from pacviz.train.optimizer import make_optimizer  # noqa: E402
from bench_models import prepared_model  # noqa: E402
from timing import interleaved_medians, table  # noqa: E402

# (class, method) pairs whose calls are recorded while the model's ELBO is traced.
KINDS = [(FusedDequantizationPadding, "forward_terms"), (Coupling, "forward_and_log_det"),
         (Conditioner, "__call__"), (GatedResidualBlock, "__call__"), (Affine, "forward_and_log_det"),
         (LogisticMixtureLogit, "forward_and_log_det"), (SLogGate, "forward_and_log_det"),
         (PACLinear, "forward_and_log_det"), (EmergingLinear, "forward_and_log_det"),
         (ElementwiseScale, "forward_and_log_det"), (InvertibleConv1x1, "forward_and_log_det"),
         (ActNorm, "forward_and_log_det")]


def stablehlo_ops(lowered) -> int:
    """Operations in a lowered program's StableHLO text."""
    return sum(1 for line in lowered.as_text().splitlines() if "stablehlo." in line or " = call " in line)


def hlo_size(compiled) -> tuple[int, int]:
    """``(instructions, fusions)`` of the optimised HLO."""
    lines = compiled.as_text().splitlines()
    instructions = sum(1 for line in lines if " = " in line and not line.lstrip().startswith(("HloModule", "//")))
    fusions = sum(1 for line in lines if " fusion(" in line)
    return instructions, fusions


def measure(fn, args, compile_: bool) -> dict:
    """StableHLO ops of ``jax.jit(fn).lower(*args)``; with ``compile_``, optimised HLO size and compile s."""
    start = time.perf_counter()
    lowered = jax.jit(fn).lower(*args)
    row = dict(ops=stablehlo_ops(lowered), lower_s=time.perf_counter() - start)
    if compile_:
        start = time.perf_counter()
        compiled = lowered.compile()
        row["compile_s"] = time.perf_counter() - start
        row["hlo"], row["fusions"] = hlo_size(compiled)
    return row


def _abstract(tree):
    return jax.tree.map(lambda a: jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a))
                        if isinstance(a, (jax.Array, jax.core.Tracer)) else a, tree)


def record_calls(model, images):
    """``{kind name: [(module path, args, kwargs), ...]}`` of every recorded call in one ELBO."""
    calls = OrderedDict((cls.__name__, []) for cls, _ in KINDS)
    originals = []
    for cls, method in KINDS:
        original = cls.__dict__[method]

        def wrapper(self, *args, _original=original, _cls=cls, **kwargs):
            if type(self) is _cls:
                calls[_cls.__name__].append((paths[id(self)], _abstract(args), _abstract(kwargs)))
            return _original(self, *args, **kwargs)

        setattr(cls, method, wrapper)
        originals.append((cls, method, original))
    paths = {}

    def elbo(state, x):
        traced = nnx.merge(graphdef, state)
        paths.update({id(m): path for path, m in nnx.iter_modules(traced)})
        return traced.elbo(x, rngs=nnx.Rngs(noise=0))

    try:
        graphdef, state = nnx.split(model)
        jax.jit(elbo).lower(state, images)
    finally:
        for cls, method, original in originals:
            setattr(cls, method, original)
    return {name: c for name, c in calls.items() if c}


def part_gradient(instance, method, args, kwargs):
    """``(fn, fn_args)``: the gradient of the sum of ``instance.method(*args)``'s float outputs with
    respect to its parameters and its float array inputs."""
    graphdef, params, rest = nnx.split(instance, nnx.Param, ...)
    is_float = [isinstance(a, jax.ShapeDtypeStruct) and jnp.issubdtype(a.dtype, jnp.floating) for a in args]
    floats = [a for a, f in zip(args, is_float) if f]
    arrays_kw = {k: v for k, v in kwargs.items() if isinstance(v, jax.ShapeDtypeStruct)}
    static_kw = {k: v for k, v in kwargs.items() if not isinstance(v, (jax.ShapeDtypeStruct, nnx.Rngs))}
    needs_rngs = [k for k, v in kwargs.items() if isinstance(v, nnx.Rngs)]
    others = [a for a, f in zip(args, is_float) if not f]

    def gradient(params, floats, arrays_kw, rest, others):
        def loss(module, floats, arrays_kw):
            it_f, it_o = iter(floats), iter(others)
            call_args = [next(it_f) if f else next(it_o) for f in is_float]
            kw = dict(static_kw, **arrays_kw, **{k: nnx.Rngs(noise=0) for k in needs_rngs})
            out = getattr(module, method)(*call_args, **kw)
            return sum(jnp.sum(leaf) for leaf in jax.tree.leaves(out) if jnp.issubdtype(leaf.dtype, jnp.floating))

        return nnx.grad(loss, argnums=(0, 1, 2))(nnx.merge(graphdef, params, rest), floats, arrays_kw)

    return gradient, (params, floats, arrays_kw, rest, others)


def whole_step(model, images):
    """``(fn, args)`` of the training step as the trainer calls it."""
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    keys = (jax.random.PRNGKey(1), jax.random.PRNGKey(2))
    graphdef, state = nnx.split((model, optimizer))
    if hasattr(step_module, "TrainStep"):
        step = step_module.TrainStep(graphdef, state)
        return step._flat_step, (step.leaves(state), images, *keys)
    return (lambda s, x, k1, k2: step_module.train_step.__wrapped__(graphdef, s, x, k1, k2)), (state, images, *keys)


def optimizer_only(model):
    """``(fn, args)``: the optimizer update alone, gradients = parameters."""
    optimizer = nnx.Optimizer(model, make_optimizer(train_config("paper")), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))

    def update(state):
        m, opt = nnx.merge(graphdef, state)
        opt.update(m, nnx.state(m, nnx.Param))
        return nnx.state((m, opt))

    return update, (state,)


def _rbg_key(key):
    """An ``unsafe_rbg`` key seeded by a threefry key (typed or raw ``uint32[2]``), as JAX seeds them."""
    data = jax.random.key_data(key) if jnp.issubdtype(jnp.result_type(key), jax.dtypes.prng_key) else key
    return jax.random.wrap_key_data(jnp.concatenate([data, data]).astype(jnp.uint32), impl="unsafe_rbg")


@contextlib.contextmanager
def rbg_dropout_keys():
    """Inside: ``nnx.Dropout`` streams built from ``unsafe_rbg`` keys (masks and ``fold_in`` drawn
    with XLA's RngBitGenerator, not threefry), and ``nnx.reseed`` (the training step's) seeding
    them from the step's key, each stream's key one generator draw (unsafe_rbg's ``fold_in`` is an
    XOR: stream i's c-th draw would equal stream c's i-th)."""
    init, reseed = nnx.Dropout.__init__, nnx.reseed

    def dropout_init(self, rate, *, rngs, **kwargs):
        init(self, rate, rngs=nnx.RngStream(_rbg_key(rngs["dropout"]()), tag="dropout"), **kwargs)

    def rbg_reseed(node, **keys):
        reseed(node, policy=lambda path, key, shape: jax.random.split(key, 1)[0],
               **{name: _rbg_key(key) for name, key in keys.items()})

    nnx.Dropout.__init__, nnx.reseed = dropout_init, rbg_reseed
    try:
        yield
    finally:
        nnx.Dropout.__init__, nnx.reseed = init, reseed


def compare_dropout_keys(args, shape):
    """pacviz's threefry dropout keys against ``unsafe_rbg`` ones, side by side in this process:
    one residual block's forward + gradient and the whole training step (StableHLO ops, compile
    s), and the compiled step's median ms (round-robin)."""
    import os

    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}", flush=True)
    rows, steps = [], {}
    variants = (("threefry", contextlib.nullcontext), ("unsafe_rbg", rbg_dropout_keys))
    for name, keys in variants[::-1] if args.reverse else variants:  # compiled one after the other
        with keys():
            model, images = prepared_model(args.model, args.preset, args.batch, shape)
            modules = dict(nnx.iter_modules(model))
            path, a, kw = record_calls(model, images)["GatedResidualBlock"][0]
            block = measure(*part_gradient(modules[path], "__call__", a, kw), True)
            fn, fn_args = whole_step(model, images)
            start = time.perf_counter()
            lowered = jax.jit(fn, donate_argnums=0).lower(*fn_args)
            whole = dict(ops=stablehlo_ops(lowered), lower_s=time.perf_counter() - start)
            start = time.perf_counter()
            compiled = lowered.compile()
            whole["compile_s"] = time.perf_counter() - start
        print(f"  {name}: block {block}, whole step {whole}", flush=True)
        rows.append([name, block["ops"], f"{block['compile_s']:.1f}", whole["ops"], f"{whole['compile_s']:.1f}"])
        steps[name] = _stepper(compiled, fn_args)
    medians = interleaved_medians({n: (s, ()) for n, s in steps.items()}, repeats=args.repeats)
    masks = mask_medians(a[0].shape[:-1] + (model.config.hidden_channels,), args.repeats)
    for row in rows:
        row += [f"{1e3 * medians[row[0]]:.0f}", f"{1e3 * masks[row[0]]:.1f}"]
    print(f"\n### Dropout keys: {args.model}, preset {args.preset}, batch {args.batch}, "
          f"{shape[0]}×{shape[1]}×{shape[2]}, float32 (load average {os.getloadavg()[0]:.1f})\n")
    print(table(rows, ("dropout keys", "block fwd + grad: ops", "block compile s", "whole step: ops",
                       "whole step compile s", "median ms / step", "6 block masks alone, ms")))


def mask_medians(shape, repeats):
    """Median seconds of drawing 6 keep-0.8 masks of ``shape`` (``fold_in`` + Bernoulli, jitted)
    with a threefry and with an ``unsafe_rbg`` key: the generators' own speed on this backend."""
    draw = jax.jit(lambda key: [jax.random.bernoulli(jax.random.fold_in(key, i), 0.8, shape) for i in range(6)])
    return interleaved_medians({"threefry": (draw, (jax.random.key(1),)),
                                "unsafe_rbg": (draw, (_rbg_key(jax.random.key(1)),))}, repeats=4 * repeats)


def _stepper(compiled, fn_args):
    """A no-argument call of the compiled step that feeds its new state (donated) back in."""
    leaves, rest = fn_args[0], fn_args[1:]

    def run():
        nonlocal leaves
        leaves, metrics = compiled(leaves, *rest)
        return metrics

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument("--model", default="pac_s_curve")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--compile", action="store_true", help="also compile each program (slow)")
    parser.add_argument("--whole-only", action="store_true", help="only the whole step and the optimizer")
    parser.add_argument("--dropout-keys", action="store_true",
                        help="compare threefry and unsafe_rbg dropout keys (compiles and times the step)")
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per variant (--dropout-keys)")
    parser.add_argument("--reverse", action="store_true", help="compile unsafe_rbg first (--dropout-keys)")
    args = parser.parse_args(argv)
    shape = (args.size, args.size, 3)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; {args.model}, preset {args.preset}, "
          f"batch {args.batch}, {shape}", flush=True)
    if args.dropout_keys:
        return compare_dropout_keys(args, shape)
    model, images = prepared_model(args.model, args.preset, args.batch, shape)
    rows = []

    def add(name, calls, fn, fn_args):
        r = measure(fn, fn_args, args.compile)
        rows.append((name, calls, r["ops"], calls * r["ops"], r.get("hlo", "-"), r.get("fusions", "-"),
                     f"{r['compile_s']:.1f}" if "compile_s" in r else "-"))
        print(f"  {name}: {r}", flush=True)

    add("whole training step", 1, *whole_step(model, images))
    add("optimizer update alone", 1, *optimizer_only(model))
    if not args.whole_only:
        modules = dict(nnx.iter_modules(model))
        for name, calls in record_calls(model, images).items():
            path, a, kw = calls[0]
            instance = modules[path]
            method = dict((cls.__name__, m) for cls, m in KINDS)[name]
            add(f"{name} (fwd + grad)", len(calls), *part_gradient(instance, method, a, kw))
    print(f"\n### Program size of one training step: {args.model}, preset {args.preset}, batch {args.batch}, "
          f"{shape[0]}×{shape[1]}×{shape[2]}, float32\n")
    print(table(rows, ("part", "calls / step", "StableHLO ops (one call)", "ops × calls", "optimised HLO instr.",
                       "fusions", "compile s")))


if __name__ == "__main__":
    main()
