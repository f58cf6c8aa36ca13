"""The trained-filter explorer: what it draws for a layer, pixel, channel and image is the kernel
and the masked filter k ⊙ W of Eq. 4, and that filter applied to the patch is the PAC output."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pacviz as pv
import pacviz.viz as pvz
from pacviz.data import evaluation_images, load_dataset
from pacviz.viz.tiles import untile

K = 3
NUM = 3


def probe(seed, h, w, c, stride, name):
    """A PAC layer's record made directly from the ops (no model needed): random x, f, σ², l, W."""
    ks = jax.random.split(jax.random.PRNGKey(seed), 5)
    x = jax.random.normal(ks[0], (NUM, h, w, c), jnp.float64)
    f = jax.random.uniform(ks[1], (NUM, h, w, 3), jnp.float64, -1, 1)
    sigma2 = jax.random.uniform(ks[2], (NUM, h, w, c), jnp.float64, 0.3, 1.0)
    lengthscale = jax.random.uniform(ks[3], (NUM, h, w, c), jnp.float64, 0.1, 1.0)
    weight = pv.near_identity_weight(ks[4], c, K, 0.3, dtype=jnp.float64)
    kernel = pv.pac_kernel(f, sigma2, lengthscale, K)
    order = pv.make_order(h, w, "s_curve")
    mask = pv.autoregressive_mask(order, K)
    z, _ = pv.pac_forward(x, weight, kernel, mask)
    return pv.PACLayerProbe(
        name=name, path=name, x=np.asarray(x), y=np.asarray(pv.upper_pac(x, weight, kernel, mask)), z=np.asarray(z),
        weight=np.asarray(weight), kernel=np.asarray(kernel), order=np.asarray(order), mask=np.asarray(mask),
        channel_mask="all_taps", stride=stride, alpha=1.0, tol=None, max_iters=50)


@pytest.fixture(scope="module")
def probes():
    return [probe(0, 8, 8, 3, 1, "full resolution"), probe(1, 4, 4, 12, 2, "squeezed")]


@pytest.fixture(scope="module")
def photos():
    return np.asarray(jax.random.randint(jax.random.PRNGKey(7), (NUM, 8, 8, 3), 0, 256), np.uint8)


@pytest.fixture
def explorer(probes, photos):
    return pvz.TrainedFilterExplorer(images=photos, probes=probes)


def expected_filter(p, n, h, w, o, factor="U"):
    """``k[n, h, w, o] · W[:, :, :, o]`` with the masks, written out from the raw arrays: (Cin, K, K)."""
    spatial = p.mask[h, w] if factor == "U" else ~p.mask[h, w]
    channels = (np.arange(p.shape[-1]) >= o) if factor == "U" else np.ones(p.shape[-1], bool)  # [i >= o]
    return np.stack([p.kernel[n, h, w, o] * spatial * p.weight[:, :, i, o] * channels[i] for i in range(p.shape[-1])])


def drawn(explorer):
    """(photo, layer input, kernel, filter tiles) image data of the explorer's figure."""
    axes = explorer.figure.axes
    return [np.asarray(ax.images[0].get_array()) for ax in axes]


def test_setting_values_draws_that_pixels_kernel_and_filter(explorer, probes, photos):
    assert explorer.redraw_count == 1
    explorer.layer.value = 1
    explorer.image.value = 2
    explorer.channel.value = 5
    explorer.row.value, explorer.col.value = 1, 3
    p = probes[1]
    photo, layer_input, kernel, tiles = drawn(explorer)
    np.testing.assert_allclose(photo, photos[2] / 255.0)
    scale = 255.0 / photos.max()  # the buttons are painted with the chosen photo
    assert explorer.grid.buttons[5][6].style.button_color == "#{:02x}{:02x}{:02x}".format(
        *np.round(photos[2, 5, 6] * scale).astype(int))
    np.testing.assert_array_equal(layer_input, p.x[2, :, :, 5])
    np.testing.assert_array_equal(kernel, p.kernel[2, 1, 3, 5])
    want = expected_filter(p, 2, 1, 3, 5)
    assert pvz.tile_grid(12) == (2, 6)
    np.testing.assert_allclose(untile(tiles, 2, 6, (K, K)).reshape(12, K, K), want, rtol=1e-12)
    np.testing.assert_array_equal(tiles, pvz.filter_tiles(want))
    assert np.all(want[:5] == 0)  # Eq. 9: output 5 reads no input channel i < 5
    # The unread taps are greyed: the overlay is opaque exactly where the mask is False.
    overlay = np.asarray(explorer.figure.axes[2].images[1].get_array())
    np.testing.assert_array_equal(overlay[..., 3] > 0, ~p.mask[1, 3])
    # The filter applied to the patch is U's output there (Eq. 4 with Eq. 8–9).
    np.testing.assert_allclose(np.sum(explorer.applied_filter() * explorer.patch()), p.y[2, 1, 3, 5], rtol=1e-12)


def test_lower_factor_draws_ls_filter_on_y(explorer, probes):
    explorer.show(layer=0, image=1, row=4, col=5, channel=0, factor="L")
    p = probes[0]
    _, layer_input, _, tiles = drawn(explorer)
    np.testing.assert_array_equal(layer_input, p.y[1, :, :, 0])
    want = expected_filter(p, 1, 4, 5, 0, "L")
    np.testing.assert_array_equal(tiles, pvz.filter_tiles(want))
    lower = np.asarray(pv.lower_pac(p.y, p.weight, p.kernel, p.mask)) - p.y
    np.testing.assert_allclose(np.sum(want * explorer.patch()), lower[1, 4, 5, 0], rtol=1e-12)


