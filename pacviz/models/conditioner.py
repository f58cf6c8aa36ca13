"""The coupling conditioner: a gated residual network (Sec. 5.1 "Conditioner networks"; App. C.4).

    θ = Conditioner(in_channels, out_channels, rngs=nnx.Rngs(0))(x, aux=None)

App. C.4 outline, with its typos fixed: in ``gated_resblock`` the two ``Conv(x, ...)`` calls
read the running ``gx`` (not ``x``), and the loop variable is ``n_res_blocks``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from ..ops.conv import conv_same, conv_same_in_loop
from ..ops.flat_random import bernoulli, lecun_normal, normal
from ..ops.nonlinearities import squareswish


class WeightNormConv(nnx.Module):
    """A 2-D convolution with weight normalisation (Salimans & Kingma 2016), SAME padding.

    ``W[..., o] = g[o] · V[..., o] / ‖V[..., o]‖`` (norm over the ``K×K×C_in`` taps of each
    output channel) plus a bias. ``V`` starts LeCun-normal and ``g`` at ``‖V‖``, so ``W`` starts
    as the plain initialiser. Input ``(N, H, W, C_in)`` → ``(N, H, W, C_out)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, rngs: nnx.Rngs,
                 param_dtype=jnp.float32):
        shape = (kernel_size, kernel_size, in_channels, out_channels)
        v = lecun_normal(rngs.params(), shape, param_dtype)
        self.direction = nnx.Param(v)
        self.gain = nnx.Param(jnp.linalg.norm(v.reshape(-1, out_channels), axis=0))
        self.bias = nnx.Param(jnp.zeros((out_channels,), param_dtype))

    def kernel(self, dtype):
        v, g = self.direction[...].astype(dtype), self.gain[...].astype(dtype)
        norm = jnp.sqrt(jnp.sum(v * v, axis=(0, 1, 2)))
        return v * (g / norm)

    def __call__(self, x, *, in_loop: bool = False):
        """``in_loop``: inside ``lax.scan`` (:func:`~pacviz.ops.conv.conv_same_in_loop`, reverse-mode only)."""
        dtype = jnp.result_type(x, self.direction[...])
        conv = conv_same_in_loop if in_loop else conv_same
        return conv(x.astype(dtype), self.kernel(dtype)) + self.bias[...].astype(dtype)


class Dropout(nnx.Dropout):
    """``nnx.Dropout`` whose mask is drawn flat (:func:`~pacviz.ops.flat_random.bernoulli`): the same
    mask from the same key, but XLA:CPU compiles the draw several times faster, and a training
    step draws one per residual block."""

    def __call__(self, inputs, *, deterministic: bool | None = None, rngs=None):
        deterministic = self.deterministic if deterministic is None else deterministic
        if self.rate == 0.0 or deterministic:
            return inputs
        if self.rate == 1.0:
            return jnp.zeros_like(inputs)
        stream = self.rngs if rngs is None else rngs
        key = stream[self.rng_collection]() if isinstance(stream, nnx.Rngs) else (
            stream() if isinstance(stream, nnx.RngStream) else stream)
        keep = 1.0 - self.rate
        shape = list(inputs.shape)
        for axis in self.broadcast_dims:
            shape[axis] = 1
        mask = jnp.broadcast_to(bernoulli(key, keep, tuple(shape)), inputs.shape)
        return jax.lax.select(mask, inputs / keep, jnp.zeros_like(inputs))


