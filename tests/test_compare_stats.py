"""The pieces of ``compare`` that need no training: the stopping rule, the paired bootstrap, the
per-seed summary and the parallel runner (with a stand-in for a training run)."""

import os

import numpy as np
import pytest
from parallel_stand_in import stand_in

from pacviz.train.comparison import run_parallel
from pacviz.train.comparison_summary import paired_comparisons, summarize_model
from pacviz.train.paired_bootstrap import paired_bootstrap
from pacviz.train.plateau import PlateauStop, plateaued


def _curve(values, every=10):
    return [every * (i + 1) for i in range(len(values))], list(values)


def test_plateau_rule_on_synthetic_curves():
    falling = [5.0 - 0.1 * i for i in range(10)]  # improves 0.2 over the last fifth: keep going
    assert not plateaued(*_curve(falling))
    flat_tail = [5.0, 4.5, 4.2, 4.1, 4.05, 4.04, 4.035, 4.033, 4.032, 4.031]  # last fifth (steps > 80): 0.002
    assert plateaued(*_curve(flat_tail))
    assert not plateaued(*_curve(flat_tail), tolerance=0.0015)  # the tolerance is the threshold
    assert not plateaued(*_curve(flat_tail), tolerance=0)  # 0: never stop
    assert not plateaued(*_curve(flat_tail[:4] + [4.1]), min_evals=6)  # too few evaluations yet
    noisy_up = [5.0, 4.5, 4.2, 4.1, 4.0, 4.02, 4.01, 4.03, 4.05, 4.02]  # best before the window, none after
    assert plateaued(*_curve(noisy_up))
    # the window is the last fifth of the *steps*: with 5 evaluations it holds only the last one
    assert plateaued(*_curve([5.0, 4.5, 4.2, 4.1, 4.095]))
    assert not plateaued(*_curve([5.0, 4.5, 4.2, 4.1, 4.08]))
    # the callback reads the test values out of a metrics history (records without one are skipped)
    steps, values = _curve(flat_tail)
    history = [dict(step=s - 5, train_bpd=9.0) for s in steps] + [dict(step=s, test_bpd=v) for s, v in zip(steps, values)]
    history.sort(key=lambda r: r["step"])
    assert PlateauStop().should_stop(history) and not PlateauStop().should_stop(history[:-10])
    with pytest.raises(ValueError, match="same length"):
        plateaued([1, 2], [1.0])


