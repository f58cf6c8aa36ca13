"""The bijector protocol of pacviz.flows (Flax NNX; distrax's vocabulary).

Conventions
-----------
* Arrays are channels-last, ``(..., H, W, C)``; the leading dims ``...`` are the batch.
* Every log-det is per example: shape ``x.shape[:-3]`` (``(B,)`` for a batch of images), the
  sum of ``log|d z / d x|`` over that example's ``H·W·C`` elements.
* ``z`` is the latent side (data → latent is "forward", as in Eq. 1: ``log p(x) = log p(z) +
  log|dz/dx|``); sampling runs the inverse.

Two kinds of bijector
---------------------
:class:`Bijector` — owns its parameters (``nnx.Param``) and takes only optional context::

    z, log_det = b.forward_and_log_det(x, **ctx)     # log|det dz/dx|,  shape (...)
    x, log_det = b.inverse_and_log_det(z, **ctx)     # log|det dx/dz| = -(forward log-det at x)

  ``ctx`` is keyword-only context that every bijector accepts and passes on; layers that do not
  use it ignore it. The one key used in this package is ``aux``: an ``(..., H, W, A)`` array the
  coupling conditioners see as well (the dequantization flow's features of x, App. C.4).

:class:`ConditionedBijector` — a coupling *transformer* τ(·; θ) (Sec. 3.2): its per-pixel
parameters θ come from a conditioner network. It is built for a fixed channel count and says
how many parameters it needs per pixel::

    t = SomeTransformer(channels, *, rngs, **options)  # constructor convention (rngs may be unused)
    t.channels                                        # C, the channels it transforms
    t.num_params                                      # P, parameters per pixel (an int property)
    z, log_det = t.forward_and_log_det(x, params)     # x (..., H, W, C), params (..., H, W, P)
    x, log_det = t.inverse_and_log_det(z, params)

  Learned, unconditioned weights (e.g. the PAC filter ``W``) are ``nnx.Param`` attributes of the
  transformer; only the per-pixel quantities (f, σ², l for PAC: ``F + 2C`` per pixel) live in
  ``params``. :class:`~pacviz.flows.conditioned_chain.ConditionedChain` composes transformers
  and hands each its slice of ``params`` (in order, ``num_params`` channels each).

Factories
---------
Layers that build sub-networks take factories rather than instances, so the channel
bookkeeping (halves, squeezes) lives in one place:

* ``make_transformer(channels, *, rngs) -> ConditionedBijector``, e.g.
  ``functools.partial(Transformer, n_mixtures=16, linear=ElementwiseScale)``;
* ``make_conditioner(in_channels, out_channels, *, aux_channels, rngs) -> module`` with
  ``module(x, aux=None) -> (..., H, W, out_channels)``, e.g.
  ``functools.partial(pacviz.models.conditioner.Conditioner, n_blocks=6)``
  (flows never import models: the model injects its conditioner).

Randomness and modes
--------------------
Parameter initialisation draws from the ``nnx.Rngs`` given to constructors; sampling noise
(the dequantization flow) from an ``nnx.Rngs`` given at call time. Dropout in conditioners
follows ``model.train()`` / ``model.eval()``: call ``model.eval()`` before inverting or
sampling, or forward and inverse see different dropout masks.

Data-dependent initialisation
-----------------------------
:class:`~pacviz.flows.act_norm.ActNorm` initialises itself from the first batch it sees going
forward (a static ``initialized`` flag). Run the model forward once on the init batch, eagerly
or in ``nnx.jit`` (which carries the flag change out; a raw ``jax.jit`` over ``nnx.split`` state
would not), before training.

Dtypes
------
Parameters are float32 (``param_dtype``); layers compute in the promoted dtype of input and
parameters, so float64 inputs (the tests, with x64 enabled) get float64 maps.

Checking a new bijector
-----------------------
:func:`pacviz.flows.testing.assert_bijector` checks shapes, round trip, inverse log-det and the
log-det against a dense Jacobian, with or without ``nnx.jit``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from flax import nnx

from ..ops._checks import check_image  # noqa: F401  (re-exported for the layers)


def sum_per_example(values):
    """Sum an elementwise ``(..., H, W, C)`` log-det density over each example: ``(...)``."""
    return jnp.sum(values, axis=(-3, -2, -1))


def compute_dtype(x, *arrays):
    """The float dtype to compute in: ``x``'s, promoted with the parameters' (float64 tests stay float64)."""
    return jnp.result_type(x, *arrays, jnp.float32)


def zero_log_det(x):
    """A zero log-det with the batch shape ``x.shape[:-3]`` and the float dtype of ``x``."""
    return jnp.zeros(jnp.shape(x)[:-3], dtype=jnp.result_type(x, jnp.float32))


class Bijector(nnx.Module):
    """An invertible map with a tractable log-determinant; subclasses override both methods.

    ``forward_and_log_det(x, **ctx) -> (z, log_det)`` and
    ``inverse_and_log_det(z, **ctx) -> (x, log_det)`` with ``log_det`` of shape ``x.shape[:-3]``;
    the inverse's log-det is that of the inverse map, i.e. minus the forward one at ``x``.
    """

    def forward_and_log_det(self, x, **ctx):
        raise NotImplementedError

    def inverse_and_log_det(self, z, **ctx):
        raise NotImplementedError

    def forward(self, x, **ctx):
        """``z`` only."""
        return self.forward_and_log_det(x, **ctx)[0]

    def inverse(self, z, **ctx):
        """``x`` only."""
        return self.inverse_and_log_det(z, **ctx)[0]


class ConditionedBijector(nnx.Module):
    """A coupling transformer τ(x; θ) whose per-pixel parameters θ come from a conditioner (Sec. 3.2).

    Subclasses set ``self.channels`` in ``__init__``, define the ``num_params`` property (per
    pixel) and override ``forward_and_log_det(x, params)`` / ``inverse_and_log_det(z, params)``
    with ``x, z: (..., H, W, channels)`` and ``params: (..., H, W, num_params)``.
    """

    channels: int

    @property
    def num_params(self) -> int:
        raise NotImplementedError

    def param_init_scale(self) -> np.ndarray:
        """``(num_params,)``: standard deviation of the conditioner's initial output weights per θ channel.

        Zero (the default) keeps θ = 0 at initialisation, the identity. A part whose zero is a
        dead point of its gradient asks for a small random start here (PAC's features do).
        """
        return np.zeros(self.num_params)

    def forward_and_log_det(self, x, params):
        raise NotImplementedError

    def inverse_and_log_det(self, z, params):
        raise NotImplementedError

    def forward(self, x, params):
        return self.forward_and_log_det(x, params)[0]

    def inverse(self, z, params):
        return self.inverse_and_log_det(z, params)[0]

    def check_inputs(self, x, params):
        """Raise a readable error when ``x`` or ``params`` do not fit this transformer."""
        check_image(x)
        if jnp.shape(x)[-1] != self.channels:
            raise ValueError(
                f"{type(self).__name__} transforms {self.channels} channels; got x with shape {jnp.shape(x)}"
            )
        if jnp.ndim(params) < 3 or jnp.shape(params)[-1] != self.num_params:
            raise ValueError(
                f"{type(self).__name__} needs params of shape (..., H, W, {self.num_params}); "
                f"got {jnp.shape(params)}"
            )
        if jnp.shape(params)[-3:-1] != jnp.shape(x)[-3:-1]:
            raise ValueError(
                f"params {jnp.shape(params)} and x {jnp.shape(x)} must share H and W"
            )