class GatedResidualBlock(nnx.Module):
    """``x ← LayerNorm(x + a·σ(b))`` with ``[a, b] = Conv1×1(drop(nl(Conv3×3(nl(x)) + Conv1×1(nl(aux)))))``.

    nl is squareswish (App. C.1); the convolutions are weight-normalised; the aux branch exists
    only when ``aux_channels`` is given (the dequantization flow conditions on features of x).
    """

    def __init__(self, channels: int, hidden_channels: int, *, aux_channels: int | None,
                 dropout_rate: float, kernel_size: int, rngs: nnx.Rngs, param_dtype=jnp.float32):
        self.conv_in = WeightNormConv(channels, hidden_channels, kernel_size, rngs=rngs, param_dtype=param_dtype)
        self.conv_aux = (None if aux_channels is None else
                         WeightNormConv(aux_channels, hidden_channels, 1, rngs=rngs, param_dtype=param_dtype))
        self.dropout = Dropout(dropout_rate, rngs=rngs)
        self.conv_gate = WeightNormConv(hidden_channels, 2 * channels, 1, rngs=rngs, param_dtype=param_dtype)
        self.norm = nnx.LayerNorm(channels, rngs=rngs, param_dtype=param_dtype)

    def __call__(self, x, aux=None, *, dropout_key=None, in_loop: bool = False):
        """``dropout_key``: the mask's key (default: the block's own stream); ``in_loop``: see
        :meth:`WeightNormConv.__call__`."""
        gx = self.conv_in(squareswish(x), in_loop=in_loop)
        if self.conv_aux is not None:
            gx = gx + self.conv_aux(squareswish(aux), in_loop=in_loop)
        gx = self.dropout(squareswish(gx), rngs=dropout_key)
        a, b = jnp.split(self.conv_gate(gx, in_loop=in_loop), 2, axis=-1)
        return self.norm(x + a * jax.nn.sigmoid(b))


