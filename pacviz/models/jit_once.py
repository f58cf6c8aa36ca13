"""``jit_once``: ``nnx.jit`` for inspection programs that run once, compiled for compile speed.

    summary_fn = jit_once(lambda model, images: ...)      # model: any NNX graph node
    out = summary_fn(model, images)                       # state updates land in model, as with nnx.jit

A layer-by-layer summary or a dense Jacobian of a model runs once per question a reader asks,
so the time they wait is nearly all compile. XLA's backend optimisation off
(``xla_backend_optimization_level=0``) roughly halves that compile on a CPU for a run a few
times slower: 0.56-0.70× the wait in all (``bench/bench_jit_once.py``, ``bench/RESULTS.md``). Training,
evaluation and sampling, which run many times, keep XLA's defaults. The numbers agree with an
optimised build to float rounding (XLA may fuse differently).
"""

from __future__ import annotations

import functools

import jax
from flax import nnx

ONE_SHOT_OPTIONS = {"xla_backend_optimization_level": 0}


def jit_once(fn, *, nodes: int = 1):
    """``fn`` jitted with :data:`ONE_SHOT_OPTIONS`; its first ``nodes`` arguments are NNX graph
    nodes (or None) whose variables' changes (an ``nnx.Rngs`` counter, a sown value) are written
    back after the call, as ``nnx.jit`` does. A call that changes a static attribute (an ActNorm
    initialising itself) runs under ``nnx.jit`` instead, which carries that change back. The other
    arguments are arrays or pytrees of arrays; one compile per graph structure and argument shapes."""

    structure_after = {}  # graphdef in → graphdef after fn, recorded while tracing

    @functools.partial(jax.jit, static_argnums=0, compiler_options=ONE_SHOT_OPTIONS)
    def pure(graphdef, state, *rest):
        graph = nnx.merge(graphdef, state)
        out = fn(*graph, *rest)
        structure_after[graphdef], new_state = nnx.split(graph)
        return out, new_state

    @functools.wraps(fn)
    def call(*args):
        graph, rest = tuple(args[:nodes]), args[nodes:]
        graphdef, state = nnx.split(graph)
        pure.trace(graphdef, state, *rest)  # traced once; the call below reuses the trace
        if structure_after[graphdef] != graphdef:
            # fn changed a static attribute (an ActNorm's first call sets `initialized`): only
            # nnx.jit carries such changes back to the caller's objects.
            return nnx.jit(fn)(*args)
        out, new_state = pure(graphdef, state, *rest)
        nnx.update(graph, new_state)
        return out

    return call


__all__ = ["ONE_SHOT_OPTIONS", "jit_once"]
