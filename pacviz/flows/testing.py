"""Checks for bijectors against brute force (dense Jacobians), for tests and notebooks.

    from pacviz.flows.testing import assert_bijector
    assert_bijector(bijector, x)                     # a Bijector (context as keywords: aux=...)
    assert_bijector(transformer, x, params=theta)    # a ConditionedBijector
    assert_bijector(bijector, x, jit=True)           # the same through nnx.jit

Use float64 inputs (``jax.config.update("jax_enable_x64", True)``) and tiny shapes: the
Jacobian is dense, ``(H·W·C)²`` per example.
"""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp
from flax import nnx


def dense_log_det(fn, x):
    """``(B,)``: ``log|det d fn(x)[b] / d x[b]|`` per example from the dense Jacobian (jitted).

    ``fn`` maps a batch ``(B, ...)`` to a batch with as many elements per example; only the
    diagonal blocks of the batch Jacobian (example b's output w.r.t. example b's input) count.
    """
    x = jnp.asarray(x)
    b = x.shape[0]

    @jax.jit
    def blocks(x):
        jac = jax.jacfwd(lambda v: fn(v).reshape(b, -1))(x).reshape(b, -1, b, x[0].size)
        return jnp.stack([jac[i, :, i, :] for i in range(b)])

    return jnp.linalg.slogdet(blocks(x))[1]


def assert_bijector(bijector, x, *, params=None, jit: bool = False, rtol: float = 1e-7, atol: float = 1e-7,
                    check_jacobian: bool = True, **ctx):
    """Assert the bijector contract for ``bijector`` on the batch ``x (B, H, W, C)``.

    ``params`` for a :class:`~pacviz.flows.base.ConditionedBijector`, ``ctx`` (e.g. ``aux``)
    for a :class:`~pacviz.flows.base.Bijector`; ``jit=True`` runs both directions in ``nnx.jit``.

    * shapes: ``z`` has the batch shape and size of ``x``; log-dets are ``(B,)``;
    * round trip: ``inverse(forward(x)) ≈ x``;
    * the inverse log-det ≈ minus the forward one;
    * the forward log-det ≈ the dense-Jacobian log-det (of the eager forward map).

    Layers with data-dependent init must be initialised first; call ``model.eval()`` first when
    a conditioner has dropout.
    """
    forward, inverse = bijector_functions(bijector, jit=jit, params=params, **ctx)
    z, log_det = forward(x)
    x_back, inv_log_det = inverse(z)
    batch = x.shape[:-3]
    assert z.shape[:-3] == batch and np.prod(z.shape) == np.prod(x.shape), (z.shape, x.shape)
    assert log_det.shape == batch, f"forward log-det has shape {log_det.shape}, expected {batch}"
    assert inv_log_det.shape == batch, f"inverse log-det has shape {inv_log_det.shape}, expected {batch}"
    np.testing.assert_allclose(x_back, x, rtol=rtol, atol=atol, err_msg="round trip")
    np.testing.assert_allclose(inv_log_det, -log_det, rtol=rtol, atol=atol, err_msg="inverse log-det")
    if check_jacobian:
        eager_forward = bijector_functions(bijector, params=params, **ctx)[0]
        dense = dense_log_det(lambda v: eager_forward(v)[0], x)
        np.testing.assert_allclose(log_det, dense, rtol=rtol, atol=atol, err_msg="log-det vs dense Jacobian")


def perturb_params(module, seed: int = 0, scale: float = 0.1):
    """Add ``N(0, scale²)`` noise to every ``nnx.Param`` of ``module`` in place (to leave the
    identity init). The noise is drawn with NumPy: no per-shape XLA compile, so it is quick."""
    rng = np.random.default_rng(seed)
    state = nnx.state(module, nnx.Param)
    noisy = jax.tree.map(lambda p: p + jnp.asarray(scale * rng.normal(size=p.shape), p.dtype), state)
    nnx.update(module, noisy)


def _forward(m, v, p, c):
    return m.forward_and_log_det(v, **c) if p is None else m.forward_and_log_det(v, p)


def _inverse(m, v, p, c):
    return m.inverse_and_log_det(v, **c) if p is None else m.inverse_and_log_det(v, p)


# Built once, so repeated checks of the same module reuse nnx.jit's compilation cache.
_jit_forward, _jit_inverse = nnx.jit(_forward), nnx.jit(_inverse)


def bijector_functions(bijector, *, jit: bool = False, params=None, **ctx):
    """``(forward_and_log_det, inverse_and_log_det)`` of ``bijector`` as functions of x alone.

    ``params`` for a :class:`~pacviz.flows.base.ConditionedBijector`, ``ctx`` (e.g. ``aux``) for a
    :class:`~pacviz.flows.base.Bijector`; ``jit=True`` runs both in ``nnx.jit``.
    """
    fwd, inv = (_jit_forward, _jit_inverse) if jit else (_forward, _inverse)
    return (lambda v: fwd(bijector, v, params, ctx)), (lambda v: inv(bijector, v, params, ctx))
