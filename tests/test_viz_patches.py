"""Figures of Ψ (Eq. 2) and of convolution as Ψ(x)·W (Eq. 3): they draw what the ops compute."""

import jax
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import pacviz as pv
import pacviz.viz as pvz


def image_data(ax, index=0):
    return np.asarray(ax.images[index].get_array(), dtype=float)


@pytest.fixture
def x(key):
    return np.asarray(jax.random.uniform(key, (5, 6, 3)))


@pytest.mark.parametrize("row,col", [(2, 3), (0, 0), (4, 5)])
def test_patch_figure_shows_psi_at_the_pixel(x, row, col):
    k = 3
    patches = pv.psi(x, k)
    fig = pvz.patch_figure(x, patches, row, col)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    # Brute force Eq. 2 with explicit zero padding.
    expected = np.zeros((3, k, k))
    for i in range(3):
        for u in range(k):
            for v in range(k):
                r, c = row + u - 1, col + v - 1
                if 0 <= r < 5 and 0 <= c < 6:
                    expected[i, u, v] = x[r, c, i]
    np.testing.assert_allclose(pvz.untile(image_data(fig.axes[1]), 1, 3, (k, k))[0], expected)
    np.testing.assert_allclose(image_data(fig.axes[2]), expected.reshape(1, -1))
    # The box sits on the pixel inside the padded picture.
    box = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(box) == 1 and box[0].get_xy() == (col + 1 - k / 2, row + 1 - k / 2)
    assert image_data(fig.axes[0]).shape[:2] == (5 + 2, 6 + 2)


def test_patch_figure_rejects_bad_input(x):
    patches = pv.psi(x, 3)
    with pytest.raises(ValueError, match="outside"):
        pvz.patch_figure(x, patches, 5, 0)
    with pytest.raises(ValueError, match="patches"):
        pvz.patch_figure(x, patches[..., :2], 0, 0)


def test_patch_product_figure_is_the_convolution(x, key):
    weight = jax.random.normal(key, (3, 3, 3, 2))
    patches = pv.psi(x, 3)
    fig = pvz.patch_product_figure(patches, weight, 1, 2)
    assert len(fig.axes) == 3
    conv = jax.lax.conv_general_dilated(x[None], weight, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))[0]
    np.testing.assert_allclose(image_data(fig.axes[0]), np.asarray(patches).reshape(30, 27))
    np.testing.assert_allclose(image_data(fig.axes[2]), np.asarray(conv).reshape(30, 2), atol=1e-12)
    with pytest.raises(ValueError, match="columns"):
        pvz.patch_product_figure(patches, weight[:, :, :2])


def test_comparison_figure_shows_the_difference():
    a = np.arange(12.0).reshape(2, 3, 2)
    b = a.copy()
    b[1, 2, 1] += 0.5
    fig = pvz.comparison_figure(a, b, ("a", "b"), channel=1)
    assert len(fig.axes) == 3
    np.testing.assert_allclose(image_data(fig.axes[2]), np.abs(a - b)[..., 1])
    assert "5.00e-01" in fig._suptitle.get_text()
    with pytest.raises(ValueError):
        pvz.comparison_figure(a, b[..., :1])


def test_tile_and_untile_round_trip():
    blocks = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    img = pvz.tile(blocks, gap=1)
    assert img.shape == (2 * 4 + 1, 3 * 5 + 2) and np.isnan(img[4]).all()
    np.testing.assert_array_equal(pvz.untile(img, 2, 3, (4, 5)), blocks)
    with pytest.raises(ValueError):
        pvz.untile(img, 3, 3, (4, 5))


def test_figure_to_png_is_a_png(x):
    png = pvz.figure_to_png(pvz.patch_figure(x, pv.psi(x, 3), 0, 0))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        pvz.figure_to_png("not a figure")


def test_patch_product_figure_labels_rows_columns_and_colours():
    x = np.arange(4 * 4 * 2, dtype=float).reshape(4, 4, 2) / 32
    weight = np.ones((3, 3, 2, 3))
    fig = pvz.patch_product_figure(pv.psi(x, 3), weight)
    psi_ax, w_ax, product_ax = fig.axes
    assert "pixel" in psi_ax.get_ylabel() and "(i, u, v)" in psi_ax.get_xlabel()
    assert [t.get_text() for t in psi_ax.get_xticklabels()] == ["i=0", "i=1"]
    assert [t.get_text() for t in product_ax.get_xticklabels()] == ["0", "1", "2"]
    assert product_ax.get_xlabel() == "output o"
    for ax in (psi_ax, w_ax, product_ax):  # one colour bar each, drawn as an inset
        assert len(ax.child_axes) == 1
