"""Where the training step's program size comes from: StableHLO ops (and, with ``--compile``,
optimised HLO instructions and compile seconds) per module kind, forward + gradient, times the
number of calls of that kind in one step; then the whole step and the optimizer update alone.

    python bench/bench_program_size.py                       # small preset, pac_s_curve, lower only
    python bench/bench_program_size.py --compile             # also compile each part (minutes)
    python bench/bench_program_size.py --preset paper --whole-only --compile   # the paper step only

A module kind's row is measured on one instance, at the input shape it sees in the model
(``jax.grad`` of the sum of its outputs with respect to its parameters and float inputs). Rows
nest (a Conditioner contains its residual blocks; a Coupling its conditioner and transformer), so
they are not meant to add up; "whole step" is the real program.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import OrderedDict
from pathlib import Path

import jax
import jax.numpy as jnp
from flax import nnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pacviz as pv  # noqa: E402
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
from timing import table  # noqa: E402

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument("--model", default="pac_s_curve")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--compile", action="store_true", help="also compile each program (slow)")
    parser.add_argument("--whole-only", action="store_true", help="only the whole step and the optimizer")
    args = parser.parse_args(argv)
    shape = (args.size, args.size, 3)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; {args.model}, preset {args.preset}, "
          f"batch {args.batch}, {shape}", flush=True)
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
