"""Table 2 in miniature: equal parameter counts, one budget, a results file that round-trips."""

import json

import jax
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.cli import main
from pacviz.data.load import load_dataset
from pacviz.models.config import MODEL_NAMES
from pacviz.train.comparison import (EVAL_BATCH, compare, equal_param_overrides, eval_key, load_comparison)
from pacviz.viz.table2_table import table2_markdown, table2_rows
from pacviz.train.load import load_run
from pacviz.train.samples import image_grid
from pacviz.viz.figures.table2 import comparison_curves_figure, comparison_samples_figure


def _params(name, preset, shape=(32, 32, 3)):
    model = pv.build_model(name, shape, preset=preset, rngs=nnx.Rngs(0), **equal_param_overrides(name, preset))
    return pv.count_params(model)


@pytest.mark.parametrize("preset, expected", [
    ("small", {"realnvp": 335_193, "emerging": 339_333, "pac_raster": 339_095, "pac_s_curve": 339_095}),
    ("tiny", {"realnvp": 50_686, "emerging": 51_901, "pac_raster": 51_388, "pac_s_curve": 51_388}),
])
def test_equal_param_overrides_match_pac_within_two_percent(preset, expected):
    counts = {name: _params(name, preset) for name in MODEL_NAMES}
    assert counts == expected
    target = counts["pac_s_curve"]
    assert all(abs(c - target) / target < 0.02 for c in counts.values())
    # without the overrides RealNVP and Emerging are far from PAC's size at the small preset
    if preset == "small":
        plain = pv.count_params(pv.build_model("realnvp", (32, 32, 3), preset="small", rngs=nnx.Rngs(0)))
        assert abs(plain - target) / target > 0.1


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    results = compare(["realnvp"], model_preset="tiny", dataset="digits", steps=5, evals=1, eval_images=16,
                      num_samples=4, workdir=root / "runs", out=root / "out", progress=False)
    return root, results


def test_compare_records_budget_params_curves_and_samples(tiny_run):
    root, results = tiny_run
    assert results["complete"] and results["order"] == ["realnvp"]
    budget = results["budget"]
    assert (budget["steps"], budget["warmup_steps"], budget["decay_steps"], budget["batch_size"]) == (5, 1, 4, 8)
    record = results["models"]["realnvp"]
    model = pv.build_model("realnvp", (8, 8, 1), preset="tiny", num_levels=17, rngs=nnx.Rngs(0),
                           **record["overrides"])
    assert record["overrides"] == {"n_mixtures": 13} and record["num_params"] == pv.count_params(model)
    assert record["config"]["steps"] == 5 and record["config"]["model_options"] == {"n_mixtures": 13}
    assert [r["step"] for r in record["curve"]] == [1, 2, 3, 4, 5]
    assert record["curve"][-1]["test_bpd"] == pytest.approx(record["curve_final_test_bpd"])
    assert np.isfinite(record["test_bpd"]) and record["wall_time_s"] >= record["train_time_s"] > 0
    assert results["command"].startswith("pacviz compare --models realnvp --model-preset tiny --dataset digits")
    samples = results["samples"]["realnvp"]
    assert samples.shape == (4, 8, 8, 1) and samples.dtype == np.uint8 and samples.max() <= 16


def test_recorded_bpd_is_pv_bits_per_dim_of_the_saved_model(tiny_run):
    root, results = tiny_run
    model, _ = load_run(root / "runs" / "realnvp", which="last")
    images = load_dataset("digits", split="test").images
    key, values = eval_key(0), []
    for i in range(0, len(images), EVAL_BATCH):  # same keys and padding as the recorded evaluation
        chunk = images[i:i + EVAL_BATCH]
        padded = np.concatenate([chunk, np.resize(chunk, (EVAL_BATCH - len(chunk),) + chunk.shape[1:])])
        bpd = pv.bits_per_dim(model, padded, rngs=nnx.Rngs(noise=jax.random.fold_in(key, i)))
        values.append(np.asarray(bpd)[:len(chunk)])
    assert np.mean(np.concatenate(values)) == pytest.approx(results["models"]["realnvp"]["test_bpd"], abs=1e-5)


def test_loader_round_trips_and_a_rerun_skips_recorded_models(tiny_run):
    root, results = tiny_run
    loaded = load_comparison(root / "out" / "results.json")
    assert json.dumps({k: v for k, v in loaded.items() if k != "samples"}) == \
        json.dumps({k: v for k, v in results.items() if k != "samples"})
    np.testing.assert_array_equal(loaded["samples"]["realnvp"], results["samples"]["realnvp"])
    again = compare(["realnvp"], model_preset="tiny", dataset="digits", steps=5, evals=1, eval_images=16,
                    num_samples=4, workdir=root / "runs", out=root / "out", progress=False)
    assert again["models"]["realnvp"]["wall_time_s"] == results["models"]["realnvp"]["wall_time_s"]


def test_table_and_figures_show_the_recorded_numbers(tiny_run):
    _, results = tiny_run
    (row,) = table2_rows(results)
    assert row["test_bpd"] == results["models"]["realnvp"]["test_bpd"] and row["rank"] == 1
    assert row["CIFAR-10"] == pytest.approx(3.412870)
    assert f"{row['test_bpd']:.4f}" in table2_markdown(results)
    fig = comparison_curves_figure(results)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    curve = results["models"]["realnvp"]["curve"]
    np.testing.assert_allclose(lines["RealNVP train"].get_ydata(), [r["train_bpd"] for r in curve])
    np.testing.assert_allclose(lines["RealNVP test"].get_ydata(), [curve[-1]["test_bpd"]])
    fig = comparison_samples_figure(results)
    shown = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(shown, image_grid(results["samples"]["realnvp"], 17) / 255.0)


def test_bad_input_raises_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown model name"):
        compare(["glow"], model_preset="tiny", steps=5, out=tmp_path)
    with pytest.raises(ValueError, match="unknown model preset"):
        compare(["realnvp"], model_preset="huge", steps=5, out=tmp_path)
    with pytest.raises(ValueError, match="steps must be"):
        compare(["realnvp"], model_preset="tiny", steps=2, out=tmp_path)
    with pytest.raises(FileNotFoundError, match="no comparison results"):
        load_comparison(tmp_path / "nothing")
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_comparison(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"format": "other", "models": {}}))
    with pytest.raises(ValueError, match="not a pacviz comparison"):
        load_comparison(tmp_path)
    assert main(["compare", "--models", "realnvp,glow", "--model-preset", "tiny", "--out", str(tmp_path)]) == 2


def test_options_are_declared_once_for_parser_function_and_command():
    import dataclasses
    import shlex

    from pacviz.cli import build_parser
    from pacviz.train.compare_options import CompareOptions, options_from_args

    defaults = options_from_args(build_parser().parse_args(["compare"]))
    assert defaults == CompareOptions()  # the parser's defaults are the function's
    chosen = CompareOptions(models=("realnvp", "pac_raster"), model_preset="tiny", dataset="digits", steps=9,
                            lr=3e-4, evals=3, out="somewhere", jobs=2)
    argv = shlex.split(chosen.command())
    assert argv[:2] == ["pacviz", "compare"]
    assert options_from_args(build_parser().parse_args(argv[1:])) == chosen  # the recorded command reproduces it
    assert {f.name for f in dataclasses.fields(CompareOptions)} - {"models"} <= set(compare.__doc__.replace("`", " ").split())
    with pytest.raises(ValueError, match="unknown model name"):
        options_from_args(build_parser().parse_args(["compare", "--models", "glow"]))
