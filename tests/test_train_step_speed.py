"""The fast training step: flat optimizer state, a step over flat donated leaves, old checkpoints."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from pacviz.models.build import build_model
from pacviz.train import Checkpoints, heap, train, train_config
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


def test_flat_step_on_donated_leaves_equals_the_plain_step(monkeypatch):
    """Also: its first call (the compile) returns the freed heap, once."""
    trims = []
    monkeypatch.setattr(heap, "_malloc_trim", lambda: trims.append)
    model = _model()
    graphdef, state = nnx.split((model, nnx.Optimizer(model, make_optimizer(CONFIG), wrt=nnx.Param)))
    step = TrainStep(graphdef, state)
    leaves = step.leaves(jax.tree.map(jnp.copy, state))
    for i in range(3):
        state, plain = train_step(graphdef, state, _images(i), *KEYS)
        leaves, fast = step(leaves, _images(i), *KEYS)
        assert trims == [0]
        for name in ("loss", "grad_norm", "finite"):
            np.testing.assert_array_equal(np.asarray(fast[name]), np.asarray(plain[name]))
    for a, b in zip(_params(step.state(leaves), graphdef), _params(state, graphdef)):
        np.testing.assert_array_equal(a, b)


def _gradients(model, seed, scale=0.1):
    """Random gradients for ``model``'s parameters, drawn on the host (no random-number program to compile)."""
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda p: jnp.asarray(scale * rng.standard_normal(p.shape), p.dtype),
                        nnx.state(model, nnx.Param))


@nnx.jit
def _update(optimizer, model, grads):
    optimizer.update(model, grads)


def _param_leaves(model):
    return [np.asarray(x) for x in jax.tree.leaves(nnx.state(model, nnx.Param))]


def test_flat_optimizer_updates_like_the_per_parameter_one():
    """optax.flatten changes the state's layout, not the arithmetic (up to the clip norm's summation order).

    Both layouts get the same gradients (the optimizer alone is compared: no training step compiled per
    layout); the last ones are larger than the clip norm, so the clipping is compared too."""
    flat, per_leaf = _model(), _model()
    optimizers = ((flat, nnx.Optimizer(flat, make_optimizer(CONFIG), wrt=nnx.Param)),
                  (per_leaf, _per_leaf_optimizer(per_leaf)))
    before = _param_leaves(flat)
    for i, scale in enumerate((0.1, 0.05, 0.5)):
        grads = _gradients(flat, i, scale)
        for model, optimizer in optimizers:
            _update(optimizer, model, grads)
    assert float(optax.tree.norm(grads)) > CONFIG.clip_norm
    changed = False
    for a, b, start in zip(_param_leaves(flat), _param_leaves(per_leaf), before, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        changed |= not np.array_equal(a, start)
    assert changed


def test_checkpoint_with_per_parameter_optimizer_state_is_converted_on_restore(tmp_path):
    """A run saved before the flat layout resumes exactly: the restored flat moments are the old
    ones concatenated, in the order optax.flatten reads the parameters (the next update agrees)."""
    model = _model()
    old = _per_leaf_optimizer(model)
    for i in range(2):
        _update(old, model, _gradients(model, i))
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
    _update(old, model, _gradients(model, 2))
    _update(new, fresh, _gradients(fresh, 2))
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


def test_the_step_scans_deep_conditioners_into_a_smaller_program():
    """With 4+ residual blocks per conditioner the scanned step holds one block per conditioner:
    fewer operations and more while loops than the looped step (lowering only, nothing compiled)."""
    model = build_model("pac_s_curve", (8, 8, 1), preset="tiny", num_levels=17, blocks=4, dropout=0.2,
                        rngs=nnx.Rngs(params=0, dropout=1))
    model.train()
    graphdef, state = nnx.split((model, nnx.Optimizer(model, make_optimizer(CONFIG), wrt=nnx.Param)))
    texts = {}
    for scan in (True, False):
        step = TrainStep(graphdef, state, scan_blocks=scan)
        texts[scan] = step.lower(step.leaves(state), _images(), *KEYS).as_text()
    ops = {scan: sum("stablehlo." in line for line in text.splitlines()) for scan, text in texts.items()}
    whiles = {scan: text.count("stablehlo.while") for scan, text in texts.items()}
    assert whiles[True] > whiles[False], whiles  # the main flow's conditioners (4 blocks) became loops
    assert ops[True] < ops[False], ops
