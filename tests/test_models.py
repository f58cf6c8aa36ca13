"""The four models: parameter counts, the bijective part against dense Jacobians, round trips,
jit vs eager, bits/dim and sampling, and clear errors."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from pacviz.flows.testing import dense_log_det
from pacviz.models import MODEL_NAMES, bits_per_dim, build_model, count_params

SHAPE = (8, 8, 1)  # the 8×8 digits' shape: two scales fit exactly


def images(num=4, seed=0, levels=17):
    return jax.random.randint(jax.random.PRNGKey(seed), (num,) + SHAPE, 0, levels).astype(jnp.uint8)


def cast_params(model, dtype):
    state = nnx.state(model, nnx.Param)
    nnx.update(model, jax.tree_util.tree_map(lambda a: a.astype(dtype), state))


flow_forward = nnx.jit(lambda m, v: m.flow_forward(v))
flow_inverse = nnx.jit(lambda m, z: m.flow_inverse(z))
elbo = nnx.jit(lambda m, x, noise: m.elbo(x, noise=noise))
elbo_drawn = nnx.jit(lambda m, x, r: m.elbo(x, rngs=r))  # the noise drawn from r, as bits_per_dim draws it


def tiny_model(name):
    """A tiny model, data-initialised (ActNorm, under jit), in float64 and evaluation mode."""
    model = build_model(name, SHAPE, rngs=nnx.Rngs(0), preset="tiny", num_levels=17)
    elbo_drawn(model, images(8), nnx.Rngs(noise=0))
    cast_params(model, jnp.float64)
    model.eval()
    return model


@pytest.fixture(scope="module", params=MODEL_NAMES)
def tiny(request):
    return tiny_model(request.param)


@pytest.fixture(scope="module")
def tiny_pac():
    return tiny_model("pac_s_curve")


def test_bijective_part_log_det_matches_dense_jacobian(tiny):
    z0 = jax.random.normal(jax.random.PRNGKey(1), (2, 8, 8, 2), jnp.float64)
    z, log_det = flow_forward(tiny, z0)
    dense = dense_log_det(lambda v: tiny.flow_forward(v)[0], z0)
    np.testing.assert_allclose(log_det, dense, rtol=1e-8, atol=1e-8)
    back, inv_log_det = flow_inverse(tiny, z)
    np.testing.assert_allclose(back, z0, atol=1e-7)
    np.testing.assert_allclose(inv_log_det, -log_det, atol=1e-7)


def test_jit_and_eager_agree(tiny_pac):
    x = images(2, seed=3)
    noise = jax.random.normal(jax.random.PRNGKey(2), (2, 8, 8, 2), jnp.float64)
    np.testing.assert_allclose(elbo(tiny_pac, x, noise), tiny_pac.elbo(x, noise=noise), rtol=1e-10)
    z, _ = flow_forward(tiny_pac, noise)
    np.testing.assert_allclose(flow_inverse(tiny_pac, z)[0], tiny_pac.flow_inverse(z)[0], atol=1e-9)


@pytest.mark.parametrize("name", ["realnvp", "pac_s_curve"])
def test_image_latent_image_round_trip_is_exact(name, tiny_pac):
    tiny = tiny_pac if name == "pac_s_curve" else tiny_model(name)
    x = images(3, seed=4)
    z = tiny.encode(x, noise=jax.random.normal(jax.random.PRNGKey(5), (3, 8, 8, 2), jnp.float64))
    assert z.shape == (3,) + tiny.latent_shape
    np.testing.assert_array_equal(tiny.decode(z), x)


def test_bits_per_dim_is_the_bound_and_importance_weighting_tightens_it(tiny_pac):
    tiny = tiny_pac
    x = images(3, seed=6)
    bpd = bits_per_dim(tiny, x, rngs=nnx.Rngs(noise=7))
    assert bpd.shape == (3,) and np.all(np.isfinite(bpd))
    one = elbo_drawn(tiny, x, nnx.Rngs(noise=7))  # the same noise draw as above (jit vs eager: above)
    np.testing.assert_allclose(bpd, -one / (64 * math.log(2)), rtol=1e-10)
    # With S samples: log (1/S) Σ exp(ELBO_s) over the same S noise draws as S one-sample calls.
    iw = bits_per_dim(tiny, x, rngs=nnx.Rngs(noise=8), num_samples=4)
    rngs = nnx.Rngs(noise=8)
    elbos = jnp.stack([elbo_drawn(tiny, x, rngs) for _ in range(4)])
    expected = -(jax.nn.logsumexp(elbos, axis=0) - math.log(4)) / (64 * math.log(2))
    np.testing.assert_allclose(iw, expected, rtol=1e-9)
    assert np.all(np.asarray(iw) <= np.asarray(-elbos.mean(0) / (64 * math.log(2))) + 1e-12)  # tighter


def test_sampling_records_jacobi_iterations(tiny):
    out = tiny.sample(3, rngs=nnx.Rngs(noise=9), temperature=0.3)
    assert out.shape == (3,) + SHAPE and out.dtype == jnp.uint8
    assert int(out.max()) <= 16
    stats = tiny.inverse_stats()
    if tiny.config.linear == "realnvp":
        assert stats == []
    else:
        cfg = tiny.config
        assert len(stats) == cfg.levels * (cfg.checkerboard + cfg.channel) * 2
        assert all(s["converged"] and s["iterations"] >= 2 for s in stats)


def test_non_convergence_is_flagged_per_image():
    # One Jacobi iteration cannot invert the flow: every image's round trip misses z, and says so.
    model = build_model("pac_s_curve", SHAPE, rngs=nnx.Rngs(0), preset="tiny", num_levels=17,
                        jacobi_max_iters=1)
    z = 0.3 * jax.random.normal(jax.random.PRNGKey(0), (2,) + model.latent_shape)
    with pytest.warns(RuntimeWarning, match=r"2 of 2 samples were not inverted to tolerance.*jacobi_max_iters"):
        _, report = model.decode(z, report=True)
    assert report.residual.shape == (2,) and not report.ok.any() and report.num_bad == 2
    # With the default budget the same latents round-trip, per image, far inside the tolerance.
    model = build_model("pac_s_curve", SHAPE, rngs=nnx.Rngs(0), preset="tiny", num_levels=17)
    _, report = model.decode(z, report=True)
    assert report.ok.all() and np.all(report.residual < 1e-3 * report.tolerance), report.residual


@pytest.mark.slow
def test_paper_parameter_counts():
    counts = {name: count_params(build_model(name, (32, 32, 3), rngs=nnx.Rngs(0))) for name in MODEL_NAMES}
    for name, n in counts.items():
        assert abs(n - 4.6e6) <= 0.05 * 4.6e6, (name, n)
    assert max(counts.values()) <= 1.05 * min(counts.values()), counts


@pytest.mark.slow
def test_imagenet64_parameter_counts():
    counts = {name: count_params(build_model(name, (64, 64, 3), rngs=nnx.Rngs(0), preset="paper_imagenet64"))
              for name in MODEL_NAMES}
    for name, n in counts.items():
        assert abs(n - 5.2e6) <= 0.05 * 5.2e6, (name, n)


def test_unknown_model_and_preset():
    with pytest.raises(ValueError, match="unknown model 'glow'; choose one of"):
        build_model("glow", rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="unknown preset"):
        build_model("realnvp", rngs=nnx.Rngs(0), preset="huge")
    with pytest.raises(ValueError, match="unknown model option"):
        build_model("realnvp", rngs=nnx.Rngs(0), preset="tiny", blokcs=3)


@pytest.mark.parametrize("shape", [(30, 30, 3), (6, 8, 1), (8, 8)])
def test_image_shape_the_architecture_cannot_take(shape):
    with pytest.raises(ValueError, match="multiples of 4|must be \\(H, W, C\\)"):
        build_model("pac_s_curve", shape, rngs=nnx.Rngs(0), preset="tiny")


def test_wrong_dtype_range_and_shape_of_images(tiny_pac):
    tiny = tiny_pac
    with pytest.raises(ValueError, match="integer pixel values 0..16"):
        tiny.elbo(images(2).astype(jnp.float32) / 16.0, rngs=nnx.Rngs(noise=0))
    with pytest.raises(ValueError, match="must lie in 0..16"):
        tiny.elbo(jnp.full((2,) + SHAPE, 200, jnp.uint8), rngs=nnx.Rngs(noise=0))
    with pytest.raises(ValueError, match="images must have shape"):
        tiny.elbo(jnp.zeros((2, 16, 16, 1), jnp.uint8), rngs=nnx.Rngs(noise=0))
