"""Kernel selectivity (notebook 08): 0 for a flat kernel, large where Eq. 6 shuts neighbours out."""

import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz


def test_flat_kernel_has_zero_selectivity_and_a_dark_tap_counts():
    k = np.full((3, 3), 0.7)
    assert pvz.kernel_selectivity(k) == 0.0
    k[0, 2] = 0.07
    np.testing.assert_allclose(pvz.kernel_selectivity(k), 0.9)
    with pytest.raises(ValueError, match="K odd"):
        pvz.kernel_selectivity(np.ones((4, 4)))


def test_edge_and_flat_pixels_of_a_step_edge():
    image = pvz.step_edge(12, noise=0.0)  # columns 0..5 one colour, 6..11 another
    layer = pvz.example_layer(image, 3, lengthscale=0.05)
    kernel = np.asarray(layer.kernel)[:, :, 0]
    edge, flat, selectivity = pvz.edge_and_flat_pixels(kernel)
    assert edge[1] in (5, 6)  # a window that straddles the step
    assert flat[1] not in (5, 6) and selectivity[flat] < 1e-6
    assert np.isnan(selectivity[0]).all() and np.isnan(selectivity[:, -1]).all()  # border left out
    # brute force at the edge pixel: the smallest tap over the centre tap
    k = np.asarray(pv.pac_kernel(layer.features, layer.sigma2, layer.lengthscale, 3))[edge][0]
    np.testing.assert_allclose(selectivity[edge], 1 - k.min() / k[1, 1], rtol=1e-6)