def test_paired_bootstrap_known_answers():
    constant = np.full((3, 50), 0.25)  # every image and seed differs by exactly 0.25: a zero-width interval
    c = paired_bootstrap(constant)
    assert c["mean"] == c["low"] == c["high"] == 0.25 and (c["seeds"], c["images"]) == (3, 50)
    symmetric = np.tile(np.array([-1.0, 1.0] * 50), (2, 1))  # mean 0, symmetric: the interval covers 0
    s = paired_bootstrap(symmetric)
    assert s["mean"] == 0 and s["low"] < 0 < s["high"]
    assert abs(s["low"] + s["high"]) < 0.15 * (s["high"] - s["low"])  # symmetric within Monte Carlo error
    # one seed, many images: the percentile interval ≈ mean ± 1.96 sd / sqrt(N) (the normal answer)
    d = np.random.default_rng(1).normal(0.3, 1.0, size=(1, 2000))
    n = paired_bootstrap(d)
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    assert n["low"] == pytest.approx(d.mean() - half, abs=0.15 * half)
    assert n["high"] == pytest.approx(d.mean() + half, abs=0.15 * half)
    assert paired_bootstrap(d) == n  # fixed bootstrap seed: the same interval every time
    # differences that vary between seeds widen the interval (seeds are resampled too)
    spread = np.stack([d[0] - 0.5, d[0] + 0.5])
    assert paired_bootstrap(spread)["high"] - paired_bootstrap(spread)["low"] > 2 * (n["high"] - n["low"])
    with pytest.raises(ValueError, match="seeds, images"):
        paired_bootstrap(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        paired_bootstrap(np.array([[np.nan, 1.0]]))


def _run(seed, per_image, steps=100, stopped="budget"):
    return dict(seed=seed, num_params=10, overrides={}, n_mixtures=5, test_bpd=float(np.mean(per_image)),
                per_image_test_bpd=list(per_image), steps=steps, stopped=stopped, curve=[], wall_time_s=60.0,
                config={})


def test_summary_and_pairs_from_per_seed_runs():
    images = np.linspace(3.0, 5.0, 40)
    models = {"pac_s_curve": summarize_model([_run(1, images + 0.1, 80, "plateau"), _run(0, images)]),
              "emerging": summarize_model([_run(0, images + 0.05), _run(1, images + 0.25)])}
    s = models["pac_s_curve"]
    assert s["seed_ids"] == [0, 1] and s["seeds"] == pytest.approx([4.0, 4.1]) and s["steps"] == [100, 80]
    assert s["mean"] == pytest.approx(4.05) and s["sd"] == pytest.approx(np.std([4.0, 4.1], ddof=1))
    assert s["stopped"] == ["budget", "plateau"] and s["wall_time_s"] == 120.0
    (pair,) = paired_comparisons(models)  # only the pair whose two models are present
    assert (pair["a"], pair["b"], pair["seed_ids"]) == ("pac_s_curve", "emerging", [0, 1])
    assert pair["mean"] == pytest.approx(((0 - 0.05) + (0.1 - 0.25)) / 2)  # paired by seed
    assert pair["low"] == pytest.approx(-0.15) and pair["high"] == pytest.approx(-0.05)  # constant within a seed
    assert summarize_model([_run(0, images)])["sd"] is None  # one seed: no standard deviation


def test_parallel_runs_are_function_calls_in_other_processes(tmp_path):
    done = {}
    run_parallel([("a", 0), ("a", 1)], 2, tmp_path / "logs", lambda n, s, r, g: done.update({(n, s): (r, g)}),
                 worker=stand_in, offset=0.5)
    assert sorted(done) == [("a", 0), ("a", 1)]
    assert all(r["pid"] != os.getpid() and r["value"] == s + 0.5 for (_, s), (r, _) in done.items())
    assert (tmp_path / "logs" / "a_seed1.log").read_text() == "a 1\n"
    with pytest.raises(RuntimeError, match=r"broken seed 0 failed \(a run that fails\).*broken_seed0.log"):
        run_parallel([("broken", 0)], 1, tmp_path / "logs", lambda *a: None, worker=stand_in)


def _pair(a, b, mean, low, high):
    return dict(a=a, b=b, mean=mean, low=low, high=high, level=0.95, seeds=3, images=10)


def _results(pairs, stopped=("plateau", "plateau")):
    models = {m: dict(mean=6.0 + i / 10, stopped=list(stopped)) for i, m in
              enumerate(("pac_s_curve", "pac_raster", "emerging", "realnvp"))}
    return dict(models=models, paired=pairs, budget=dict(seeds=[0, 1], steps=100, stop=dict(plateau=0.01)))


def test_conclusions_follow_the_intervals_not_the_text():
    from pacviz.viz import comparison_conclusions

    both = [_pair("pac_s_curve", "emerging", -0.06, -0.08, -0.04), _pair("pac_s_curve", "realnvp", -0.3, -0.4, -0.2),
            _pair("pac_raster", "pac_s_curve", 0.001, -0.002, 0.004)]
    text = comparison_conclusions(_results(both))
    assert "holds in miniature" in text and "by at least 0.060" in text and "as the paper found" in text
    assert "PAC s-curve 6.000 < PAC raster 6.100 < Emerging Conv. 6.200 < RealNVP 6.300" in text
    assert "Every run (8) stopped on its plateau" in text
    open_interval = [_pair("pac_s_curve", "emerging", -0.03, -0.1, 0.02), both[1],
                     _pair("pac_raster", "pac_s_curve", 0.01, 0.005, 0.02)]
    text = comparison_conclusions(_results(open_interval, stopped=("plateau", "budget")))
    assert "is not resolved here" in text and "unlike the paper" in text
    assert "4 of 8 runs reached the step budget" in text
    worse = [_pair("pac_s_curve", "emerging", 0.05, 0.01, 0.09), both[1]]
    assert "does not hold here" in comparison_conclusions(_results(worse))
    assert "No paired intervals" in comparison_conclusions(_results([]))


def test_rerun_options_reproduce_the_committed_budget():
    from pacviz.train import CompareOptions, load_comparison, rerun_options

    results = load_comparison()
    budget, options = results["budget"], CompareOptions(**rerun_options(results))
    assert options.schedule() == (budget["warmup_steps"], budget["decay_steps"])
    assert list(range(options.seeds)) == budget["seeds"] and options.steps // options.evals == budget["eval_every"]
    assert (options.model_preset, options.dataset, options.plateau) == (budget["model_preset"], budget["dataset"],
                                                                       budget["stop"]["plateau"])
    assert options.models == tuple(results["order"])
