"""``evaluate``: the one evaluation — its keys, padding and importance weighting against brute force."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.models.evaluation import evaluate, noise_key
from pacviz.models.likelihood import bits_per_dim_from_nats

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def tiny():
    """A tiny model, data-initialised, float64, with dropout (to see it is off). RealNVP: the
    evaluation does not depend on the linear layer, and it compiles fastest."""
    model = pv.build_model("realnvp", SHAPE, rngs=nnx.Rngs(0), preset="tiny", num_levels=17, dropout=0.5)
    nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))(model, _images(8), nnx.Rngs(noise=0))
    nnx.update(model, jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), nnx.state(model, nnx.Param)))
    return model


def _images(num, seed=0):
    return np.asarray(jax.random.randint(jax.random.PRNGKey(seed), (num,) + SHAPE, 0, 17), np.uint8)


def _dropouts(model):
    return [m for _, m in nnx.iter_modules(model) if isinstance(m, nnx.Dropout)]


@nnx.jit
def _jit_elbo(model, images, key):
    return model.elbo(images, rngs=nnx.Rngs(noise=key))


def _elbo(model, images, key):
    model.eval()
    return np.asarray(_jit_elbo(model, jnp.asarray(images), key))


def test_bound_is_pv_bits_per_dim_batch_by_batch_with_padding(tiny):
    x, key = _images(7), jax.random.PRNGKey(3)
    result = evaluate(tiny, x, key=key, batch_size=4)
    padded = np.concatenate([x[4:], x[4:4 + 1]])  # the last batch is filled up by repeating its images
    expected = np.concatenate([np.asarray(pv.bits_per_dim(tiny, x[:4], rngs=nnx.Rngs(noise=noise_key(key, 0)))),
                               np.asarray(pv.bits_per_dim(tiny, padded, rngs=nnx.Rngs(noise=noise_key(key, 4))))[:3]])
    np.testing.assert_allclose(result.per_image, expected, rtol=1e-8)
    assert result.bits_per_dim == pytest.approx(float(np.mean(expected)), rel=1e-12)
    assert (result.num_images, result.num_samples, result.batch_size) == (7, 1, 4)
    tiny.train()  # dropout 0.5 would change every value: evaluation turns it off
    np.testing.assert_array_equal(evaluate(tiny, x, key=key, batch_size=4).per_image, result.per_image)
    tiny.eval()


def test_importance_weighted_is_the_log_mean_exp_of_single_sample_bounds(tiny):
    x, key, samples = _images(4, seed=1), jax.random.PRNGKey(4), 3
    result = evaluate(tiny, x, key=key, batch_size=4, num_samples=samples)
    elbos = np.stack([_elbo(tiny, x, noise_key(key, 0, s)) for s in range(samples)])  # (S, B) nats
    log_p = np.log(np.mean(np.exp(elbos - elbos.max(0)), axis=0)) + elbos.max(0)
    np.testing.assert_allclose(result.per_image, -log_p / (64 * math.log(2.0)), rtol=1e-8)
    assert result.estimate == "importance-weighted bound (3 samples)"
    # the first sample is the bound's own draw: S = 1 reproduces sample 0
    one = evaluate(tiny, x, key=key, batch_size=4)
    np.testing.assert_allclose(one.per_image, -elbos[0] / (64 * math.log(2.0)), rtol=1e-8)


def test_a_batch_gives_the_same_values_whatever_follows_it(tiny):
    x, key = _images(6, seed=2), jax.random.PRNGKey(5)
    np.testing.assert_array_equal(evaluate(tiny, x, key=key, batch_size=4).per_image[:4],
                                  evaluate(tiny, x[:4], key=key, batch_size=4).per_image)


def test_result_says_what_it_is_and_dropout_is_restored(tiny):
    tiny.train()
    result = evaluate(tiny, _images(3), key=jax.random.PRNGKey(0), split="validation", batch_size=4)
    assert not _dropouts(tiny)[0].deterministic  # training mode is back
    tiny.eval()
    text = result.describe()
    assert "variational bound (1 sample)" in text and "3 validation images" in text
    assert f"{result.bits_per_dim:.4f}" in text
    assert result.to_dict()["num_images"] == 3 and result.to_dict()["estimate"] == result.estimate


def test_bits_per_dim_helper():
    np.testing.assert_allclose(bits_per_dim_from_nats(np.array([-math.log(2.0) * 12]), (2, 3, 2)), [1.0])


def test_bad_input_is_refused_before_jax(tiny):
    with pytest.raises(ValueError, match="num_samples must be a positive int"):
        evaluate(tiny, _images(2), key=jax.random.PRNGKey(0), num_samples=0)
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(tiny, _images(2), key=jax.random.PRNGKey(0), batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        evaluate(tiny, _images(2)[:0], key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="integer pixel"):
        evaluate(tiny, _images(2).astype(np.float32), key=jax.random.PRNGKey(0))
