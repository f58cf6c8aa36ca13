"""Probing a model's PAC layers (Eq. 4 per pixel) and Fig. 5's inversion curves, on a tiny model in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
import pacviz.viz as pvz
from helpers import tiny_float64_model

SHAPE = (8, 8, 1)  # two scales: layers of 4×4×4, 8×8×1, 2×2×16 and 4×4×4
NUM = 3


def images(num=NUM, seed=0, levels=17):
    return np.asarray(jax.random.randint(jax.random.PRNGKey(seed), (num,) + SHAPE, 0, levels), np.uint8)


def noise(num=NUM, seed=1):
    return jax.random.normal(jax.random.PRNGKey(seed), (num,) + SHAPE[:2] + (2,), jnp.float64)


@pytest.fixture(scope="module")
def tiny():
    """A tiny PAC s-curve model, data-initialised, in float64 and evaluation mode."""
    return tiny_float64_model(SHAPE, images(8, seed=9))


@pytest.fixture(scope="module")
def probes(tiny):
    return pv.probe_pac_layers(tiny, images(), noise=noise())


def brute_patch(source, h, w, k):
    """``Ψ(source)[h, w]`` as ``(C, K, K)`` by loops: zero outside the image (Eq. 2)."""
    height, width, c = source.shape
    out = np.zeros((c, k, k))
    for u in range(k):
        for v in range(k):
            r, q = h + u - k // 2, w + v - k // 2
            if 0 <= r < height and 0 <= q < width:
                out[:, u, v] = source[r, q]
    return out


def test_probes_cover_every_main_flow_pac_layer_in_order(tiny, probes):
    expected = ["/".join(map(str, path)) for path, _ in tiny.jacobi_layers() if path[0] == "scales"]
    assert [p.path for p in probes] == expected
    assert [s["layer"] for s in tiny.inverse_stats()] == expected
    assert [p.shape[1:] for p in probes] == [(4, 4, 4)] * 2 + [(8, 8, 1)] * 2 + [(2, 2, 16)] * 2 + [(4, 4, 4)] * 2
    assert [p.stride for p in probes] == [2, 2, 1, 1, 4, 4, 2, 2]
    assert probes[0].name == "scale 0 · checkerboard coupling 1 · 1st PAC"
    assert probes[3].name == "scale 0 · channel coupling 1 · 2nd PAC"
    assert len(pv.probe_pac_layers(tiny, images(), noise=noise(), include_dequantization=True)) == len(probes) + 2
    for p in probes:
        assert p.x.dtype == np.float64 and p.kernel.shape == p.x.shape + (3, 3)
        np.testing.assert_array_equal(p.mask, pv.autoregressive_mask(pv.make_order(*p.shape[1:3], "s_curve"), 3))


def test_recorded_output_is_the_layer_forward_of_the_recorded_input_and_kernel(tiny, probes):
    layers = dict(("/".join(map(str, path)), m) for path, m in tiny.jacobi_layers())
    for p in probes:
        np.testing.assert_array_equal(p.weight, layers[p.path].weight[...])  # the right layer's W
        z, _ = pv.pac_forward(p.x, p.weight, p.kernel, p.mask)
        np.testing.assert_allclose(p.z, z, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p.y, pv.upper_pac(p.x, p.weight, p.kernel, p.mask), rtol=1e-12, atol=1e-12)
    # The first layer reads the dequantized image: its input is a squeezed half of z0.
    z0 = nnx.jit(lambda m, x, e: m.dequantization.forward_and_log_det(x, noise=e)[0])(tiny, images(), noise())
    np.testing.assert_allclose(probes[0].x, checkerboard_half(z0), rtol=1e-12)


def checkerboard_half(z0):
    """The channels a checkerboard coupling transforms: the first half of the squeezed input."""
    from pacviz.flows.squeeze import squeeze
    s = squeeze(z0)
    return np.asarray(s[..., : s.shape[-1] // 2])


@pytest.mark.parametrize("layer", [0, 2, 4, 7])
def test_applied_filter_on_the_patch_is_the_pac_output_at_that_pixel(probes, layer):
    p = probes[layer]
    n_img, h_max, w_max, c = p.shape
    rng = np.random.default_rng(layer)
    pixels = [(0, 0, 0, 0), (n_img - 1, h_max - 1, w_max - 1, c - 1)]
    pixels += [tuple(int(rng.integers(s)) for s in p.shape) for _ in range(6)]
    lower = np.asarray(pv.lower_pac(p.y, p.weight, p.kernel, p.mask)) - p.y
    for n, h, w, o in pixels:
        for factor, source, expected in (("U", p.x, p.y), ("L", p.y, lower)):
            patch = brute_patch(source[n], h, w, 3)
            np.testing.assert_allclose(p.patch(n, h, w, factor), patch, rtol=0, atol=0)
            value = np.sum(p.applied_filter(n, h, w, o, factor) * patch)
            np.testing.assert_allclose(value, expected[n, h, w, o], rtol=1e-12, atol=1e-12)


def test_applied_filter_is_a_row_of_the_dense_jacobian_of_u(probes):
    p = probes[6]  # 4×4×4
    n, (height, width, _), k = 1, p.shape[1:], 3
    jac = np.asarray(jax.jacfwd(lambda v: pv.upper_pac(v, p.weight, p.kernel[n], p.mask))(jnp.asarray(p.x[n])))
    for h, w, o in [(0, 0, 0), (1, 2, 1), (3, 3, 3), (2, 0, 2)]:
        f = p.applied_filter(n, h, w, o)
        row = jac[h, w, o].copy()  # (H, W, C): ∂y[h, w, o] / ∂x
        for u in range(k):
            for v in range(k):
                r, q = h + u - 1, w + v - 1
                if 0 <= r < height and 0 <= q < width:
                    np.testing.assert_allclose(f[:, u, v], row[r, q], atol=1e-12)
                    row[r, q] = 0.0
        np.testing.assert_array_equal(row, 0.0)  # nothing outside the K×K window


def test_probe_rejects_bad_input(tiny, probes):
    with pytest.raises(ValueError, match="images must have shape"):
        pv.probe_pac_layers(tiny, images()[:, :4])
    with pytest.raises(ValueError, match="noise must have shape"):
        pv.probe_pac_layers(tiny, images(), noise=noise()[..., :1])
    with pytest.raises(ValueError, match="PACFlow"):
        pv.probe_pac_layers(object(), images())
    with pytest.raises(ValueError, match="channel must be an int in 0..3"):
        probes[0].applied_filter(0, 0, 0, 4)
    with pytest.raises(ValueError, match="row must be"):
        probes[0].patch(0, -1, 0)
    with pytest.raises(ValueError, match="factor must be"):
        probes[0].applied_filter(0, 0, 0, 0, factor="P")


def test_inversion_curves_are_what_pac_inverse_reports(probes):
    curves = pv.inversion_curves(probes)
    assert curves.deltas.shape == (len(probes), 2, 200) and curves.tol == 1e-10
    for p, deltas, iters in zip(probes, curves.deltas, curves.iterations):
        x, info = pv.pac_inverse(p.z, p.weight, p.kernel, p.mask)
        np.testing.assert_array_equal(deltas, np.asarray(info.deltas))
        assert tuple(iters) == (int(info.lower.iterations), int(info.upper.iterations))
        x_hat = np.asarray(pv.invert_probe(p)[0])
        np.testing.assert_allclose(x_hat, p.x, atol=1e-9)  # it reconstructs the input
        assert curves.errors[list(curves.names).index(p.name)] == np.max(np.abs(x_hat - p.x))
    assert curves.converged.all()
    np.testing.assert_array_equal(curves.total_iterations, curves.iterations.sum(axis=1))
    # The mean at iteration t is over the layers still iterating then.
    for solve in range(2):
        for t in range(curves.iterations[:, solve].max() + 1):
            running = curves.iterations[:, solve] > t
            if running.any():
                np.testing.assert_allclose(curves.mean[solve, t], curves.deltas[running, solve, t].mean())
            else:
                assert np.isnan(curves.mean[solve, t])
    with pytest.raises(ValueError, match="at least one"):
        pv.inversion_curves([])


def test_inversion_curves_match_the_models_own_reconstruction(tiny, probes):
    curves = pv.inversion_curves(probes)
    z = tiny.encode(images(), noise=noise())
    np.testing.assert_array_equal(tiny.decode(z), images())
    stats = tiny.inverse_stats()
    assert [s["layer"] for s in stats] == [p.path for p in probes]
    for s, deltas, iters in zip(stats, curves.deltas, curves.iterations):
        assert s["iterations"] == iters.sum()
        np.testing.assert_allclose(s["deltas"], deltas, rtol=1e-5, atol=1e-12)  # stored as float32


def test_fig5_draws_exactly_the_curves(probes):
    curves = pv.inversion_curves(probes)
    fig = pvz.inversion_curves_figure(curves.deltas, tol=curves.tol, num_images=NUM)
    assert len(fig.axes) == 2
    for s, ax in enumerate(fig.axes):
        assert ax.get_yscale() == "log"
        lines = ax.get_lines()
        assert len(lines) == len(probes) + 2  # layers, mean, tol
        for line, curve in zip(lines, curves.deltas[:, s]):
            t, values = line.get_data()
            shown = np.isfinite(curve) & (curve > 0)  # NaN: not run; an exact 0 has no place on a log axis
            assert shown.sum() >= 2
            np.testing.assert_array_equal(t, np.flatnonzero(shown) + 1)
            np.testing.assert_array_equal(values, curve[shown])
            assert line.get_alpha() < 1
        t, values = lines[len(probes)].get_data()
        np.testing.assert_array_equal(values, curves.mean[s][np.isfinite(curves.mean[s])])
        assert lines[len(probes)].get_linewidth() > 2
        np.testing.assert_array_equal(lines[-1].get_ydata(), [curves.tol, curves.tol])
    assert f"{curves.total_iterations.max()}" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match=r"\(layers, 2, T\)"):
        pvz.inversion_curves_figure(curves.deltas[:, 0])
