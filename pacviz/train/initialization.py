"""Data-dependent initialisation (Sec. 5.1: a batch of 128) and marking restored models as initialised."""

from __future__ import annotations

import jax
from flax import nnx

from ..flows.act_norm import ActNorm
from ..models.pac_flow import evaluation_mode
from .heap import return_freed_memory


def data_dependent_init(model, images, key):
    """Run the model once on ``images`` so every ActNorm sets its bias and scale from the data
    (zero mean, unit variance per channel); dropout is off while it does."""
    with evaluation_mode(model):
        nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(model, images, nnx.Rngs(noise=key))
    jax.block_until_ready(nnx.state(model))
    return_freed_memory()  # what its compile and activations freed
    return model


def mark_initialized(model):
    """Mark every ActNorm initialised, for a model whose parameters come from a checkpoint."""
    for _, module in nnx.iter_modules(model):
        if isinstance(module, ActNorm):
            module.initialized = True
    return model
