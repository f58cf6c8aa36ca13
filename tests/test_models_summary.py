"""The layer-by-layer summary, parameter breakdowns and abstract (weightless) models, against the
model's own totals and dense Jacobians; and the two figures drawn from a summary."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from helpers import tiny_float64_model
from pacviz.flows.testing import dense_log_det
from pacviz.models import (abstract_model, build_model, count_params, flow_jacobian, flow_summary, layer_summary, model_config,
                           param_breakdown, transformer_params_per_pixel)
from pacviz.models.summary import PARAM_GROUPS
from pacviz.viz.figures import activations_figure, bits_budget_figure

SHAPE = (8, 8, 1)
elbo = nnx.jit(lambda m, x, noise: m.elbo(x, noise=noise))  # eager runs op by op: far slower


def images(num=3, seed=0):
    return jax.random.randint(jax.random.PRNGKey(seed), (num,) + SHAPE, 0, 17).astype(jnp.uint8)


@pytest.fixture(scope="module")
def tiny():
    """A tiny PAC model, ActNorms initialised from a batch, float64, evaluation mode."""
    return tiny_float64_model(SHAPE, images(8, seed=1))


@pytest.fixture(scope="module")
def summary(tiny):
    noise = jax.random.normal(jax.random.PRNGKey(2), (3, 8, 8, 2), jnp.float64)
    return layer_summary(tiny, images(), noise=noise), noise


def test_rows_add_up_to_the_model(tiny, summary):
    summ, noise = summary
    assert sum(row.params for row in summ.rows) == count_params(tiny)
    np.testing.assert_allclose(summ.elbo, elbo(tiny, images(), noise), rtol=1e-10)
    np.testing.assert_allclose(summ.bits_per_dim, -summ.elbo / (64 * math.log(2)), rtol=1e-12)
    np.testing.assert_allclose(sum(summ.contributions(1).values()), summ.bits_per_dim[1], rtol=1e-10)
    np.testing.assert_allclose(summ.rows[-1].output, tiny.encode(images(), noise=noise), atol=1e-12)
    for row in summ.rows:
        np.testing.assert_allclose(sum(row.parts.values()) if row.parts else 0.0, row.log_det, atol=1e-9)


def test_rows_shapes_names_and_order(tiny, summary):
    summ, _ = summary
    cfg = tiny.config
    names = [row.name for row in summ.rows]
    per_scale = cfg.checkerboard + cfg.channel
    assert names == (["dequantization"] + [f"scales/0/layers/{i}" for i in range(per_scale)] + ["squeeze 1"]
                     + [f"scales/1/layers/{i}" for i in range(per_scale)])
    assert [row.shape for row in summ.rows] == [(8, 8, 2)] * (1 + per_scale) + [(4, 4, 8)] * (1 + per_scale)
    assert summ.rows[-1].shape == tiny.latent_shape
    for row in summ.rows:
        assert row.output.shape == (3,) + row.shape and row.log_det.shape == (3,)
    squeeze_row = summ.rows[1 + per_scale]
    assert squeeze_row.params == 0 and np.all(squeeze_row.log_det == 0)
    assert list(summ.rows[1].parts) == ["coupling", "1×1 conv", "ActNorm"]
    assert summ.rows[1].kind == "checkerboard coupling (PACLinear)" and "channel" in summ.rows[2].kind


def test_each_layer_log_det_matches_its_dense_jacobian(tiny, summary):
    summ, _ = summary
    for i in (1, 2, 5):  # a checkerboard and a channel layer at full scale, a checkerboard one after the squeeze
        layer = summ.rows[i]
        module = tiny.scales[int(layer.name.split("/")[1])].layers[int(layer.name.split("/")[-1])]
        dense = dense_log_det(lambda v, m=module: m.forward_and_log_det(v)[0], summ.rows[i - 1].output)
        np.testing.assert_allclose(layer.log_det, dense, rtol=1e-8, atol=1e-8)


def test_flow_summary_on_a_smaller_image_matches_flow_forward_and_dense_slogdet(tiny):
    z0 = jax.random.normal(jax.random.PRNGKey(3), (1, 4, 4, 2), jnp.float64)
    rows = flow_summary(tiny, z0)
    jacobian, log_det = jax.jit(jax.jacfwd(tiny.flow_forward, has_aux=True))(z0)
    total = sum(row.log_det for row in rows)
    np.testing.assert_allclose(total, log_det, rtol=1e-10)
    np.testing.assert_allclose(total, np.linalg.slogdet(np.asarray(jacobian).reshape(32, 32))[1], rtol=1e-8)
    assert rows[-1].shape == (2, 2, 8) and [r.name for r in rows][2] == "squeeze 1"
    dense, own_log_det = flow_jacobian(tiny, z0)  # the library's one-shot program: the same numbers
    np.testing.assert_allclose(dense, np.asarray(jacobian).reshape(32, 32), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(own_log_det, log_det, rtol=1e-10)


def test_markdown_table_lists_every_row_and_the_totals(summary):
    summ, _ = summary
    table = summ.to_markdown(example=0)
    lines = table.splitlines()
    assert len(lines) == 2 + len(summ.rows) + 2
    assert f"**{sum(r.params for r in summ.rows):,}**" in lines[-1]
    assert f"{float(summ.bits_per_dim[0]):.3f} bits/dim" in lines[-1]
    assert lines[2].startswith("| dequantization |")


def test_param_breakdown_adds_up_and_abstract_models_count_like_eager_ones(tiny):
    groups = param_breakdown(tiny)
    assert tuple(groups) == PARAM_GROUPS and sum(groups.values()) == count_params(tiny)
    assert groups["other transformer parts"] == 0  # PAC transformers learn only W; θ comes from conditioners
    # tiny: P = 2 padded channels, K = 3, one checkerboard + one channel coupling per scale. A
    # checkerboard step transforms 2·(4^s·P) channels of the squeezed input, a channel step 4^s·P / 2;
    # each transformer has one W (K, K, C, C) (shared by its two linear layers), each ActNorm 2 per channel.
    transformed = [4, 1, 16, 4]
    assert groups["PAC / emerging filters W"] == sum(9 * c * c for c in transformed)
    assert groups["ActNorm"] == 2 * (8 + 2 + 32 + 8)
    for name in ("realnvp", "pac_s_curve"):
        eager = build_model(name, SHAPE, rngs=nnx.Rngs(0), preset="tiny", num_levels=17)
        abstract = abstract_model(name, SHAPE, preset="tiny", num_levels=17)
        assert count_params(abstract) == count_params(eager)
        assert param_breakdown(abstract) == param_breakdown(eager)
        leaves = jax.tree_util.tree_leaves(nnx.state(abstract, nnx.Param))
        assert leaves and all(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in leaves)


def test_transformer_params_per_pixel_are_table_1s():
    """Table 1: RealNVP's affine takes 2C per pixel, PAC's linear layer F + 2C (f, σ², l);
    the logistic mixture 3KC."""
    for name in ("realnvp", "pac_s_curve"):
        cfg = model_config(name, "tiny")
        c, parts = transformer_params_per_pixel(abstract_model(name, SHAPE, preset="tiny", num_levels=17))
        assert c == 1  # a channel coupling of the 2 padded channels transforms one
        lin = c if name == "realnvp" else cfg.features + 2 * c
        assert list(parts.values()) == [lin + c, 3 * cfg.n_mixtures * c, lin, c]
        assert list(parts)[1:] == ["LogisticMixtureLogit", "ElementwiseScale" if name == "realnvp" else "PACLinear",
                                   "SLogGate"]


def test_clear_errors(tiny):
    with pytest.raises(ValueError, match="pass rngs="):
        layer_summary(tiny, images())
    with pytest.raises(ValueError, match="z0 must have shape"):
        flow_summary(tiny, jnp.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="z0 must have shape"):
        flow_jacobian(tiny, jnp.zeros((2, 4, 4, 2)))  # one latent at a time
    with pytest.raises(ValueError, match="stages is empty"):
        activations_figure({})
    with pytest.raises(ValueError, match="one example"):
        activations_figure({"z": np.zeros((1, 4, 4, 2))})


def test_activations_figure_draws_each_channel_and_a_histogram(summary):
    summ, _ = summary
    stages = {row.name: row.output[0] for row in summ.rows[:2]}
    fig = activations_figure(stages, channels=2, image=np.zeros(SHAPE, np.uint8))
    axes = fig.axes
    assert len(axes) == 1 + 2 * (2 + 1)
    np.testing.assert_array_equal(axes[1].get_images()[0].get_array(), summ.rows[0].output[0, ..., 0])
    np.testing.assert_array_equal(axes[2].get_images()[0].get_array(), summ.rows[0].output[0, ..., 1])
    hist = axes[3]
    heights = np.array([p.get_height() for p in hist.patches])
    assert len(heights) == 41 and np.isclose(np.sum(heights) * 6.0 / 41, 1.0)  # a density over [-3, 3]
    (line,) = hist.get_lines()
    assert line.get_label() == "N(0, 1)" and np.isclose(line.get_ydata().max(), 1 / math.sqrt(2 * math.pi), rtol=1e-3)


def test_bits_budget_figure_bars_are_the_terms_and_their_sum(summary):
    summ, _ = summary
    terms = summ.contributions(0)
    fig = bits_budget_figure(terms)
    widths = [p.get_width() for p in fig.axes[0].patches]
    np.testing.assert_allclose(widths[:-1], list(terms.values()))
    np.testing.assert_allclose(widths[-1], summ.bits_per_dim[0], rtol=1e-10)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][-1] == "total (bits/dim)"
