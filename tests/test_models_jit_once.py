"""``jit_once`` behaves as ``nnx.jit`` does: same outputs, state changes written back to the graph nodes."""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from pacviz.models.jit_once import jit_once


class Counter(nnx.Module):
    """Adds noise to its input, scaled by a weight; counts its calls in a variable."""

    def __init__(self):
        self.weight = nnx.Param(jnp.arange(3.0))
        self.calls = nnx.Variable(jnp.zeros((), jnp.int32))

    def __call__(self, x, rngs):
        self.calls[...] = self.calls[...] + 1
        return x * self.weight + jax.random.normal(rngs.noise(), x.shape)


def run(model, rngs, x):
    return model(x, rngs)


def test_outputs_and_state_updates_match_nnx_jit():
    x = jnp.ones(3)
    once, plain = (Counter(), nnx.Rngs(noise=5)), (Counter(), nnx.Rngs(noise=5))
    by_once, by_jit = jit_once(run, nodes=2), nnx.jit(run)
    for _ in range(2):  # the second call must draw new noise: the Rngs counter was written back
        a, b = by_once(*once, x), by_jit(*plain, x)
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert int(once[0].calls[...]) == int(plain[0].calls[...]) == 2
    assert not np.allclose(by_once(*once, x), a)  # a third draw differs from the second


def test_none_node_and_pytree_arguments():
    model = Counter()
    out = jit_once(lambda m, extra, d: m(d["x"], nnx.Rngs(noise=0)) if extra is None else None, nodes=2)(
        model, None, {"x": jnp.ones(3)})
    assert out.shape == (3,) and int(model.calls[...]) == 1


def test_an_actnorm_initialising_itself_stays_initialised_as_under_nnx_jit():
    """A first call flips the static ``initialized``: jit_once must carry it back like nnx.jit."""
    from pacviz.flows.act_norm import ActNorm

    x = jax.random.normal(jax.random.PRNGKey(0), (4, 3, 3, 2)) * 3.0 + 1.0
    once, plain = ActNorm(2), ActNorm(2)
    forward = lambda layer, x: layer.forward(x)  # noqa: E731
    np.testing.assert_allclose(jit_once(forward)(once, x), nnx.jit(forward)(plain, x), rtol=1e-6)
    assert once.initialized and plain.initialized
    np.testing.assert_allclose(once.bias[...], plain.bias[...], rtol=1e-6)
    y = jit_once(forward)(once, 2 * x)  # initialised: the stored bias and scale, not the new batch's
    np.testing.assert_allclose(y, nnx.jit(forward)(plain, 2 * x), rtol=1e-6)
    np.testing.assert_allclose(once.bias[...], plain.bias[...], rtol=1e-6)
