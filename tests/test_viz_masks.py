"""Order and mask figures (Eq. 8), and the hand-drawn order."""

import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz


def image_data(ax):
    return np.asarray(ax.images[0].get_array(), dtype=float)


def test_custom_order_numbers_clicks_first_then_raster():
    order = np.asarray(pvz.custom_order(3, 4, [(2, 3), (0, 1), (1, 1)]))
    expected = np.array([[4, 2, 5, 6],
                         [7, 3, 8, 9],
                         [10, 11, 12, 1]])
    np.testing.assert_array_equal(order, expected)
    pv.check_order(order)  # a valid permutation of 1..H·W
    np.testing.assert_array_equal(pvz.custom_order(2, 3, []), pv.make_order(2, 3, "raster"))
    with pytest.raises(ValueError, match="twice"):
        pvz.custom_order(3, 3, [(0, 0), (0, 0)])
    with pytest.raises(ValueError, match="outside"):
        pvz.custom_order(3, 3, [(3, 0)])


def test_order_figure_labels_every_pixel():
    orders = {"raster": pv.make_order(4, 5), "s_curve": pv.make_order(4, 5, "s_curve")}
    fig = pvz.order_figure(orders)
    assert len(fig.axes) == 2
    for ax, order in zip(fig.axes, orders.values()):
        np.testing.assert_array_equal(image_data(ax), order)
        labels = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
        assert labels == {(r, c): str(int(order[r, c])) for r in range(4) for c in range(5)}
    assert len(pvz.order_figure(pv.make_order(2, 2)).axes) == 1


@pytest.mark.parametrize("kind", ["raster", "s_curve"])
def test_mask_figure_shows_m_and_the_neighbours_order(kind):
    order = pv.make_order(5, 6, kind)
    mask = pv.autoregressive_mask(order, 3)
    row, col = 2, 0  # on the left edge: one column of taps is padding
    fig = pvz.mask_figure(order, mask, row, col)
    assert len(fig.axes) == 2
    np.testing.assert_array_equal(image_data(fig.axes[1]), np.asarray(mask[row, col]))
    psi_o = np.asarray(pv.psi(order[..., None], 3))[row, col, 0]
    labels = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in fig.axes[1].texts}
    assert labels == {(u, v): (str(psi_o[u, v]) if psi_o[u, v] else "pad") for u in range(3) for v in range(3)}
    with pytest.raises(ValueError, match="outside"):
        pvz.mask_figure(order, mask, 5, 0)


def test_order_mask_figure_draws_the_sparsity_of_u_and_l(key):
    order = pv.make_order(4, 4, "s_curve")
    mask = pv.autoregressive_mask(order, 3)
    weight = pv.near_identity_weight(key, 2, 3, 0.1, dtype=np.float64)
    jac = pvz.pac_jacobians(weight, None, mask, order)
    fig = pvz.order_mask_figure(order, mask, 1, 1, {"U": jac["U"], "L": jac["L"]}, 2)
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(image_data(fig.axes[2]), jac["U"] != 0)
    np.testing.assert_array_equal(image_data(fig.axes[3]), jac["L"] != 0)
