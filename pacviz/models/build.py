"""``build_model``: the paper's four models by name, and ``count_params``."""

from __future__ import annotations

import jax
from flax import nnx

from ..compilation_cache import use_compilation_cache
from .config import MODEL_NAMES, model_config
from .pac_flow import PACFlow


def build_model(name: str, image_shape=(32, 32, 3), *, rngs: nnx.Rngs, preset: str = "paper",
                num_levels: int = 256, **overrides) -> PACFlow:
    """Build model ``name`` (one of ``MODEL_NAMES``) for images of ``image_shape (H, W, C)``.

    ``preset``: "paper" (Sec. 5.1), "paper_imagenet64", "small" (CPU demos) or "tiny" (tests);
    ``overrides``: any :class:`~pacviz.models.config.ModelConfig` field, e.g. ``blocks=6``.
    ``num_levels``: pixel levels of the data (256; 17 for the 8×8 digits).
    """
    use_compilation_cache()  # its eager initialisers are ~100 small programs: a second process loads them
    return PACFlow(model_config(name, preset, **overrides), image_shape, num_levels=num_levels, rngs=rngs)


def count_params(model) -> int:
    """Number of trainable scalars (``nnx.Param`` leaves) in ``model``."""
    return sum(int(x.size) for x in jax.tree_util.tree_leaves(nnx.state(model, nnx.Param)))


__all__ = ["MODEL_NAMES", "build_model", "count_params"]
