"""The optimizer of Sec. 5.1: AdaBelief, warm-up + cosine decay, global-norm clipping; non-finite
steps skipped."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from .config import TrainConfig


def learning_rate_schedule(config: TrainConfig):
    """``step -> lr``: linear 0 → ``lr`` over ``warmup_steps``, cosine ``lr`` → ``final_lr`` over the
    next ``decay_steps``, then ``final_lr``. The very object the optimizer steps with (logging
    reads the rate the update used)."""
    return _schedule(config.lr, config.warmup_steps, config.decay_steps, config.final_lr)


@functools.lru_cache(maxsize=None)
def _schedule(lr, warmup_steps, decay_steps, final_lr):
    return optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=lr, warmup_steps=warmup_steps,
                                              decay_steps=warmup_steps + decay_steps, end_value=final_lr)


def make_optimizer(config: TrainConfig) -> optax.GradientTransformation:
    """Clip at global norm ``clip_norm``, then AdaBelief; a step whose gradient is not finite is
    skipped (no update, optimizer state unchanged) — the trainer counts and limits them."""
    return _optimizer(config.lr, config.warmup_steps, config.decay_steps, config.final_lr, config.clip_norm)


@functools.lru_cache(maxsize=None)
def _optimizer(lr, warmup_steps, decay_steps, final_lr, clip_norm):
    # Cached: the transformation is static in the jitted step, so an equal one avoids recompiling.
    schedule = _schedule(lr, warmup_steps, decay_steps, final_lr)
    return _flat(optax.chain(optax.clip_by_global_norm(clip_norm), optax.adabelief(schedule)))


def _flat(tx):
    # The state and the update are one vector over all parameters (``optax.flatten``): per-leaf
    # optimizer arithmetic was 43 % of the paper model's training program (≈ 1 700 leaves × ~30 ops).
    return optax.flatten(optax.apply_if_finite(tx, max_consecutive_errors=2 ** 30))


def per_leaf_template(model):
    """The optimizer state (pure dict) in the per-parameter layout checkpoints had before the flat one."""
    schedule = optax.constant_schedule(1e-3)  # a schedule, as make_optimizer's: its count is in the state
    tx = optax.apply_if_finite(optax.chain(optax.clip_by_global_norm(1.0), optax.adabelief(schedule)), 1)
    return nnx.to_pure_dict(nnx.state(nnx.Optimizer(model, tx, wrt=nnx.Param), nnx.OptState))


def flatten_per_leaf_state(per_leaf: dict, template: dict) -> dict:
    """Convert an optimizer state saved per parameter (``mu``, ``nu`` as trees) to the flat layout of
    ``template``: each tree becomes the concatenation of its leaves in ``jax.tree.leaves`` order,
    which is the order ``optax.flatten`` concatenates the parameters in."""
    def convert(old, new):
        if isinstance(new, dict):
            if not isinstance(old, dict) or set(old) != set(new):
                raise ValueError("the saved optimizer state does not have the per-parameter layout")
            return {k: convert(old[k], new[k]) for k in new}
        if isinstance(old, dict):
            return jnp.concatenate([jnp.ravel(x) for x in jax.tree.leaves(old)])
        return old

    return convert(per_leaf, template)
