"""The model's named list of steps: what the forward and inverse passes iterate, bit for bit the
per-scale composition of its modules; the layers sow only inside ``nnx.capture``, so a normal
forward or inverse pass warns about nothing."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import pacviz as pv
from pacviz.flows.act_norm import ActNorm
from pacviz.flows.main_flow_layer import MainFlowLayer
from pacviz.flows.squeeze import squeeze, unsqueeze
from pacviz.models import standard_normal_log_prob

SHAPE = (8, 8, 1)


def images(num=3, seed=0):
    return np.asarray(jax.random.randint(jax.random.PRNGKey(seed), (num,) + SHAPE, 0, 17), np.uint8)


def tiny_model():
    """A tiny float32 PAC model whose ActNorms count as initialised (no data-dependent step to
    trace: every pass below sees the same parameters)."""
    model = pv.build_model("pac_s_curve", SHAPE, preset="tiny", rngs=nnx.Rngs(0), num_levels=17)
    for _, module in nnx.iter_modules(model):
        if isinstance(module, ActNorm):
            module.initialized = True
    model.eval()
    return model


@pytest.fixture(scope="module")
def model():
    return tiny_model()


def test_forward_and_inverse_sow_only_inside_capture_and_warn_about_nothing():
    # Traced, not compiled (nnx.eval_shape): a sow runs while tracing, which is when Flax warns.
    model = tiny_model()
    x, noise, z = images(), jnp.zeros((3, 8, 8, 2)), jnp.zeros((3,) + model.latent_shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nnx.eval_shape(lambda m: m.elbo(x, noise=noise), model)
        nnx.eval_shape(lambda m: m.flow_inverse(z), model)  # what sampling and decoding run
        _, sown = nnx.eval_shape(nnx.capture(lambda m: m.elbo(x, noise=noise), nnx.Intermediate), model)
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
    assert not any(hasattr(m, "forward_io") for _, m in nnx.iter_modules(model))  # nothing kept outside capture
    recorded = [path[:-1] for path, _ in nnx.to_flat_state(sown)]
    assert recorded == [path for path, _ in model.jacobi_layers()]  # each PAC layer sowed once, inside capture


def test_steps_name_every_layer_with_its_shapes(model):
    steps = model.steps()
    per_scale = model.config.checkerboard + model.config.channel
    assert [s.name for s in steps] == (["dequantization"] + [f"scales/0/layers/{i}" for i in range(per_scale)]
                                       + ["squeeze 1"] + [f"scales/1/layers/{i}" for i in range(per_scale)])
    assert steps[0].bijector is model.dequantization and steps[0].output_shape == (8, 8, 2)
    for step in steps[1:]:
        if step.name.startswith("scales/"):
            s, i = int(step.name.split("/")[1]), int(step.name.split("/")[3])
            assert step.bijector is model.scales[s].layers[i] and step.scale == s
            assert step.input_shape == step.output_shape == (8 // 2 ** s, 8 // 2 ** s, 2 * 4 ** s)
            assert step.kind.startswith("checkerboard" if step.bijector.checkerboard else "channel")
    assert steps[per_scale + 1].input_shape == (8, 8, 2) and steps[per_scale + 1].output_shape == (4, 4, 8)
    assert [s.label for s in steps[1:3]] == ["scale 0 · checkerboard coupling 1", "scale 0 · channel coupling 1"]
    assert all(isinstance(s.bijector, MainFlowLayer) for s in steps if s.name.startswith("scales/"))
    assert [s.output_shape for s in model.steps(16, 4)][-1] == (8, 2, 8)


@nnx.jit
def _before_and_after(model, x, noise):
    """The log-likelihood bound and the inverse, by the model (its steps) and by the scales' Chains
    composed as the model did before it had a list of steps."""
    terms = model.dequantization.forward_terms(x, noise=noise)
    z, log_det = terms.z, jnp.zeros(x.shape[0], terms.z.dtype)
    for s, scale in enumerate(model.scales):
        z, ld = scale.forward_and_log_det(squeeze(z) if s else z)
        log_det = log_det + ld
    reference = standard_normal_log_prob(z) + log_det + terms.log_det
    back, inv_log_det = z, jnp.zeros(x.shape[0], z.dtype)
    for s in reversed(range(len(model.scales))):
        back, ld = model.scales[s].inverse_and_log_det(back)
        inv_log_det = inv_log_det + ld
        back = unsqueeze(back) if s else back
    return (model.elbo(x, noise=noise), reference), (model.flow_inverse(z), (back, inv_log_det))


def test_forward_and_inverse_are_bit_identical_to_the_scales_composed(model):
    noise = jax.random.normal(jax.random.PRNGKey(3), (3, 8, 8, 2))
    (elbo, reference), ((z0, inv), (z0_ref, inv_ref)) = _before_and_after(model, images(), noise)
    np.testing.assert_array_equal(elbo, reference)
    np.testing.assert_array_equal(z0, z0_ref)
    np.testing.assert_array_equal(inv, inv_ref)
