"""Notebook 02's edge picture: the normalised PAC blur keeps a step edge that a plain blur smears."""

import numpy as np
import pytest

import pacviz.viz as pvz

K = 5


def test_box_blur_weight_is_a_per_channel_average():
    w = np.asarray(pvz.box_blur_weight(3, 2))
    assert w.shape == (3, 3, 2, 2)
    np.testing.assert_allclose(w[..., 0, 0], 1 / 9)
    np.testing.assert_array_equal(w[..., 0, 1], 0)


def test_pac_blur_keeps_the_step_and_the_convolution_smears_it():
    image = pvz.step_edge(16, noise=0.0)
    blurs = pvz.edge_blurs(image, K, lengthscale=0.02)
    jump = np.abs(image[:, 8] - image[:, 7]).max()  # the step between columns 7 and 8
    pac_jump = np.abs(blurs["PAC blur"][:, 8] - blurs["PAC blur"][:, 7]).max()
    conv_jump = np.abs(blurs["convolution blur"][:, 8] - blurs["convolution blur"][:, 7]).max()
    assert pac_jump > 0.95 * jump
    assert conv_jump < 0.5 * jump


def test_blurs_are_weighted_averages_by_brute_force():
    image = pvz.step_edge(8, noise=0.05, seed=1)
    blurs = pvz.edge_blurs(image, 3, lengthscale=0.05)
    kernel = np.asarray(pvz.example_layer(image, 3, sigma2=1.0, lengthscale=0.05).kernel)
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)))
    for h, w, c in [(0, 0, 0), (3, 4, 1), (7, 2, 2)]:
        patch = padded[h:h + 3, w:w + 3, c]
        inside = np.pad(np.ones((8, 8)), 1)[h:h + 3, w:w + 3]  # zero padding: no weight outside
        k = kernel[h, w, c] * inside
        np.testing.assert_allclose(blurs["PAC blur"][h, w, c], (k * patch).sum() / k.sum(), rtol=1e-5)
        np.testing.assert_allclose(blurs["convolution blur"][h, w, c], patch.sum() / inside.sum(), rtol=1e-5)


def test_figure_shows_every_picture_and_channel():
    blurs = pvz.edge_blurs(pvz.step_edge(8), 3)
    fig = pvz.edge_blur_figure(blurs, row=4)
    assert len(fig.axes) == 4
    profile = fig.axes[0]  # the profile axes is added first
    assert len(profile.lines) == 3 * 3
    with pytest.raises(ValueError, match="row must lie"):
        pvz.edge_blur_figure(blurs, row=8)
