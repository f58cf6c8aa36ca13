"""The live training view redraws what the trainer reports."""

import numpy as np

from pacviz.viz import LiveTraining, live_training_figure


def test_live_training_redraws_curves_and_samples():
    live = LiveTraining(num_levels=17)
    live.on_log(dict(step=10, train_bpd=5.0))
    live.on_eval(dict(step=20, test_bpd=4.5), np.full((4, 8, 8, 1), 16, np.uint8))
    live.on_log(dict(step=20, train_bpd=4.8, test_bpd=4.5))
    assert live.redraw_count == 2 and live.widget.value[:4] == b"\x89PNG"
    curves, grid = live.figure.axes
    lines = {line.get_label(): line.get_ydata() for line in curves.get_lines()}
    np.testing.assert_allclose(lines["train (batch mean)"], [5.0, 4.8])
    np.testing.assert_allclose(lines["test (variational bound)"], [4.5])
    assert grid.get_images()[0].get_array().max() == 1.0  # level 16 of 17 drawn white


def test_curves_without_samples_have_one_axis():
    fig = live_training_figure([dict(step=1, train_bpd=3.0)])
    assert len(fig.axes) == 1


def test_live_training_keeps_every_sample_grid_and_draws_them_in_order():
    from pacviz.train import image_grid

    live = LiveTraining(num_levels=17)
    first, second = np.zeros((4, 8, 8, 1), np.uint8), np.full((4, 8, 8, 1), 16, np.uint8)
    live.on_eval(dict(step=10, test_bpd=5.0), first)
    live.on_eval(dict(step=15, test_bpd=4.9), None)  # an evaluation without samples adds no grid
    live.on_eval(dict(step=20, test_bpd=4.5), second)
    assert [step for step, _ in live.sample_history] == [10, 20]
    fig = live.samples_figure(title="over training")
    assert [ax.get_title() for ax in fig.axes] == ["step 10", "step 20"]
    # one display convention for every sample grid: the uint8 tiling shown as [0, 1] floats
    np.testing.assert_array_equal(fig.axes[0].get_images()[0].get_array(), image_grid(first, 17) / 255.0)
    np.testing.assert_array_equal(fig.axes[1].get_images()[0].get_array(), image_grid(second, 17) / 255.0)


def test_samples_figure_before_any_samples_says_why():
    import pytest

    with pytest.raises(ValueError, match="no samples yet"):
        LiveTraining().samples_figure()


def test_sample_grids_figure_titles_panels_and_rejects_nothing():
    import pytest

    from pacviz.viz import sample_grids_figure

    images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    fig = sample_grids_figure({"data": images, "samples, T = 0.7": images[::-1]}, columns=2, title="t")
    assert [ax.get_title() for ax in fig.axes] == ["data", "samples, T = 0.7"]
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 9, 3)  # two 4×4 tiles and a 1-pixel gap
    with pytest.raises(ValueError, match="grids is empty"):
        sample_grids_figure({})


def test_training_curves_explain_a_test_curve_below_train():
    from pacviz.viz.figures.training_curves import training_curves_figure

    def notes(history):
        return [t.get_text() for t in training_curves_figure(history).axes[0].texts]

    below = [{"step": 10, "train_bpd": 5.0}, {"step": 20, "train_bpd": 4.0, "test_bpd": 3.5}]
    above = [{"step": 10, "train_bpd": 5.0}, {"step": 20, "train_bpd": 4.0, "test_bpd": 4.5}]
    assert any("dropout" in t for t in notes(below))
    assert notes(above) == []
