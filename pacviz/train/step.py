"""The jitted training and evaluation steps (pure functions of an ``nnx.split`` state)."""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import optax
from flax import nnx


def mean_bits_per_dim(model, images, key):
    """Mean over the batch of the one-sample variational bound in bits/dim (the training loss)."""
    elbo = model.elbo(images, rngs=nnx.Rngs(noise=key))
    return -jnp.mean(elbo) / (math.prod(model.image_shape) * math.log(2.0))


@partial(jax.jit, static_argnums=0)
def train_step(graphdef, state, images, noise_key, dropout_key):
    """One AdaBelief step on ``images (B, H, W, C)``.

    ``graphdef, state = nnx.split((model, optimizer))``. Dropout is reseeded from ``dropout_key``
    and the dequantization noise drawn from ``noise_key``, so a step depends only on its inputs
    (resuming reproduces an uninterrupted run). Returns ``(state, metrics)`` with ``loss``
    (bits/dim), ``grad_norm`` and ``finite``; a non-finite step leaves parameters and optimizer
    state unchanged (``optax.apply_if_finite``).
    """
    model, optimizer = nnx.merge(graphdef, state)
    nnx.reseed(model, dropout=dropout_key)
    loss, grads = nnx.value_and_grad(mean_bits_per_dim)(model, images, noise_key)
    grad_norm = optax.tree.norm(grads)
    optimizer.update(model, grads)
    metrics = dict(loss=loss, grad_norm=grad_norm, finite=jnp.isfinite(loss) & jnp.isfinite(grad_norm))
    return nnx.state((model, optimizer)), metrics


@partial(jax.jit, static_argnums=0)
def eval_step(graphdef, state, images, noise_key):
    """Per-image bits/dim (variational bound) of ``images``; ``graphdef, state = nnx.split(model)``
    of a model in evaluation mode."""
    model = nnx.merge(graphdef, state)
    elbo = model.elbo(images, rngs=nnx.Rngs(noise=noise_key))
    return -elbo / (math.prod(model.image_shape) * math.log(2.0))
