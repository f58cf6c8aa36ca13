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
    assert grid.get_images()[0].get_array().max() == 255  # level 16 of 17 drawn white


def test_curves_without_samples_have_one_axis():
    fig = live_training_figure([dict(step=1, train_bpd=3.0)])
    assert len(fig.axes) == 1
