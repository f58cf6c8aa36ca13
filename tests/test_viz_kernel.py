"""Kernel figures (Eq. 4–6): the drawn kernel is pv.pac_kernel at the pixel; filters are k ⊙ W."""

import jax
import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz


def image_data(ax):
    return np.asarray(ax.images[0].get_array(), dtype=float)


def test_effective_filters_brute_force(key):
    k1, k2 = jax.random.split(key)
    kern = np.asarray(jax.random.uniform(k1, (2, 3, 3)))
    weight = np.asarray(jax.random.normal(k2, (3, 3, 4, 2)))
    out = pvz.effective_filters(kern, weight)
    assert out.shape == (2, 4, 3, 3)
    for o in range(2):
        for i in range(4):
            np.testing.assert_allclose(out[o, i], kern[o] * weight[:, :, i, o])
    shared = pvz.effective_filters(kern[:1], weight)  # one kernel for all output channels
    np.testing.assert_allclose(shared[1, 0], kern[0] * weight[:, :, 0, 1])
    with pytest.raises(ValueError):
        pvz.effective_filters(kern[:, :2, :2], weight)


def test_kernel_figure_shows_each_pixels_kernel_and_filters(key):
    layer = pvz.example_layer(pvz.default_photo()[:8, :8], 5, weight_scale=0.3)
    pixels = [(3, 4), (3, 5), (0, 0)]
    fig = pvz.kernel_figure(layer.x, layer.kernel, layer.weight, pixels)
    assert len(fig.axes) == 1 + 2 * len(pixels)
    kernel = np.asarray(pv.pac_kernel(layer.features, layer.sigma2, layer.lengthscale, 5))
    for n, (r, c) in enumerate(pixels):
        drawn_k = pvz.untile(image_data(fig.axes[1 + 2 * n]), 1, 3, (5, 5))[0]
        np.testing.assert_allclose(drawn_k, kernel[r, c], rtol=1e-6)
        drawn_f = pvz.untile(image_data(fig.axes[2 + 2 * n]), 3, 3, (5, 5))
        np.testing.assert_allclose(drawn_f, pvz.effective_filters(kernel[r, c], layer.weight), rtol=1e-5, atol=1e-7)
    # Neighbouring pixels on either side of an edge really differ.
    assert not np.allclose(kernel[3, 4], kernel[3, 5])
    for ax in fig.axes[1:]:  # every kernel and filter picture has its colour bar (an inset)
        assert len(ax.child_axes) == 1


def test_kernel_figure_rejects_bad_input():
    layer = pvz.example_layer(pvz.default_photo()[:6, :6], 3)
    with pytest.raises(ValueError, match="at least one"):
        pvz.kernel_figure(layer.x, layer.kernel, layer.weight, [])
    with pytest.raises(ValueError, match="outside"):
        pvz.kernel_figure(layer.x, layer.kernel, layer.weight, [(6, 0)])


def test_example_layer_is_eq6_of_the_photo_colours():
    photo = pvz.default_photo()[:4, :5]
    layer = pvz.example_layer(photo, 3, feature_scale=2.0, sigma2=0.7, lengthscale=0.3)
    unit = photo / 255.0
    np.testing.assert_allclose(layer.x, 2 * unit - 1, rtol=1e-6)
    np.testing.assert_allclose(layer.features, 2 * unit, rtol=1e-6)
    # Eq. 6 by hand at one pixel and tap: neighbour (1 - 1, 2 + 1) for tap (0, 2).
    d = np.sum((layer.features[1, 2] - layer.features[0, 3]) ** 2)
    np.testing.assert_allclose(layer.kernel[1, 2, 0, 0, 2], 0.7 * np.exp(-d / (2 * 0.3)), rtol=1e-5)
    np.testing.assert_allclose(layer.kernel[1, 2, :, 1, 1], 0.7, rtol=1e-6)
    with pytest.raises(ValueError):
        pvz.example_layer(photo, 3, sigma2=0.0)
