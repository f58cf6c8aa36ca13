"""Table 2 in miniature: equal parameter counts, one budget, seeds, a stopping rule, a results file that
round-trips (and old files that still load)."""

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
from pacviz.train.comparison_results import FORMAT_1
from pacviz.train.comparison_summary import summarize
from pacviz.train.plateau import PlateauStop
from pacviz.train.trainer import train
from pacviz.viz.table2_table import paired_markdown, paired_verdict
from pacviz.viz.table2_table import table2_markdown, table2_rows
from pacviz.train.load import load_run
from pacviz.train.samples import image_grid
from pacviz.viz.figures.table2 import comparison_curves_figure, comparison_samples_figure, paired_intervals_figure


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


# The one real run of this file: RealNVP, two seeds, on 8×8 digits. An evaluation every 2 steps of 6
# and a stopping tolerance no curve can beat make the stopping rule end both runs at step 4 (the
# second evaluation; the first is the only one before the window), so the early stop is exercised.
TINY = dict(model_preset="tiny", dataset="digits", steps=6, seeds=2, evals=3, plateau=100.0, min_evals=2,
            eval_images=16, num_samples=4)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    results = compare(["realnvp"], workdir=root / "runs", out=root / "out", progress=False, **TINY)
    return root, results


def test_compare_records_budget_seeds_stopping_params_curves_and_samples(tiny_run):
    root, results = tiny_run
    assert results["complete"] and results["order"] == ["realnvp"] and results["format"] == "pacviz-comparison/2"
    budget = results["budget"]
    assert (budget["steps"], budget["warmup_steps"], budget["decay_steps"], budget["batch_size"]) == (6, 1, 5, 8)
    assert budget["seeds"] == [0, 1] and budget["eval_every"] == 2 and budget["stop"]["plateau"] == 100.0
    rule = results["stopping_rule"]
    assert "< 100 " in rule and "last 20% of the steps" in rule and "at least 2 evaluations" in rule
    summary = results["models"]["realnvp"]
    model = pv.build_model("realnvp", (8, 8, 1), preset="tiny", num_levels=17, rngs=nnx.Rngs(0),
                           **summary["overrides"])
    assert summary["overrides"] == {"n_mixtures": 13} and summary["num_params"] == pv.count_params(model)
    runs = summary["runs"]
    assert [r["seed"] for r in runs] == summary["seed_ids"] == [0, 1]
    assert summary["seeds"] == [r["test_bpd"] for r in runs]
    assert summary["mean"] == pytest.approx(np.mean(summary["seeds"]))
    assert summary["sd"] == pytest.approx(np.std(summary["seeds"], ddof=1))
    assert summary["seeds"][0] != summary["seeds"][1]  # two seeds: two different runs
    for r in runs:
        assert r["steps"] == 4 and r["stopped"] == "plateau"  # the rule stopped it, not the 6-step budget
        assert r["config"]["seed"] == r["seed"] and r["config"]["model_options"] == {"n_mixtures": 13}
        assert [c["step"] for c in r["curve"] if "test_bpd" in c] == [2, 4]
        assert r["curve"][-1]["test_bpd"] == pytest.approx(r["curve_final_test_bpd"])
        assert len(r["per_image_test_bpd"]) == r["test_images"] == results["test_images"]
        assert np.mean(r["per_image_test_bpd"]) == pytest.approx(r["test_bpd"], abs=1e-5)
        assert np.isfinite(r["test_bpd"]) and r["wall_time_s"] >= r["train_time_s"] > 0
    assert results["command"].startswith("pacviz compare --models realnvp --model-preset tiny --dataset digits")
    assert "--seeds 2" in results["command"] and "--plateau 100.0" in results["command"]
    for seed in (0, 1):
        samples = results["seed_samples"]["realnvp"][seed]
        assert samples.shape == (4, 8, 8, 1) and samples.dtype == np.uint8 and samples.max() <= 16
    np.testing.assert_array_equal(results["samples"]["realnvp"], results["seed_samples"]["realnvp"][0])


