"""``evaluate_run``: test bits/dim of a saved run — what ``pacviz eval`` prints.

With the defaults (``num_samples=1``, ``images`` = the run's ``eval_images``, the run's own key
for that step) it reproduces exactly the ``test_bpd`` the run wrote to ``metrics.jsonl`` at that
step: the same images, the same keys and the same :func:`pacviz.models.evaluation.evaluate`.
"""

from __future__ import annotations

import jax

from ..data.batching import evaluation_images
from ..data.load import load_dataset
from ..models.evaluation import Evaluation, evaluate
from .load import load_run
from .trainer import EVAL_BATCH, evaluation_key


def evaluate_run(workdir, *, which: str = "best", images: int | None = None, num_samples: int = 1,
                 batch_size: int = EVAL_BATCH, seed: int | None = None, data_root=None,
                 progress: bool = False) -> tuple[Evaluation, dict]:
    """``(evaluation, meta)`` of checkpoint ``which`` of the run in ``workdir`` on its test split.

    ``images``: how many evenly spaced test images (default: the whole split). ``seed``: the noise
    key ``PRNGKey(seed)``; default: the key the run's own evaluation used at that step.
    ``num_samples > 1`` costs that many passes over the images (memory: one batch).
    """
    model, meta = load_run(workdir, which=which)
    config = meta["config"]
    test = load_dataset(config["dataset"], root=data_root or config.get("data_root"), split="test")
    chosen = evaluation_images(test, min(images or len(test), len(test)))
    key = jax.random.PRNGKey(seed) if seed is not None else evaluation_key(config["seed"], meta["step"])
    result = evaluate(model, chosen, key=key, batch_size=batch_size, num_samples=num_samples, split="test",
                      progress=progress)
    return result, meta


__all__ = ["evaluate_run"]
