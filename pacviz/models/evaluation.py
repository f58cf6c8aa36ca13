"""``evaluate``: the one evaluation of a model on a set of images — mean bits/dim, saying which estimate.

    result = evaluate(model, test_images, key=jax.random.PRNGKey(0))                  # variational bound
    result = evaluate(model, test_images, key=key, num_samples=16, progress=True)     # importance weighted
    print(result.describe())   # "3.3088 bits/dim [variational bound (1 sample), 256 test images]"

The trainer's test bits/dim, ``pacviz eval``, ``compare`` and the notebooks all call it, so one run
gives one number for one (images, key, batch size, samples). Keys: the batch starting at image ``i``
draws sample ``s`` of its dequantization noise from :func:`noise_key` — ``fold_in(key, i)`` for the
first sample (what ``pv.bits_per_dim(model, batch, rngs=nnx.Rngs(noise=fold_in(key, i)))`` draws),
``fold_in(fold_in(key, i), s)`` for the others. Every batch has the same size (the last is padded
by repeating its images, whose values are dropped), so one compiled program serves any image count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from .likelihood import bits_per_dim_from_nats, estimate_name
from .pac_flow import evaluation_mode


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate`: ``bits_per_dim`` (the mean) and ``per_image (N,)``, with what
    they are: ``num_samples`` (1: the variational bound; S > 1: importance weighted), the number of
    images, their ``split`` and the batch size."""

    bits_per_dim: float
    per_image: np.ndarray
    num_samples: int
    batch_size: int
    split: str = "test"

    @property
    def num_images(self) -> int:
        return len(self.per_image)

    @property
    def estimate(self) -> str:
        return estimate_name(self.num_samples)

    def describe(self) -> str:
        """``"3.3088 bits/dim [variational bound (1 sample), 256 test images]"``."""
        return f"{self.bits_per_dim:.4f} bits/dim [{self.estimate}, {self.num_images} {self.split} images]"

    def to_dict(self) -> dict:
        """The record saved next to the number (JSON-ready; no per-image values)."""
        return dict(bits_per_dim=self.bits_per_dim, estimate=self.estimate, num_samples=self.num_samples,
                    num_images=self.num_images, split=self.split, batch_size=self.batch_size)


def noise_key(key, start: int, sample: int = 0):
    """The key of sample ``sample`` of the dequantization noise for the batch starting at image ``start``."""
    batch_key = jax.random.fold_in(key, start)
    return batch_key if sample == 0 else jax.random.fold_in(batch_key, sample)


@partial(jax.jit, static_argnums=0)
def _elbo(graphdef, state, images, key):
    """``(B,)`` one-sample ELBO in nats; jitted over the split model so every batch reuses one program."""
    return nnx.merge(graphdef, state).elbo(images, rngs=nnx.Rngs(noise=key))


def _padded(chunk: np.ndarray, size: int) -> np.ndarray:
    if len(chunk) == size:
        return chunk
    return np.concatenate([chunk, np.resize(chunk, (size - len(chunk),) + chunk.shape[1:])])


def evaluate(model, images, *, key, batch_size: int = 64, num_samples: int = 1, split: str = "test",
             progress: bool = False) -> Evaluation:
    """Mean bits/dim of ``model`` over ``images (N, H, W, C)`` (integer pixels), with dropout off.

    ``num_samples=1``: the variational bound (one dequantization sample; the training-time
    estimate). ``num_samples=S > 1``: the importance-weighted bound ``log (1/S) Σ_s exp(ELBO_s)``
    (tighter); it costs S times the bound's time, and memory stays that of one batch: the S
    samples run one after another and are combined by a running ``logaddexp``.
    ``batch_size``: images per compiled call (``min(batch_size, N)``). ``progress``: a bar over
    the ``batches × samples`` passes.
    """
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    images = np.asarray(images)
    if len(images) == 0:
        raise ValueError("images is empty: evaluate needs at least one image")
    model.check_images(images)
    size = min(batch_size, len(images))
    starts = range(0, len(images), size)
    values = []
    from tqdm.auto import tqdm  # noqa: PLC0415 (kept out of `import pacviz`)

    with evaluation_mode(model), tqdm(total=len(starts) * num_samples, disable=not progress, leave=False,
                                      desc=f"eval ({estimate_name(num_samples)})", unit="pass") as bar:
        graphdef, state = nnx.split(model)
        for start in starts:
            chunk = jnp.asarray(_padded(images[start:start + size], size))
            total = None
            for s in range(num_samples):
                elbo = _elbo(graphdef, state, chunk, noise_key(key, start, s))
                total = elbo if total is None else jnp.logaddexp(total, elbo)
                bar.update(1)
            log_p = total - math.log(num_samples) if num_samples > 1 else total
            values.append(np.asarray(bits_per_dim_from_nats(log_p, model.image_shape))[:len(images) - start])
    per_image = np.concatenate(values)
    return Evaluation(bits_per_dim=float(np.mean(per_image)), per_image=per_image, num_samples=num_samples,
                      batch_size=size, split=split)


__all__ = ["Evaluation", "evaluate", "noise_key"]
