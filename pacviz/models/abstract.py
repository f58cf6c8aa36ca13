"""Paper-size models without their weights: build by tracing, count and inspect in seconds.

    model = abstract_model("pac_s_curve")          # parameters are jax.ShapeDtypeStruct
    pv.count_params(model)                         # 4 594 333, as the eager build gives

Building a paper-size model eagerly draws ~1000 random arrays and compiles an initialiser per
shape (tens of seconds on a CPU). Tracing the constructor with ``jax.eval_shape`` draws nothing.
NNX variables are made as array refs while tracing: updating a plain variable with a traced
value makes Flax look up the tracer's sharding, which builds an error message over the whole
trace each time (quadratic in the ~1000 updates of the random-number counters).
"""

from __future__ import annotations

import jax
from flax import nnx

from .build import build_model
from .pac_flow import PACFlow


def abstract_model(name: str, image_shape=(32, 32, 3), *, preset: str = "paper", num_levels: int = 256,
                   **overrides) -> PACFlow:
    """The model ``build_model(name, image_shape, preset=preset, ...)`` would give, with every
    variable a ``jax.ShapeDtypeStruct``: for counting parameters and reading the structure,
    not for running (load or build a real model for that)."""
    return abstract(lambda rngs: build_model(name, image_shape, preset=preset, num_levels=num_levels, rngs=rngs,
                                             **overrides))


def abstract(make) -> nnx.Module:
    """The module ``make(rngs)`` builds, traced with ``jax.eval_shape``: every variable a
    ``jax.ShapeDtypeStruct`` (fill them, e.g. from saved weights, to run it)."""
    graph = {}

    def build():
        with nnx.var_defaults(ref=True):
            model = make(nnx.Rngs(0))
        graph["def"], state = nnx.split(model)
        return jax.tree_util.tree_map(lambda ref: ref[...], state)  # refs cannot leave the trace

    state = jax.eval_shape(build)
    # Plain variables again (shared ones stay shared), as an eager build makes them: jitted code
    # that reads a state's leaves as arrays (the train step's finiteness check) cannot take refs.
    return nnx.with_vars(nnx.merge(graph["def"], state), ref=False, allow_duplicates=True)


__all__ = ["abstract", "abstract_model"]
