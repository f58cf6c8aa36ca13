"""The fast training step: flat optimizer state, a step over flat donated leaves, old checkpoints."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from pacviz.models.build import build_model
from pacviz.train import Checkpoints, train, train_config
from pacviz.train.optimizer import make_optimizer
from pacviz.train.step import TrainStep, train_step

CONFIG = train_config("tiny", warmup_steps=1, decay_steps=5)
KEYS = jax.random.PRNGKey(1), jax.random.PRNGKey(2)


def _model():
    model = build_model("pac_s_curve", (8, 8, 1), preset="tiny", num_levels=17, rngs=nnx.Rngs(params=0, dropout=1))
    model.train()
    return model


def _images(seed=0):
    return jax.random.randint(jax.random.PRNGKey(seed), (4, 8, 8, 1), 0, 17).astype(jnp.uint8)


def _per_leaf_optimizer(model):
    """The optimizer as it was before its state became one flat vector."""
    schedule = optax.warmup_cosine_decay_schedule(0.0, CONFIG.lr, CONFIG.warmup_steps,
                                                  CONFIG.warmup_steps + CONFIG.decay_steps, CONFIG.final_lr)
    tx = optax.apply_if_finite(optax.chain(optax.clip_by_global_norm(CONFIG.clip_norm), optax.adabelief(schedule)),
                               max_consecutive_errors=2 ** 30)
    return nnx.Optimizer(model, tx, wrt=nnx.Param)


def _params(state, graphdef):
    return [np.asarray(x) for x in jax.tree.leaves(nnx.state(nnx.merge(graphdef, state)[0], nnx.Param))]


def test_flat_step_on_donated_leaves_equals_the_plain_step():
    model = _model()
    graphdef, state = nnx.split((model, nnx.Optimizer(model, make_optimizer(CONFIG), wrt=nnx.Param)))
    step = TrainStep(graphdef, state)
    leaves = step.leaves(jax.tree.map(jnp.copy, state))
    for i in range(3):
        state, plain = train_step(graphdef, state, _images(i), *KEYS)
        leaves, fast = step(leaves, _images(i), *KEYS)
        for name in ("loss", "grad_norm", "finite"):
            np.testing.assert_array_equal(np.asarray(fast[name]), np.asarray(plain[name]))
    for a, b in zip(_params(step.state(leaves), graphdef), _params(state, graphdef)):
        np.testing.assert_array_equal(a, b)


def test_flat_optimizer_updates_like_the_per_parameter_one():
    """optax.flatten changes the state's layout, not the arithmetic (up to the clip norm's summation order)."""
    flat, per_leaf = _model(), _model()
    states = []
    for model, optimizer in ((flat, nnx.Optimizer(flat, make_optimizer(CONFIG), wrt=nnx.Param)),
                             (per_leaf, _per_leaf_optimizer(per_leaf))):
        graphdef, state = nnx.split((model, optimizer))
        for i in range(3):
            state, out = train_step(graphdef, state, _images(i), *KEYS)
            assert bool(out["finite"])
        states.append(_params(state, graphdef))
    changed = False
    for a, b, before in zip(*states, jax.tree.leaves(nnx.state(_model(), nnx.Param))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        changed |= not np.array_equal(a, np.asarray(before))
    assert changed


def _gradients(model, seed):
    params = nnx.state(model, nnx.Param)
    keys = iter(jax.random.split(jax.random.PRNGKey(seed), len(jax.tree.leaves(params))))
    return jax.tree.map(lambda p: 0.1 * jax.random.normal(next(keys), p.shape, p.dtype), params)


def test_checkpoint_with_per_parameter_optimizer_state_is_converted_on_restore(tmp_path):
    """A run saved before the flat layout resumes exactly: the restored flat moments are the old
    ones concatenated, in the order optax.flatten reads the parameters (the next update agrees)."""
    model = _model()
    old = _per_leaf_optimizer(model)
    for i in range(2):
        old.update(model, _gradients(model, i))
    checkpoints = Checkpoints(tmp_path / "checkpoints")
    checkpoints.save(2, model, old, dict(config=CONFIG.to_dict()))
    checkpoints.close()

    fresh = _model()
    new = nnx.Optimizer(fresh, make_optimizer(CONFIG), wrt=nnx.Param)
    reader = Checkpoints(tmp_path / "checkpoints")
    reader.restore(fresh, new)
    reader.close()
    saved = nnx.to_pure_dict(nnx.state(old, nnx.OptState))
    restored = nnx.to_pure_dict(nnx.state(new, nnx.OptState))
    assert int(restored["step"]) == 2
    for moment in ("mu", "nu"):
        per_leaf = saved["opt_state"]["inner_state"][1][0][moment]
        expected = np.concatenate([np.ravel(x) for x in jax.tree.leaves(per_leaf)])
        np.testing.assert_array_equal(np.asarray(restored["opt_state"]["inner_state"][1][0][moment]), expected)
        assert np.any(expected != 0)
    old.update(model, _gradients(model, 2))
    new.update(fresh, _gradients(fresh, 2))
    for a, b in zip(jax.tree.leaves(nnx.state(fresh, nnx.Param)), jax.tree.leaves(nnx.state(model, nnx.Param))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7)


def test_finished_run_says_so_and_does_not_step_again(tmp_path, capsys, monkeypatch):
    common = dict(workdir=str(tmp_path / "run"), preset="tiny", steps=2, eval_every=2, sample_every=2,
                  checkpoint_every=2, log_every=1, progress=False, eval_images=16, num_samples=2)
    # (evaluation and sample sizes as the other tiny runs of the suite: their programs come from the cache)
    first = train(**common)
    assert [r["step"] for r in first.history] == [1, 2]
    assert all(math.isfinite(r["train_bpd"]) and r["steps_per_sec"] > 0 for r in first.history)

    def no_step(*args):
        raise AssertionError("a finished run stepped again")

    monkeypatch.setattr(TrainStep, "__call__", no_step)
    capsys.readouterr()
    again = train(**common)
    assert "already holds the whole run (2 of 2 steps)" in capsys.readouterr().out
    assert again.history == first.history
    for a, b in zip(jax.tree.leaves(nnx.state(again.model, nnx.Param)), jax.tree.leaves(nnx.state(first.model, nnx.Param))):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
