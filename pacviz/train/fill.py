"""Fill an abstract model (every variable a shape, see :mod:`pacviz.models.abstract`) with saved weights.

Loading through the abstract model draws no random initial weights and compiles no initialiser:
a saved model is back in about a second instead of the eager build's tens of seconds.
"""

from __future__ import annotations

import jax
import numpy as np
from flax import nnx


def is_abstract(model) -> bool:
    """True when ``model``'s variables are ``jax.ShapeDtypeStruct`` (built by ``abstract``)."""
    leaves = jax.tree_util.tree_leaves(nnx.state(model))
    return bool(leaves) and isinstance(leaves[0], jax.ShapeDtypeStruct)


def named(tree) -> dict:
    """A nested dict of arrays (``nnx.to_pure_dict``, or what orbax restores) as ``{"a/b/0/c": array}``."""
    leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
    return {"/".join(str(getattr(p, "key", getattr(p, "idx", p))) for p in path): leaf for path, leaf in leaves}


def fill(model, params: dict, where, error=ValueError):
    """``model`` (abstract) with its parameters from ``params`` (name -> array, names as :func:`named`
    gives them), fresh random-number keys, and zeros for the rest (counters and inversion statistics).

    Raises ``error`` naming ``where`` when a parameter is missing or has another shape.
    """
    flat = nnx.to_flat_state(nnx.state(model))
    # Built from host data, not by jax.random / jnp.zeros: each of those compiles a program (seconds).
    seeds = iter(np.random.default_rng(0).integers(0, 2 ** 32, size=(len(flat), 2), dtype=np.uint32))
    for key, var in flat:
        name, spec = "/".join(map(str, key)), var.get_value()
        if isinstance(var, nnx.Param):
            if name not in params:
                raise error(f"the weights in {where} lack {name}: the files are damaged or from another pacviz "
                            "version")
            value = np.asarray(params[name])
            if value.shape != spec.shape:
                raise error(f"{name}: saved shape {value.shape} != model shape {spec.shape} in {where}")
            var.set_value(jax.numpy.asarray(value, spec.dtype))
        elif jax.dtypes.issubdtype(spec.dtype, jax.dtypes.prng_key):
            var.set_value(jax.random.wrap_key_data(next(seeds)))
        else:
            var.set_value(jax.numpy.asarray(np.zeros(spec.shape, spec.dtype)))
    nnx.update(model, nnx.from_flat_state(flat))
    return model


__all__ = ["fill", "is_abstract", "named"]
