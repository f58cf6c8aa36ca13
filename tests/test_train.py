"""Training: a short run, exact resume, damaged and mismatched checkpoints, divergence, data parallel."""

import math
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.train import (CheckpointError, Checkpoints, TrainingDiverged, read_metrics, train, train_config)
from pacviz.train.optimizer import learning_rate_schedule, make_optimizer
from pacviz.train.sharding import data_mesh, replicate, shard_batch
from pacviz.train.step import TrainStep, train_step

FAST = dict(preset="tiny", progress=False, eval_images=16, num_samples=2)


def params_of(model):
    return jax.tree_util.tree_leaves(nnx.state(model, nnx.Param))


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run") / "tiny"
    return train(workdir=str(workdir), steps=6, eval_every=3, sample_every=6, checkpoint_every=3, log_every=2, **FAST)


def test_short_run_leaves_metrics_samples_and_checkpoints(short_run):
    workdir = short_run.workdir
    records = read_metrics(workdir)
    assert [r["step"] for r in records] == [2, 3, 4, 6]
    for key in ("step", "train_bpd", "lr", "grad_norm", "steps_per_sec"):
        assert all(key in r for r in records if r["step"] != 3) and math.isfinite(records[-1][key])
    assert all(math.isfinite(r["test_bpd"]) for r in records if r["step"] in (3, 6))
    assert (workdir / "samples" / "step_0000006.png").exists()
    assert sorted(int(p.name) for p in (workdir / "checkpoints" / "last").iterdir() if p.name.isdigit()) == [3, 6]
    assert short_run.test_bpd == records[-1]["test_bpd"]
    assert short_run.history == records


def test_learning_rate_schedule_matches_the_paper():
    config = train_config("paper")
    schedule = learning_rate_schedule(config)
    assert (config.batch_size, config.clip_norm, config.init_batch_size) == (8, 15.0, 128)
    assert float(schedule(0)) == 0.0 and abs(float(schedule(1000)) - 5e-4) < 1e-9
    assert abs(float(schedule(2000)) - 1e-3) < 1e-9
    assert abs(float(schedule(2000 + 50_000)) - (1e-4 + 0.5 * (1e-3 - 1e-4))) < 1e-7
    assert abs(float(schedule(102_000)) - 1e-4) < 1e-9 and abs(float(schedule(600_000)) - 1e-4) < 1e-9


