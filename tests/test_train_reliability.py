"""Training reliability: nothing NaN is kept or reported, Ctrl-C, the workdir lock, corrupt-latest fallback."""

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from pacviz.models.build import build_model
from pacviz.train import Checkpoints, TrainResult, read_meta, read_metrics, train
from pacviz.train.lock import WorkdirBusy, workdir_lock
from pacviz.train.step import train_step


def _tiny_model():
    return build_model("pac_s_curve", (8, 8, 1), preset="tiny", num_levels=17,
                       rngs=nnx.Rngs(params=0, dropout=1))


def _leaves(tree):
    return [np.asarray(x) for x in jax.tree.leaves(tree)]


def test_step_that_breaks_the_parameters_is_rolled_back_on_device():
    """An infinite learning rate gives a finite loss and gradient but non-finite new parameters:
    the step reports finite=False and returns the old parameters and optimizer state."""
    model = _tiny_model()
    model.train()
    images = jax.random.randint(jax.random.PRNGKey(0), (4, 8, 8, 1), 0, 17).astype(jnp.uint8)
    keys = jax.random.PRNGKey(1), jax.random.PRNGKey(2)
    # The learning rate is optimizer state, not a constant of the program: one compile for both.
    optimizer = nnx.Optimizer(model, optax.inject_hyperparams(optax.sgd)(learning_rate=1e-3), wrt=nnx.Param)
    graphdef, _ = nnx.split((model, optimizer))
    for lr, expect_finite in ((1e-3, True), (jnp.inf, False)):
        optimizer.opt_state.hyperparams["learning_rate"][...] = lr  # same dtype: the same program
        state = nnx.state((model, optimizer))
        before = _leaves(nnx.state((model, optimizer), nnx.Param, nnx.OptState))
        new_state, out = train_step(graphdef, state, images, *keys)
        assert np.isfinite(float(out["loss"])) and np.isfinite(float(out["grad_norm"]))
        assert bool(out["finite"]) is expect_finite
        new_model, new_optimizer = nnx.merge(graphdef, new_state)
        assert all(np.all(np.isfinite(a)) for a in _leaves(nnx.state(new_model, nnx.Param)))
        after = _leaves(nnx.state((new_model, new_optimizer), nnx.Param, nnx.OptState))
        changed = any(not np.array_equal(a, b) for a, b in zip(before, after))
        assert changed is expect_finite


FAST = dict(preset="tiny", progress=False, eval_images=16, num_samples=2)
RUN = dict(eval_every=2, sample_every=4, checkpoint_every=2, log_every=2, **FAST)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """4 steps of the tiny preset, checkpoints (and evaluations) at steps 2 and 4."""
    return train(workdir=str(tmp_path_factory.mktemp("reliability") / "base"), steps=4, **RUN)


def _copy(run, tmp_path, name):
    workdir = tmp_path / name
    shutil.copytree(run.workdir, workdir, ignore=shutil.ignore_patterns(".lock"))
    return workdir


