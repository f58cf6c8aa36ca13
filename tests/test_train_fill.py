"""Filling a traced (abstract) model with saved weights: what load_run and load_weights rely on."""

import jax
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.models.abstract import abstract
from pacviz.train.fill import fill, is_abstract, named
from pacviz.train.initialization import mark_initialized
from pacviz.train.step import all_finite

SHAPE = (8, 8, 3)


def _build(rngs):
    return pv.build_model("pac_s_curve", SHAPE, rngs=rngs, preset="tiny", num_levels=17)


@pytest.fixture(scope="module")
def trained_like():
    """A concrete model with every parameter moved off its initial value (so a fill cannot pass by
    drawing the same initial weights)."""
    model = _build(nnx.Rngs(3))
    state = nnx.state(model, nnx.Param)
    leaves, treedef = jax.tree_util.tree_flatten(state)
    rng = np.random.default_rng(1)
    moved = [leaf + rng.normal(size=leaf.shape).astype(leaf.dtype) for leaf in leaves]
    nnx.update(model, jax.tree_util.tree_unflatten(treedef, moved))
    return model


def test_named_flattens_the_pure_dict_as_the_flat_state_names_it(trained_like):
    names = named(nnx.to_pure_dict(nnx.state(trained_like, nnx.Param)))
    flat = {"/".join(map(str, k)): v for k, v in nnx.to_flat_state(nnx.state(trained_like, nnx.Param))}
    assert names.keys() == flat.keys()
    for name, value in names.items():
        np.testing.assert_array_equal(value, flat[name].get_value())


def test_fill_gives_the_saved_parameters_keys_and_zeros(trained_like):
    model = abstract(_build)
    assert is_abstract(model) and not is_abstract(trained_like)
    fill(model, named(nnx.to_pure_dict(nnx.state(trained_like, nnx.Param))), "memory")
    assert not is_abstract(model)
    # Plain variables, as an eager build makes them: jitted code reads the state's leaves as arrays.
    assert bool(jax.jit(all_finite)(nnx.state(model, nnx.Param)))
    want = jax.tree_util.tree_leaves(nnx.state(trained_like, nnx.Param))
    got = jax.tree_util.tree_leaves(nnx.state(model, nnx.Param))
    assert len(got) == len(want) > 0
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    # Everything else: random keys that draw, and zeros of the concrete model's shapes and dtypes.
    for (path, var), (_, ref) in zip(nnx.to_flat_state(nnx.state(model, nnx.Not(nnx.Param))),
                                     nnx.to_flat_state(nnx.state(trained_like, nnx.Not(nnx.Param))), strict=True):
        value, ref = var.get_value(), ref.get_value()
        if jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
            assert jax.random.uniform(value).shape == ()
        else:
            assert value.shape == ref.shape and value.dtype == ref.dtype and not np.any(np.asarray(value)), path
    # The filled model computes what the original does.
    images = np.random.default_rng(0).integers(0, 17, (2,) + SHAPE).astype(np.uint8)
    elbo = nnx.jit(lambda m, x: m.elbo(x, rngs=nnx.Rngs(noise=0)))
    for m in (trained_like, model):
        mark_initialized(m).eval()
    np.testing.assert_array_equal(elbo(model, images), elbo(trained_like, images))


def test_fill_names_a_missing_or_misshapen_parameter(trained_like):
    params = named(nnx.to_pure_dict(nnx.state(trained_like, nnx.Param)))
    name = sorted(params)[0]
    with pytest.raises(KeyError, match=f"lack {name}.*damaged"):
        fill(abstract(_build), {k: v for k, v in params.items() if k != name}, "here", KeyError)
    with pytest.raises(ValueError, match=f"{name}: saved shape .* in here"):
        fill(abstract(_build), dict(params, **{name: np.zeros((1, 2, 3))}), "here")
