"""Repeatable shuffled batches: a pure function of (seed, step)."""

import itertools

import numpy as np
import pytest

from pacviz.data import BatchIterator, evaluation_images

N = 50


@pytest.fixture
def images():
    """Image i has every pixel equal to i, so a batch tells which images it holds."""
    return np.broadcast_to(np.arange(N, dtype=np.uint8)[:, None, None, None], (N, 2, 2, 1))


def ids(batch):
    return batch[:, 0, 0, 0].tolist()


def take(iterator, num):
    return [ids(b) for b in itertools.islice(iterator, num)]


def test_same_seed_same_batches_other_seed_other_batches(images):
    first = take(BatchIterator(images, 8, seed=3), 20)
    assert first == take(BatchIterator(images, 8, seed=3), 20)
    assert first != take(BatchIterator(images, 8, seed=4), 20)


def test_resuming_at_step_k_gives_the_tail_of_an_uninterrupted_run(images):
    full = take(BatchIterator(images, 8, seed=0), 30)
    for k in (0, 5, 6, 13):  # 6 steps per epoch: resume inside, at and across epoch ends
        assert take(BatchIterator(images, 8, seed=0, start_step=k), 30 - k) == full[k:]
    assert ids(BatchIterator(images, 8, seed=0).batch_at(17)) == full[17]


def test_every_image_is_seen_once_per_epoch(images):
    it = BatchIterator(images, 10, seed=1)
    assert it.steps_per_epoch == 5
    epochs = [sorted(sum(take(it, 5), [])) for _ in range(3)]
    assert all(epoch == list(range(N)) for epoch in epochs)
    orders = [it.order(e).tolist() for e in range(3)]
    assert len({tuple(o) for o in orders}) == 3  # a fresh shuffle every epoch


def test_remainder_dropped_or_kept(images):
    dropped = BatchIterator(images, 8, seed=2)
    assert dropped.steps_per_epoch == 6
    seen = sum(take(dropped, 6), [])
    assert len(seen) == 48 and len(set(seen)) == 48 and all(len(b) == 8 for b in take(dropped, 12))
    kept = BatchIterator(images, 8, seed=2, drop_remainder=False)
    epoch = take(kept, 7)
    assert kept.steps_per_epoch == 7 and len(epoch[-1]) == 2
    assert sorted(sum(epoch, [])) == list(range(N))


def test_bad_arguments_are_refused(images):
    with pytest.raises(ValueError, match="batch_size"):
        BatchIterator(images, 51, seed=0)
    with pytest.raises(ValueError, match="start_step"):
        BatchIterator(images, 5, seed=0, start_step=-1)


def test_evaluation_images_are_fixed_and_spread_out(images):
    chosen = ids(evaluation_images(images, 5))
    assert chosen == [0, 10, 20, 30, 40] and ids(evaluation_images(images, N)) == list(range(N))
    with pytest.raises(ValueError, match="num"):
        evaluation_images(images, N + 1)