def test_diverging_resume_keeps_the_best_and_exits_3(base_run, tmp_path, capsys):
    """A resume at a learning rate that breaks the model: nothing broken is checkpointed, `best`
    keeps its finite score, no NaN is logged, and the CLI ends with one paragraph and exit code 3
    naming the true last good step."""
    from pacviz.cli import main

    workdir = _copy(base_run, tmp_path, "diverge")
    best_before = read_meta(workdir / "checkpoints" / "best")
    code = main(["train", "--preset", "tiny", "--workdir", str(workdir), "--steps", "8", "--eval-every", "2",
                 "--checkpoint-every", "2", "--sample-every", "4", "--log-every", "2", "--eval-images", "16",
                 "--num-samples", "2", "--lr", "1e30", "--final-lr", "1e30", "--max-nonfinite", "100", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 3, err
    message = [line for line in err.splitlines() if "training diverged" in line]
    assert len(message) == 1 and "Traceback" not in err
    assert "last good checkpoint is step 4" in message[0]
    best = read_meta(workdir / "checkpoints" / "best")
    assert (best["step"], best["test_bpd"]) == (best_before["step"], best_before["test_bpd"])
    assert math.isfinite(best["test_bpd"])
    checkpoints = Checkpoints(workdir / "checkpoints")
    assert checkpoints.latest_step() == 4
    checkpoints.close()
    for record in read_metrics(workdir):
        assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in record.values())


def test_corrupt_latest_checkpoint_falls_back_to_the_previous_one(base_run, tmp_path):
    workdir = _copy(base_run, tmp_path, "corrupt")
    step_dir = workdir / "checkpoints" / "last" / "4"
    damaged = {}
    for path in step_dir.rglob("*"):
        if path.is_file() and path.stat().st_size > 0 and "meta" not in str(path):
            path.write_bytes(b"not a checkpoint")
            damaged[path.relative_to(step_dir)] = b"not a checkpoint"
    result = train(workdir=str(workdir), steps=4, **RUN)
    assert result.resumed_from == 2
    aside = workdir / "checkpoints" / "last" / "4.damaged"
    for relative, content in damaged.items():  # moved aside, not deleted
        assert (aside / relative).read_bytes() == content
    for a, b in zip(_leaves(nnx.state(result.model, nnx.Param)), _leaves(nnx.state(base_run.model, nnx.Param))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # steps 3-4 replayed as before


def test_result_reports_only_the_returned_models_score(base_run):
    assert base_run.step == 4 and base_run.test_bpd == read_metrics(base_run.workdir)[-1]["test_bpd"]
    stale = TrainResult(config=base_run.config, model=base_run.model, history=[dict(step=2, test_bpd=3.0),
                                                                                dict(step=3, train_bpd=2.9)], step=3)
    assert stale.test_bpd is None


def _holder_process(workdir):
    code = ("import sys, time; from pacviz.train.lock import workdir_lock; lock = workdir_lock(sys.argv[1]); "
            "lock.__enter__(); print('held', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(workdir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_lock_refuses_a_second_run_and_takes_over_a_stale_one(tmp_path, capsys):
    from pacviz.cli import main

    workdir = tmp_path / "locked"
    workdir.mkdir()
    holder = _holder_process(workdir)
    try:
        with pytest.raises(WorkdirBusy, match=f"PID {holder.pid}"):
            train(workdir=str(workdir), steps=1, **FAST)
        assert main(["train", "--preset", "tiny", "--workdir", str(workdir), "--no-progress"]) == 2
        assert f"PID {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()  # like kill -9: the lock file stays, naming a dead process
        holder.wait()
    assert (workdir / ".lock").read_text() == str(holder.pid)
    with workdir_lock(workdir) as stale:
        assert stale == str(holder.pid)
        assert (workdir / ".lock").read_text() == str(os.getpid())
    assert (workdir / ".lock").read_text() == ""


def test_ctrl_c_checkpoints_the_current_step_and_exits_130(tmp_path):
    workdir = tmp_path / "interrupted"
    # The test session's environment (its XLA flags, its compilation cache): the tiny run's programs,
    # compiled by the other tiny runs of the session, are read from the cache, not compiled again.
    proc = subprocess.Popen(
        [sys.executable, "-m", "pacviz.cli", "train", "--preset", "tiny", "--workdir", str(workdir), "--steps",
         "100000", "--log-every", "1", "--eval-every", "100000", "--sample-every", "100000", "--checkpoint-every",
         "100000", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while not read_metrics(workdir) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
        assert read_metrics(workdir), "the run logged no step"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    match = re.search(r"interrupted after step (\d+); checkpoint of step (\d+)", err)
    assert match and match[1] == match[2], err
    checkpoints = Checkpoints(workdir / "checkpoints")
    assert checkpoints.latest_step() == int(match[1]) >= 1
    checkpoints.close()


def test_nan_samples_are_flagged_with_advice():
    model = _tiny_model()
    z = jnp.zeros((3,) + model.latent_shape).at[1].set(jnp.nan)
    with pytest.warns(RuntimeWarning, match=r"1 of 3 samples are not finite \(images 1;.*latents z"):
        images, report = model.decode(z, report=True)
    assert report.finite.tolist() == [True, False, True] and images.shape[0] == 3
    params = nnx.state(model, nnx.Param)
    nnx.update(model, jax.tree.map(lambda x: x * jnp.nan, params))
    with pytest.warns(RuntimeWarning, match=r"3 of 3 samples are not finite.*untrained"):
        _, report = model.sample(3, rngs=nnx.Rngs(noise=0), report=True)  # same shape: no second compile
    assert not report.ok.any() and report.num_bad == 3


def test_infinite_learning_rate_is_refused_before_any_work(tmp_path, capsys):
    from pacviz.cli import main

    workdir = tmp_path / "inf"
    assert main(["train", "--preset", "tiny", "--lr", "inf", "--workdir", str(workdir), "--no-progress"]) == 2
    assert "lr (--lr) must be finite and > 0, got inf" in capsys.readouterr().err
    assert not workdir.exists()