class Conditioner(nnx.Module):
    """θ: ``(..., H, W, in_channels) [+ aux (..., H, W, aux_channels)] → (..., H, W, out_channels)``.

    A 1×1 conv up to ``initial_channels`` (32), ``n_blocks`` :class:`GatedResidualBlock` s
    (hidden 64, 3×3, dropout 0.2, each ending in layer norm), and a 1×1 conv out. The output conv
    is zero-initialised by default, so θ = 0 at initialisation: the elementwise scale, bias and
    logistic mixture then start at the identity (App. C.2) and the flow near it (Sec. 5.1
    "noisy identity"; the S-Log gate starts at α = 1).

    Dropout follows ``model.train()`` / ``model.eval()`` (``nnx.Dropout`` with a stream of
    ``rngs``). The text says 12 residual blocks; the App. C.4 outline uses 6 in the main flow and
    3 in the dequantization flow: ``n_blocks`` is the caller's choice (default 6).

    Matches the ``make_conditioner(in_channels, out_channels, *, aux_channels, rngs)`` factory
    convention of :mod:`pacviz.flows.base`: pass ``functools.partial(Conditioner, n_blocks=...)``.

    Args:
      in_channels, out_channels: channels of x and of θ.
      aux_channels: channels of ``aux`` or None (then calls must not pass aux).
      n_blocks: residual blocks.
      hidden_channels: width inside each block (64).
      initial_channels: width of the residual stream (32).
      dropout_rate: 0.2.
      kernel_size: of the first conv in each block (3).
      zero_init: zero the output conv (True for coupling conditioners).
      rngs: ``params`` and ``dropout`` streams (``default`` serves both).
    """

    def __init__(self, in_channels: int, out_channels: int, *, aux_channels: int | None = None,
                 n_blocks: int = 6, hidden_channels: int = 64, initial_channels: int = 32,
                 dropout_rate: float = 0.2, kernel_size: int = 3, zero_init: bool = True,
                 rngs: nnx.Rngs, param_dtype=jnp.float32):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.aux_channels = aux_channels
        self.conv_in = nnx.Conv(in_channels, initial_channels, (1, 1), kernel_init=lecun_normal, rngs=rngs,
                               param_dtype=param_dtype)
        self.blocks = nnx.List([
            GatedResidualBlock(initial_channels, hidden_channels, aux_channels=aux_channels,
                               dropout_rate=dropout_rate, kernel_size=kernel_size, rngs=rngs,
                               param_dtype=param_dtype)
            for _ in range(n_blocks)
        ])
        zeros = nnx.initializers.zeros_init()
        out_init = dict(kernel_init=zeros, bias_init=zeros) if zero_init else dict(kernel_init=lecun_normal)
        self.conv_out = nnx.Conv(initial_channels, out_channels, (1, 1), rngs=rngs,
                                 param_dtype=param_dtype, **out_init)
        # Set by the training step on GPUs (see :func:`scanned_blocks`): one scanned block in the program.
        self.scan_blocks = False

    def _blocks(self, h, aux):
        for block in self.blocks:
            h = block(h, aux)
        return h

    def _scanned_blocks(self, h, aux):
        """:meth:`_blocks` as one ``lax.scan`` over the blocks' stacked parameters: the program holds
        one block instead of ``n_blocks``. The same result: each block's dropout key is drawn from its
        own stream beforehand, as the loop would draw it. Reverse-mode differentiable only."""
        graphdef, _, rest = nnx.split(self.blocks[0], nnx.Param, ...)
        params = jax.tree.map(lambda *p: jnp.stack(p), *(nnx.state(b, nnx.Param) for b in self.blocks))
        dropout = self.blocks[0].dropout
        keys = None
        if not dropout.deterministic and dropout.rate > 0.0:
            keys = jnp.stack([block.dropout.rngs() for block in self.blocks])

        def body(h, xs):
            block_params, key = xs
            return nnx.merge(graphdef, block_params, rest)(h, aux, dropout_key=key, in_loop=True), None

        return jax.lax.scan(body, h, (params, keys))[0]

    def perturb_output(self, scale, *, rngs: nnx.Rngs):
        """Add ``N(0, scale[c]²)`` to the output conv's weights of output channel ``c``; ``scale (out_channels,)``.

        Used where θ = 0 is a dead start: PAC's features f (see :class:`pacviz.flows.PACLinear`).
        """
        kernel = self.conv_out.kernel[...]
        scale = jnp.asarray(scale, kernel.dtype)
        if scale.shape != (self.out_channels,):
            raise ValueError(f"scale must have shape ({self.out_channels},), got {scale.shape}")
        noise = normal(rngs.params(), kernel.shape, kernel.dtype)
        self.conv_out.kernel[...] = kernel + noise * scale

    def __call__(self, x, aux=None):
        if x.ndim < 3 or x.shape[-1] != self.in_channels:
            raise ValueError(f"Conditioner expects x of shape (..., H, W, {self.in_channels}), got {x.shape}")
        if (aux is None) != (self.aux_channels is None):
            raise ValueError(
                f"Conditioner was built with aux_channels={self.aux_channels}; "
                f"{'pass aux=' if aux is None else 'do not pass aux'}"
            )
        batch = x.shape[:-3]
        h = self.conv_in(x.reshape((-1,) + x.shape[-3:]))
        if aux is not None:
            if aux.shape[:-1] != x.shape[:-1] or aux.shape[-1] != self.aux_channels:
                raise ValueError(
                    f"aux must have shape {x.shape[:-1] + (self.aux_channels,)}, got {aux.shape}"
                )
            aux = aux.reshape((-1,) + aux.shape[-3:])
        h = self._scanned_blocks(h, aux) if self.scan_blocks and len(self.blocks) > 1 else self._blocks(h, aux)
        out = self.conv_out(h)
        return out.reshape(batch + out.shape[-3:])


def scanned_blocks(model, on: bool = True, *, min_blocks: int = 4):
    """Make every :class:`Conditioner` in ``model`` with at least ``min_blocks`` residual blocks apply
    them as one ``lax.scan`` (``on``), or all of them as a Python loop (off, the default, which
    forward-mode ``jax.jacfwd`` can pass). Returns ``model``.

    The program then holds one block per conditioner instead of ``n_blocks``, with the same results.
    At the paper's 12/6/12 blocks the training step compiles 1.5–1.9× faster on CPU but runs ~1.2×
    slower there (the training step scans by default on GPUs only); with two blocks (preset small) a
    scan compiles slower than the loop, hence ``min_blocks`` (``bench/RESULTS.md``, "Residual blocks
    scanned").
    """
    for _, module in nnx.iter_modules(model):
        if isinstance(module, Conditioner):
            module.scan_blocks = on and len(module.blocks) >= min_blocks
    return model
