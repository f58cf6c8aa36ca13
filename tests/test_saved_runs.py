"""A saved run: `pacviz eval` reproduces its training's test bits/dim, and it loads the architecture it
was trained with whatever the presets say now."""

import dataclasses
import json

import jax
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.models import config as model_config_module
from pacviz.train import read_metrics, train
from pacviz.train.load import export_run, load_run, load_weights
from pacviz.train.run_evaluation import evaluate_run

EVAL_IMAGES = 16


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run") / "tiny"
    return train(preset="tiny", model="realnvp", workdir=str(workdir), steps=4, eval_every=2, sample_every=4,
                 checkpoint_every=2, log_every=2, eval_images=EVAL_IMAGES, num_samples=2, progress=False)


def _params(model):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(nnx.state(model, nnx.Param))]


def test_eval_reproduces_the_final_test_bpd_exactly(run, capsys):
    final = [r for r in read_metrics(run.workdir / "metrics.jsonl") if "test_bpd" in r][-1]
    assert final["step"] == 4 and final["test_images"] == EVAL_IMAGES
    assert final["test_estimate"] == "variational bound (1 sample)"
    result, meta = evaluate_run(run.workdir, which="last", images=EVAL_IMAGES, num_samples=1)
    assert meta["step"] == 4
    assert result.bits_per_dim == final["test_bpd"]  # same images, keys, padding and function: exactly
    from pacviz.cli import main

    assert main(["eval", "--workdir", str(run.workdir), "--which", "last", "--images", str(EVAL_IMAGES),
                 "--num-samples", "1"]) == 0
    out = capsys.readouterr().out
    assert f"test bits/dim = {final['test_bpd']:.6f}" in out
    assert f"[variational bound (1 sample), {EVAL_IMAGES} test images]" in out


def test_checkpoint_records_the_full_model_config(run):
    _, meta = load_run(run.workdir, which="last")
    assert meta["model_config"] == dataclasses.asdict(run.model.config)
    assert meta["pacviz_version"] == pv.__version__
    assert meta["image_shape"] == list(run.model.image_shape) and meta["num_levels"] == run.model.num_levels


def test_a_changed_preset_does_not_change_what_a_saved_run_loads(run, tmp_path, monkeypatch):
    export_run(run.workdir, tmp_path / "w", which="last", command="pacviz train ...")
    changed = dict(model_config_module._PRESETS["tiny"], blocks=2, hidden_channels=4, dropout=0.3)
    monkeypatch.setitem(model_config_module._PRESETS, "tiny", changed)
    assert model_config_module.model_config("realnvp", "tiny").blocks == 2  # the table did change
    for model, _ in (load_run(run.workdir, which="last"), load_weights(tmp_path / "w")):
        assert model.config == run.model.config
        for a, b in zip(_params(model), _params(run.model), strict=True):
            np.testing.assert_array_equal(a, b)


def test_export_carries_the_record_and_the_run_files(run, tmp_path):
    out, meta = export_run(run.workdir, tmp_path / "w", which="last", command="pacviz train --steps 4")
    saved = json.loads((out / "meta.json").read_text())
    assert saved["model_config"] == dataclasses.asdict(run.model.config) and saved["command"].endswith("4")
    assert (out / "metrics.jsonl").exists() and (out / "samples.png").exists()


def test_an_old_record_without_model_config_loads_with_a_warning(run, tmp_path):
    out, _ = export_run(run.workdir, tmp_path / "old", which="last")
    meta = json.loads((out / "meta.json").read_text())
    del meta["model_config"]
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="no 'model_config'"):
        model, _ = load_weights(out)
    assert model.config == run.model.config


def test_a_record_with_an_unknown_option_is_refused(run, tmp_path):
    out, _ = export_run(run.workdir, tmp_path / "new", which="last")
    meta = json.loads((out / "meta.json").read_text())
    meta["model_config"]["wings"] = 2
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="wings"):
        load_weights(out)
