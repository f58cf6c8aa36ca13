"""The coupling transformer of Fig. 3: affine → logistic CDF mixture + logit → linear → S-Log gate."""

from __future__ import annotations

from flax import nnx

from .affine import Affine
from .conditioned_chain import ConditionedChain
from .elementwise_scale import ElementwiseScale
from .logistic_mixture_logit import LogisticMixtureLogit
from .s_log_gate import SLogGate


class Transformer(ConditionedChain):
    """τ(x; θ) = SLogGate(linear(LogitMixture(Affine(x)))) (Sec. 5.1 "Transformer flows", Fig. 3).

    The models differ only in ``linear`` (and ``n_mixtures``, to equalise parameter counts):

    ========== ======================================== ==========
    model      ``linear``                                K
    ========== ======================================== ==========
    RealNVP    :class:`ElementwiseScale`                 16
    Emerging   emerging conv. then elementwise scale     10
    PAC        pixel adaptive convolution                5
    ========== ======================================== ==========

    ``linear`` is a :class:`~pacviz.flows.base.ConditionedBijector` class (or factory) called as
    ``linear(channels, rngs=rngs, **linear_kwargs)``; it is instantiated twice (the first inside
    :class:`Affine`, which adds a conditioned bias), each with its own learned weights and its
    own slice of θ. θ is laid out as

        [affine: linear θ (P_lin), bias (C)] [mixture (3KC)] [linear θ (P_lin)] [gate (C or 0)]

    so ``num_params = 2·P_lin + C + 3KC + (C if conditioned_gate else 0)``; for RealNVP
    (``P_lin = C``) that is ``(3K + 4)·C``.

    ``share_weight=True`` lets the two linear layers use one learned filter ``W`` (each still
    gets its own per-pixel θ, hence its own kernel). The paper's App. B ``PAC`` function fetches
    ``get_parameter("W")`` by name, so both calls inside one transformer read the same W; this is
    also what brings the four models to the same parameter count (Sec. 5.1).

    Args:
      channels: C, the channels transformed.
      n_mixtures: K.
      linear: the linear-layer class (default :class:`ElementwiseScale`).
      linear_kwargs: extra keyword arguments for ``linear``.
      conditioned_gate: the S-Log gate's α from θ (True) or learned per channel (False).
      share_weight: the two linear layers share their learned ``weight`` (if they have one).
      rngs: passed to every part.
    """

    def __init__(self, channels: int, *, n_mixtures: int, linear=ElementwiseScale,
                 linear_kwargs: dict | None = None, conditioned_gate: bool = True,
                 share_weight: bool = False, rngs: nnx.Rngs | None = None):
        linear_kwargs = dict(linear_kwargs or {})
        super().__init__([
            Affine(channels, linear=linear, rngs=rngs, **linear_kwargs),
            LogisticMixtureLogit(channels, n_mixtures=n_mixtures),
            linear(channels, rngs=rngs, **linear_kwargs),
            SLogGate(channels, conditioned=conditioned_gate, rngs=rngs),
        ])
        first, second = self.parts[0].linear, self.parts[2]
        if share_weight and hasattr(first, "weight"):
            second.weight = first.weight  # one nnx.Param, referenced twice