def test_show_is_one_redraw_and_a_pixel_click_picks_the_layer_pixel_under_it(explorer, probes):
    before = explorer.redraw_count
    explorer.show(layer=1, image=0, channel=2)
    assert explorer.redraw_count == before + 1
    explorer.grid.click(5, 2)  # photo pixel (5, 2) lies in layer pixel (2, 1) at stride 2
    assert explorer.redraw_count == before + 2
    assert (explorer.row.value, explorer.col.value) == (2, 1)
    np.testing.assert_array_equal(drawn(explorer)[2], probes[1].kernel[0, 2, 1, 2])
    assert explorer.grid.selected == (5, 2)
    explorer.grid.click(4, 3)  # the same layer pixel: still one redraw (the mark moves)
    assert explorer.redraw_count == before + 3 and explorer.grid.selected == (4, 3)


def test_changing_layer_keeps_the_place_and_a_valid_channel(explorer, probes):
    explorer.show(layer=1, row=3, col=1, channel=11)
    count = explorer.redraw_count
    explorer.layer.value = 0  # 4×4×12 at stride 2 → 8×8×3 at stride 1
    assert explorer.redraw_count == count + 1
    assert (explorer.row.value, explorer.col.value, explorer.channel.value) == (6, 2, 2)
    assert (explorer.row.max, explorer.channel.max) == (7, 2)
    np.testing.assert_array_equal(drawn(explorer)[2], probes[0].kernel[0, 6, 2, 2])
    explorer.layer.value = 1
    assert (explorer.row.value, explorer.col.value, explorer.row.max) == (3, 1, 3)


def test_pixel_buttons_and_figure_carry_the_browser_test_classes(explorer):
    button = explorer.grid.buttons[3][6]
    assert "pacviz-pixel" in button._dom_classes and "pacviz-pixel-3-6" in button._dom_classes
    assert "pacviz-figure" in explorer.output._dom_classes
    assert len(explorer.grid.buttons) == 8 and len(explorer.grid.buttons[0]) == 8
    assert bytes(explorer.output.value).startswith(b"\x89PNG")


def test_bad_input_raises_clear_errors(explorer, probes, photos):
    with pytest.raises(ValueError, match=r"row must be an int in 0\.\.3"):
        explorer.show(layer=1, row=4)
    with pytest.raises(ValueError, match=r"channel must be an int in 0\.\.2"):
        explorer.show(layer=0, channel=3)
    with pytest.raises(ValueError, match=r"layer must be an index in 0\.\.1"):
        explorer.show(layer=2)
    with pytest.raises(ValueError, match="no layer named"):
        explorer.show(layer="scale 9")
    with pytest.raises(ValueError, match="factor must be"):
        explorer.show(factor="LU")
    with pytest.raises(ValueError, match="outside the 8×8 image"):
        explorer.select_image_pixel(8, 0)
    with pytest.raises(ValueError, match="not recorded on these"):
        pvz.TrainedFilterExplorer(images=photos[:2], probes=probes)
    with pytest.raises(ValueError, match="non-empty list of PACLayerProbe"):
        pvz.TrainedFilterExplorer(images=photos, probes=[])
    with pytest.raises(ValueError, match=r"\(Cin, K, K\)"):
        pvz.filter_tiles(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="outside"):
        pvz.trained_filter_figure(photos[0], probes[0].x[0, :, :, 0], probes[0].kernel[0, 0, 0, 0],
                                  probes[0].mask[0, 0], expected_filter(probes[0], 0, 0, 0, 0), 8, 0)


def test_filter_tiles_layout():
    filters = np.arange(48 * 9, dtype=float).reshape(48, 3, 3)
    assert [pvz.tile_grid(c) for c in (1, 3, 8, 12, 16, 48, 10)] == [(1, 1), (1, 3), (1, 8), (2, 6), (2, 8), (6, 8),
                                                                      (2, 8)]
    np.testing.assert_array_equal(untile(pvz.filter_tiles(filters), 6, 8, (3, 3)).reshape(48, 3, 3), filters)
    ragged = untile(pvz.filter_tiles(filters[:10]), 2, 8, (3, 3)).reshape(16, 3, 3)
    np.testing.assert_array_equal(ragged[:10], filters[:10])
    assert np.isnan(ragged[10:]).all()
    scale, peak = pvz.filter_colour_scale(np.array([[[0, 0.1, 0], [0, -3.0, 0], [0.2, 0, 0]]]))
    assert (scale, peak) == (0.2, 3.0)  # the centre tap saturates rather than setting the scale


@pytest.mark.slow
def test_pretrained_model_filters_reproduce_its_layers():
    model, _ = pv.load_pretrained()
    images = evaluation_images(load_dataset("photos", split="test"), 2)
    explorer = pvz.TrainedFilterExplorer(model, images)
    assert len(explorer.probes) == 16 and explorer.probes[0].shape == (2, 16, 16, 12)
    for layer in (0, 4, 8):
        explorer.show(layer=layer, image=1, row=3, col=5, channel=1)
        p = explorer.probe
        assert np.isclose(np.sum(explorer.applied_filter() * explorer.patch()), p.y[1, 3, 5, 1], rtol=1e-4, atol=1e-5)
