"""The optimizer of Sec. 5.1: AdaBelief, warm-up + cosine decay, global-norm clipping; non-finite
steps skipped."""

from __future__ import annotations

import functools

import optax

from .config import TrainConfig


def learning_rate_schedule(config: TrainConfig):
    """``step -> lr``: linear 0 → ``lr`` over ``warmup_steps``, cosine ``lr`` → ``final_lr`` over the
    next ``decay_steps``, then ``final_lr``."""
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=config.lr, warmup_steps=config.warmup_steps,
        decay_steps=config.warmup_steps + config.decay_steps, end_value=config.final_lr)


def make_optimizer(config: TrainConfig) -> optax.GradientTransformation:
    """Clip at global norm ``clip_norm``, then AdaBelief; a step whose gradient is not finite is
    skipped (no update, optimizer state unchanged) — the trainer counts and limits them."""
    return _optimizer(config.lr, config.warmup_steps, config.decay_steps, config.final_lr, config.clip_norm)


@functools.lru_cache(maxsize=None)
def _optimizer(lr, warmup_steps, decay_steps, final_lr, clip_norm):
    # Cached: the transformation is static in the jitted step, so an equal one avoids recompiling.
    schedule = optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=lr, warmup_steps=warmup_steps,
                                                  decay_steps=warmup_steps + decay_steps, end_value=final_lr)
    tx = optax.chain(optax.clip_by_global_norm(clip_norm), optax.adabelief(schedule))
    return optax.apply_if_finite(tx, max_consecutive_errors=2 ** 30)
