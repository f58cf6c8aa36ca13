"""The jitted training step (a pure function of an ``nnx.split`` state); evaluation is
:func:`pacviz.models.evaluation.evaluate`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from ..models.conditioner import scanned_blocks
from ..models.likelihood import bits_per_dim_from_nats
from .heap import return_freed_memory


def mean_bits_per_dim(model, images, key):
    """Mean over the batch of the one-sample variational bound in bits/dim (the training loss)."""
    return jnp.mean(bits_per_dim_from_nats(model.elbo(images, rngs=nnx.Rngs(noise=key)), model.image_shape))


def all_finite(tree) -> jax.Array:
    """One boolean: every floating-point leaf of ``tree`` is finite (no NaN, no ±inf)."""
    leaves = [x for x in jax.tree.leaves(tree) if jnp.issubdtype(jnp.result_type(x), jnp.inexact)]
    if not leaves:
        return jnp.bool_(True)
    # One reduction over the concatenated leaves, not one per leaf (≈ 1 700 at paper size).
    dtype = jnp.result_type(*leaves)
    return jnp.all(jnp.isfinite(jnp.concatenate([jnp.ravel(x).astype(dtype) for x in leaves])))


def keep_if_finite(finite, new_state, old_leaves):
    """``new_state`` where ``finite`` (a traced bool), else the state whose leaves are ``old_leaves``:
    a step that breaks the model is rolled back on the device, with no host round trip."""
    new_leaves, treedef = jax.tree.flatten(new_state)
    return treedef.unflatten([jnp.where(finite, new, old) for new, old in zip(new_leaves, old_leaves)])


def global_norm(tree) -> jax.Array:
    """The Euclidean norm of all leaves of ``tree`` together, from one concatenated vector (the same
    vector ``optax.flatten`` builds inside the optimizer, so XLA computes it once)."""
    return jnp.linalg.norm(jnp.concatenate([jnp.ravel(x) for x in jax.tree.leaves(tree)]))


def scan_by_default() -> bool:
    """Whether the training step scans the residual blocks on this backend: not on a CPU, where the
    scanned step compiles 1.5–1.9× faster at paper size but runs ~1.2× slower (``bench/RESULTS.md``,
    "Residual blocks scanned"); on a GPU or TPU, yes."""
    return jax.default_backend() != "cpu"


def _train_step(graphdef, state, images, noise_key, dropout_key, scan_blocks: bool | None = None):
    """One AdaBelief step on ``images (B, H, W, C)``.

    ``graphdef, state = nnx.split((model, optimizer))``. Dropout is reseeded from ``dropout_key``
    and the dequantization noise drawn from ``noise_key``, so a step depends only on its inputs
    (resuming reproduces an uninterrupted run). Returns ``(state, metrics)`` with ``loss``
    (bits/dim, of the parameters before the step), ``grad_norm`` and ``finite``: the loss, the
    gradient and every updated parameter are finite. A step that is not finite returns the input
    ``state`` unchanged (parameters and optimizer state), so NaN never enters the model.
    ``scan_blocks``: apply the residual blocks of each conditioner that has 4 or more as one scan
    (:func:`~pacviz.models.conditioner.scanned_blocks`: the same step, a smaller program); default
    :func:`scan_by_default`, per backend.
    """
    old_leaves = jax.tree.leaves(state)  # the arrays themselves: merge's Variables are updated in place
    model, optimizer = nnx.merge(graphdef, state)
    scanned_blocks(model, scan_by_default() if scan_blocks is None else scan_blocks)
    nnx.reseed(model, dropout=dropout_key)
    loss, grads = nnx.value_and_grad(mean_bits_per_dim)(model, images, noise_key)
    grad_norm = global_norm(grads)
    optimizer.update(model, grads)
    finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm) & all_finite(nnx.state(model, nnx.Param))
    new_state = keep_if_finite(finite, nnx.state((model, optimizer)), old_leaves)
    return new_state, dict(loss=loss, grad_norm=grad_norm, finite=finite)


train_step = jax.jit(_train_step, static_argnums=0, static_argnames="scan_blocks")


class TrainStep:
    """:func:`train_step` compiled once for one model, called with a flat list of state leaves.

        step = TrainStep(graphdef, state)          # graphdef, state = nnx.split((model, optimizer))
        leaves = step.leaves(state)
        leaves, metrics = step(leaves, images, noise_key, dropout_key)
        state = step.state(leaves)

    The graphdef is closed over (not hashed on every call as a static argument) and the leaves are
    donated (the step updates parameters and optimizer state in place): at paper size that is the
    difference between ~200 ms and ~35 ms of Python and copying per call. Same results as
    :func:`train_step`; after a call the leaves passed in are consumed. ``scan_blocks``: scan the
    residual blocks of conditioners with 4+ blocks (default: :func:`scan_by_default`, per backend).
    The first call, which compiles, then returns the compiler's freed heap to the system
    (:func:`~pacviz.train.heap.return_freed_memory`: 6.1 → 4.3 GB peak at paper size on a CPU).
    """

    def __init__(self, graphdef, state, *, scan_blocks: bool | None = None):
        self.graphdef = graphdef
        self.treedef = jax.tree.structure(state)
        self.scan_blocks = scan_blocks
        self._step = jax.jit(self._flat_step, donate_argnums=0)
        self._compiled = False

    def _flat_step(self, leaves, images, noise_key, dropout_key):
        state, metrics = _train_step(self.graphdef, self.state(leaves), images, noise_key, dropout_key,
                                     self.scan_blocks)
        return jax.tree.leaves(state), metrics

    def leaves(self, state) -> list:
        return jax.tree.leaves(state)

    def state(self, leaves):
        """The ``nnx.State`` of ``leaves`` (for ``nnx.merge(graphdef, state)``)."""
        return jax.tree.unflatten(self.treedef, leaves)

    def __call__(self, leaves, images, noise_key, dropout_key):
        out = self._step(leaves, images, noise_key, dropout_key)
        if not self._compiled:  # the compiler's freed heap, gigabytes at paper size, back to the system
            self._compiled = True
            return_freed_memory()
        return out

    def lower(self, leaves, images, noise_key, dropout_key):
        """The lowered program (for measuring its size: ``.as_text()``, ``.compile()``)."""
        return self._step.lower(leaves, images, noise_key, dropout_key)