def test_resume_reproduces_the_uninterrupted_run(short_run, tmp_path):
    workdir = tmp_path / "resumed"
    common = dict(workdir=str(workdir), eval_every=3, sample_every=6, checkpoint_every=3, log_every=2, **FAST)
    first = train(steps=3, **common)
    assert first.resumed_from is None
    resumed = train(steps=6, **common)
    assert resumed.resumed_from == 3
    for a, b in zip(params_of(resumed.model), params_of(short_run.model)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
    assert [r["step"] for r in read_metrics(workdir)] == [2, 3, 4, 6]


def test_damaged_checkpoints_give_a_clear_error_and_keep_files(short_run, tmp_path):
    """Every checkpoint damaged: no fallback is left, the newest one's error is raised, nothing is
    deleted (one damaged checkpoint among intact ones: tests/test_train_reliability.py)."""
    workdir = tmp_path / "damaged"
    shutil.copytree(short_run.workdir, workdir)
    last = workdir / "checkpoints" / "last"
    for path in last.rglob("*"):
        if path.is_file() and path.stat().st_size > 0 and "meta" not in str(path):
            path.write_bytes(b"not a checkpoint")
    before = sorted(str(p.relative_to(last)) for p in last.rglob("*"))
    with pytest.raises(CheckpointError, match="cannot restore the checkpoint at .*6"):
        train(workdir=str(workdir), steps=9, **FAST)
    assert sorted(str(p.relative_to(last)) for p in last.rglob("*")) == before  # nothing deleted or moved


def test_mismatched_checkpoint_gives_a_clear_error(short_run, tmp_path):
    workdir = tmp_path / "other"
    shutil.copytree(short_run.workdir, workdir)
    with pytest.raises((CheckpointError, ValueError), match="different"):
        train(workdir=str(workdir), steps=9, model="realnvp", **FAST)


def test_divergence_stops_with_last_good_checkpoint_intact(short_run, tmp_path):
    workdir = tmp_path / "diverge"
    shutil.copytree(short_run.workdir, workdir)
    with pytest.raises(TrainingDiverged, match="training diverged: .*last good checkpoint is step 6"):
        train(workdir=str(workdir), steps=12, lr=1e30, max_nonfinite=2, checkpoint_every=100, **FAST)
    checkpoints = Checkpoints(workdir / "checkpoints")
    assert checkpoints.latest_step() == 6
    restored = train(workdir=str(workdir), steps=6, **FAST)  # the step-6 checkpoint still restores
    assert restored.resumed_from == 6
    for a, b in zip(params_of(restored.model), params_of(short_run.model)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    checkpoints.close()


def test_data_parallel_step_equals_single_device(short_run):
    """The trainer's step on 4 simulated CPU devices (batch split along "data"; the program the short
    run compiled, so it is not compiled again) equals the plain step on one device."""
    assert jax.device_count() >= 4, "tests/conftest.py asks XLA for 4 host devices"
    from pacviz.train.load import load_run

    config = short_run.config
    model, _ = load_run(short_run.workdir, which="last")  # its own arrays: the step below donates them
    model.train()
    optimizer = nnx.Optimizer(model, make_optimizer(config), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    images = jax.random.randint(jax.random.PRNGKey(0), (8,) + model.image_shape, 0, 17).astype(jnp.uint8)
    keys = jax.random.PRNGKey(1), jax.random.PRNGKey(2)
    single_state, single = train_step(graphdef, state, images, *keys)
    mesh = data_mesh(4)
    step = TrainStep(graphdef, state)
    multi_leaves, multi = step(step.leaves(replicate(state, mesh)), shard_batch(np.asarray(images), mesh), *keys)
    multi_state = step.state(multi_leaves)
    assert len(multi["loss"].sharding.device_set) == 4
    np.testing.assert_allclose(multi["loss"], single["loss"], rtol=1e-5)
    np.testing.assert_allclose(multi["grad_norm"], single["grad_norm"], rtol=1e-4)
    for a, b in zip(jax.tree_util.tree_leaves(nnx.state(nnx.merge(graphdef, multi_state)[0], nnx.Param)),
                    jax.tree_util.tree_leaves(nnx.state(nnx.merge(graphdef, single_state)[0], nnx.Param))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)


def test_batch_size_must_split_over_devices():
    with pytest.raises(ValueError, match="multiple of the number of devices"):
        train(steps=1, batch_size=6, devices=4, workdir="unused", **FAST)


def test_unknown_options_are_rejected():
    with pytest.raises(ValueError, match="unknown training option"):
        train_config("tiny", stepz=3)
    with pytest.raises(ValueError, match="unknown training preset"):
        train_config("huge")


def test_cli_defaults_and_help(capsys):
    from pacviz.cli import build_parser, train_options

    args = build_parser().parse_args(["train"])
    config = train_config(args.preset, **train_options(args))
    assert config == train_config("default")
    assert (config.model, config.dataset, config.model_preset) == ("pac_s_curve", "photos", "small")
    assert config.workdir.startswith("runs/")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--model", "--dataset", "--preset", "--steps", "--batch-size", "--workdir", "--seed"):
        assert option in text
    args = build_parser().parse_args(["train", "--steps", "7", "--model", "realnvp", "--model-option", "blocks=3"])
    config = train_config(args.preset, **train_options(args))
    assert (config.steps, config.model, config.model_options) == (7, "realnvp", {"blocks": 3})


def test_cli_eval_and_sample_on_a_run(short_run, tmp_path, capsys):
    from pacviz.cli import main

    assert main(["eval", "--workdir", str(short_run.workdir), "--images", "8", "--num-samples", "2"]) == 0
    out = capsys.readouterr().out
    assert "test bits/dim" in out and "importance-weighted bound (2 samples)" in out
    png = tmp_path / "grid.png"
    assert main(["sample", "--workdir", str(short_run.workdir), "--num", "2", "--out", str(png),
                 "--temperature", "0.3"]) == 0
    assert png.exists() and png.stat().st_size > 0
    assert main(["eval", "--workdir", str(tmp_path / "nothing")]) == 2
    assert "no checkpoints" in capsys.readouterr().err


def test_exported_weights_round_trip(short_run, tmp_path):
    from pacviz.train.load import export_weights, load_run, load_weights

    model, meta = load_run(short_run.workdir, which="last")
    export_weights(model, meta, tmp_path / "w")
    again, meta2 = load_weights(tmp_path / "w")
    assert meta2["step"] == meta["step"] == 6
    for a, b in zip(params_of(again), params_of(short_run.model)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    (tmp_path / "w" / "params.npz").write_bytes(b"garbage")
    with pytest.raises(CheckpointError):
        load_weights(tmp_path / "w")
