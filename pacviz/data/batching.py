"""Shuffled batches that are a pure function of (seed, step), so training resumes exactly.

    it = BatchIterator(dataset, 64, seed=0)                 # steps 0, 1, 2, ...
    it = BatchIterator(dataset, 64, seed=0, start_step=k)   # the same batches from step k on
    batch = next(it)                                        # uint8 (64, H, W, C)

Epoch e visits the images in the order `default_rng([seed, e]).permutation(N)`, and iteration
runs over epochs for ever. `[seed, e]` (not `seed + e`) keeps seeds 0 and 1 from sharing
all but one epoch.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset


class BatchIterator:
    """An endless iterator of image batches; its whole state is (seed, step).

    images: a Dataset or an array (N, H, W, C), possibly memory-mapped.
    drop_remainder: if True every batch has `batch_size` images and the last N % batch_size
        of each epoch's order are skipped; if False an epoch ends with one smaller batch.
    """

    def __init__(
        self, images, batch_size: int, *, seed: int, start_step: int = 0, drop_remainder: bool = True
    ):
        self.images = images.images if isinstance(images, Dataset) else images
        num = len(self.images)
        if batch_size < 1 or (drop_remainder and batch_size > num):
            raise ValueError(f"batch_size must be in 1..{num} (the number of images), got {batch_size}")
        if start_step < 0:
            raise ValueError(f"start_step must be >= 0, got {start_step}")
        self.batch_size, self.seed, self.step = batch_size, seed, start_step
        self.drop_remainder = drop_remainder
        self._epoch, self._order = None, None

    @property
    def steps_per_epoch(self) -> int:
        num = len(self.images)
        return num // self.batch_size if self.drop_remainder else -(-num // self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """The permutation of 0..N-1 that epoch `epoch` follows, int (N,)."""
        if epoch != self._epoch:  # cached: one permutation serves a whole epoch of steps
            self._epoch = epoch
            self._order = np.random.default_rng([self.seed, epoch]).permutation(len(self.images))
        return self._order

    def indices_at(self, step: int) -> np.ndarray:
        """Indices of the images in batch `step`, int (B,), sorted (which makes reads from a
        memory map sequential and leaves the batch's membership, what matters, unchanged)."""
        epoch, i = divmod(step, self.steps_per_epoch)
        return np.sort(self.order(epoch)[i * self.batch_size : (i + 1) * self.batch_size])

    def batch_at(self, step: int) -> np.ndarray:
        """Batch `step`, uint8 (B, H, W, C), in memory."""
        return np.asarray(self.images[self.indices_at(step)])

    def __iter__(self):
        return self

    def __next__(self) -> np.ndarray:
        batch = self.batch_at(self.step)
        self.step += 1
        return batch


def evaluation_images(dataset, num: int) -> np.ndarray:
    """A fixed evaluation set: `num` images evenly spaced through the dataset (not the first
    `num`, which in the grid-ordered "photos" would all come from one corner), uint8 (num, H, W, C)."""
    images = dataset.images if isinstance(dataset, Dataset) else dataset
    if not 1 <= num <= len(images):
        raise ValueError(f"num must be in 1..{len(images)} (the number of images), got {num}")
    return np.asarray(images[np.arange(num) * len(images) // num])