def test_recorded_bpd_is_pv_bits_per_dim_of_the_saved_model(tiny_run):
    root, results = tiny_run
    run = results["models"]["realnvp"]["runs"][1]
    model, meta = load_run(root / "runs" / "realnvp" / "seed1", which="last")
    assert meta["step"] == 4  # the checkpoint of the step where the rule stopped
    images = load_dataset("digits", split="test").images
    key, values = eval_key(1), []
    for i in range(0, len(images), EVAL_BATCH):  # same keys and padding as the recorded evaluation
        chunk = images[i:i + EVAL_BATCH]
        padded = np.concatenate([chunk, np.resize(chunk, (EVAL_BATCH - len(chunk),) + chunk.shape[1:])])
        bpd = pv.bits_per_dim(model, padded, rngs=nnx.Rngs(noise=jax.random.fold_in(key, i)))
        values.append(np.asarray(bpd)[:len(chunk)])
    values = np.concatenate(values)
    np.testing.assert_allclose(values, run["per_image_test_bpd"], atol=1e-5)
    assert np.mean(values) == pytest.approx(run["test_bpd"], abs=1e-5)


def test_a_stopped_run_resumes_as_stopped(tiny_run):
    root, results = tiny_run
    config = pv.train.TrainConfig(**results["models"]["realnvp"]["runs"][0]["config"])
    result = train(config, callbacks=[PlateauStop(100.0, 2)], progress=False)
    assert result.step == 4 and result.resumed_from == 4  # nothing trained: the history already says stop


def test_loader_round_trips_and_a_rerun_skips_recorded_runs(tiny_run):
    root, results = tiny_run
    loaded = load_comparison(root / "out" / "results.json")
    strip = ("samples", "seed_samples")
    assert json.dumps({k: v for k, v in loaded.items() if k not in strip}) == \
        json.dumps({k: v for k, v in results.items() if k not in strip})
    np.testing.assert_array_equal(loaded["samples"]["realnvp"], results["samples"]["realnvp"])
    again = compare(["realnvp"], workdir=root / "runs", out=root / "out", progress=False, **TINY)
    assert again["models"]["realnvp"]["wall_time_s"] == results["models"]["realnvp"]["wall_time_s"]


def test_a_format_1_file_loads_as_one_seed(tiny_run, tmp_path):
    root, results = tiny_run
    run = dict(results["models"]["realnvp"]["runs"][0])
    for key in ("seed", "steps", "stopped", "per_image_test_bpd", "test_images"):
        run.pop(key)
    budget = {k: v for k, v in results["budget"].items() if k not in ("seeds", "stop")}
    old = dict(format=FORMAT_1, command="pacviz compare ...", budget=dict(budget, seed=7), models={"realnvp": run})
    (tmp_path / "results.json").write_text(json.dumps(old))
    np.savez_compressed(tmp_path / "samples.npz", realnvp=results["samples"]["realnvp"])
    loaded = load_comparison(tmp_path)
    summary = loaded["models"]["realnvp"]
    assert summary["seeds"] == [run["test_bpd"]] and summary["seed_ids"] == [7] and summary["sd"] is None
    assert summary["runs"][0]["per_image_test_bpd"] is None and loaded["paired"] == []
    np.testing.assert_array_equal(loaded["seed_samples"]["realnvp"][7], results["samples"]["realnvp"])
    assert "1 seed" in table2_markdown(loaded) and "No paired comparison" in paired_markdown(loaded)


def _with_shifted_copy(results, name, shift):
    """``results`` plus model ``name``: RealNVP's runs with every per-image value moved by ``shift``."""
    runs = {seed: dict(r, per_image_test_bpd=[v + shift for v in r["per_image_test_bpd"]],
                       test_bpd=r["test_bpd"] + shift) for seed, r in results["runs"]["realnvp"].items()}
    return summarize(dict(results, runs=dict(results["runs"], **{name: runs}), order=["realnvp", name]))


