"""Orders and the autoregressive mask (Eq. 8)."""

import jax
import numpy as np
import pytest

import pacviz as pv
from helpers import random_order


def test_raster_and_s_curve_orders():
    raster = np.asarray(pv.make_order(3, 4, "raster"))
    np.testing.assert_array_equal(raster, np.arange(1, 13).reshape(3, 4))
    s = np.asarray(pv.make_order(3, 4, "s_curve"))
    np.testing.assert_array_equal(s, [[1, 2, 3, 4], [8, 7, 6, 5], [9, 10, 11, 12]])
    # In an s-curve consecutive pixels are always spatial neighbours.
    pos = {v: divmod(i, 4) for i, v in enumerate(s.ravel())}
    assert all(abs(pos[v][0] - pos[v + 1][0]) + abs(pos[v][1] - pos[v + 1][1]) == 1 for v in range(1, 12))


@pytest.mark.parametrize("kind", ["raster", "s_curve", "random"])
def test_mask_matches_loop(key, kind):
    h, w, k = 5, 6, 5
    order = random_order(key, h, w) if kind == "random" else pv.make_order(h, w, kind)
    mask = np.asarray(pv.autoregressive_mask(order, k))
    o = np.asarray(order)
    p = k // 2
    for a in range(h):
        for b in range(w):
            for u in range(k):
                for v in range(k):
                    r, s = a + u - p, b + v - p
                    inside = 0 <= r < h and 0 <= s < w
                    assert mask[a, b, u, v] == (inside and o[r, s] >= o[a, b])
    assert mask[:, :, p, p].all()  # the pixel itself


def test_channel_masks():
    up, lo = pv.channel_masks(3, 3, "all_taps")
    assert np.all(np.asarray(up) == np.tril(np.ones((3, 3)))[None, None])  # [i >= o]
    assert np.all(np.asarray(lo) == 1)
    up, lo = pv.channel_masks(3, 3, "center")
    assert np.all(np.asarray(up[1, 1]) == np.tril(np.ones((3, 3))))
    assert np.all(np.asarray(lo[1, 1]) == np.triu(np.ones((3, 3)), 1))  # [i < o]
    assert np.all(np.asarray(up[0, 0]) == 1) and np.all(np.asarray(lo[0, 0]) == 1)


def test_mask_jits(key):
    order = random_order(key, 4, 4)
    out = jax.jit(pv.autoregressive_mask, static_argnums=1)(order, 3)
    np.testing.assert_array_equal(out, pv.autoregressive_mask(order, 3))