def test_table_and_figures_show_the_recorded_numbers(tiny_run):
    _, results = tiny_run
    (row,) = table2_rows(results)
    summary = results["models"]["realnvp"]
    assert row["test_bpd"] == summary["mean"] and row["sd"] == summary["sd"] and row["rank"] == 1
    assert row["CIFAR-10"] == pytest.approx(3.412870)
    assert f"**{row['test_bpd']:.4f}** ± {row['sd']:.4f}" in table2_markdown(results)
    assert "4/4 (2 of 2 on plateau)" in table2_markdown(results)
    fig = comparison_curves_figure(results)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    tests = [[c["test_bpd"] for c in r["curve"] if "test_bpd" in c] for r in summary["runs"]]
    np.testing.assert_allclose(lines["RealNVP test"].get_ydata(), np.mean(tests, axis=0))  # the mean over seeds
    band = fig.axes[0].collections[0].get_paths()[0].vertices[:, 1]  # the seeds' range around it
    assert band.min() == pytest.approx(np.min(tests)) and band.max() == pytest.approx(np.max(tests))
    fig = comparison_samples_figure(results)
    shown = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(shown, image_grid(results["samples"]["realnvp"], 17) / 255.0)


def test_paired_intervals_are_shown_with_what_they_can_tell(tiny_run):
    _, results = tiny_run
    shifted = _with_shifted_copy(results, "pac_s_curve", -0.25)  # s-curve better by exactly 0.25 everywhere
    (pair,) = shifted["paired"]
    assert (pair["a"], pair["b"], pair["seeds"]) == ("pac_s_curve", "realnvp", 2)
    assert pair["mean"] == pytest.approx(-0.25, abs=1e-9) and pair["high"] - pair["low"] < 1e-9
    assert paired_verdict(pair).startswith("PAC s-curve is lower (better) than RealNVP")
    assert "[-0.2500, -0.2500]" in paired_markdown(shifted)
    fig = paired_intervals_figure(shifted)
    (bar,) = fig.axes[0].containers
    assert bar.lines[0].get_xdata()[0] == pytest.approx(-0.25)
    same = _with_shifted_copy(results, "pac_s_curve", 0.0)["paired"][0]  # identical models: 0, and a tie
    assert same["low"] <= 0 <= same["high"] and "cannot tell PAC s-curve from RealNVP" in paired_verdict(same)


def test_bad_input_raises_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown model name"):
        compare(["glow"], model_preset="tiny", steps=5, out=tmp_path)
    with pytest.raises(ValueError, match="unknown model preset"):
        compare(["realnvp"], model_preset="huge", steps=5, out=tmp_path)
    with pytest.raises(ValueError, match="steps must be"):
        compare(["realnvp"], model_preset="tiny", steps=2, out=tmp_path)
    with pytest.raises(ValueError, match="seeds must be a positive int"):
        compare(["realnvp"], model_preset="tiny", steps=5, evals=5, seeds=0, out=tmp_path)
    with pytest.raises(ValueError, match="plateau must be"):
        compare(["realnvp"], model_preset="tiny", steps=5, evals=5, plateau=-0.1, out=tmp_path)
    with pytest.raises(ValueError, match="min_evals .* at most evals"):
        compare(["realnvp"], model_preset="tiny", steps=10, evals=4, min_evals=5, out=tmp_path)
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
                            lr=3e-4, evals=3, seeds=2, plateau=0.02, min_evals=3, out="somewhere", jobs=2,
                            data_root="/data/c10", warmup_steps=2, decay_steps=100)
    argv = shlex.split(chosen.command())
    assert argv[:2] == ["pacviz", "compare"]
    assert options_from_args(build_parser().parse_args(argv[1:])) == chosen  # the recorded command reproduces it
    assert {f.name for f in dataclasses.fields(CompareOptions)} - {"models"} <= set(compare.__doc__.replace("`", " ").split())
    with pytest.raises(ValueError, match="unknown model name"):
        options_from_args(build_parser().parse_args(["compare", "--models", "glow"]))
    assert chosen.schedule() == (2, 100) and CompareOptions(steps=100).schedule() == (20, 80)  # the paper's / a fifth
    with pytest.raises(ValueError, match="warmup_steps"):
        CompareOptions(warmup_steps=-1)
