"""The stopping rule of ``compare``: stop when the held-out (test) curve has plateaued.

Rule (checked at every test evaluation): with evaluations ``(t_1, v_1) … (t_k, v_k)`` so far
(``t_k`` the current step, ``v`` test bits/dim), the *window* is the last ``fraction`` of the
steps run so far, ``t_j > (1 − fraction) · t_k``. The curve has plateaued when

* at least ``min_evals`` evaluations were made and at least one lies before the window, and
* the best value in the whole curve improves on the best value before the window by less than
  ``tolerance`` bits/dim: ``min_{j ≤ k} v_j > min_{t_j ≤ (1 − fraction) t_k} v_j − tolerance``.

Defaults: the last fifth of the run, 0.01 bits/dim, 5 evaluations.
"""

from __future__ import annotations

import math

FRACTION = 0.2


def plateau_rule(tolerance: float, min_evals: int, fraction: float = FRACTION) -> str:
    """The rule in words, as recorded with a comparison's results."""
    return (f"stop at the first test evaluation where the best test bits/dim improved by < {tolerance:g} over the "
            f"last {fraction:.0%} of the steps run so far (at least {min_evals} evaluations, one of them before "
            f"that window), else at the step budget")


def plateaued(steps, values, *, tolerance: float = 0.01, min_evals: int = 5, fraction: float = FRACTION) -> bool:
    """Whether the curve ``values`` (test bits/dim at ``steps``, increasing) has plateaued (module rule).

    ``tolerance <= 0`` never stops (train the whole budget)."""
    steps, values = list(steps), list(values)
    if len(steps) != len(values):
        raise ValueError(f"steps and values must have the same length, got {len(steps)} and {len(values)}")
    if tolerance <= 0 or len(values) < max(2, min_evals) or not all(math.isfinite(v) for v in values):
        return False
    edge = (1 - fraction) * steps[-1]
    before = [v for t, v in zip(steps, values) if t <= edge]
    return bool(before) and min(values) > min(before) - tolerance


class PlateauStop:
    """A :func:`pacviz.train.train` callback: ``should_stop(history)`` is :func:`plateaued` on the
    history's test curve (records with a ``test_bpd``)."""

    def __init__(self, tolerance: float = 0.01, min_evals: int = 5, fraction: float = FRACTION):
        self.tolerance, self.min_evals, self.fraction = tolerance, min_evals, fraction

    def should_stop(self, history) -> bool:
        curve = [(r["step"], r["test_bpd"]) for r in history if r.get("test_bpd") is not None]
        return plateaued([t for t, _ in curve], [v for _, v in curve], tolerance=self.tolerance,
                         min_evals=self.min_evals, fraction=self.fraction)


__all__ = ["FRACTION", "PlateauStop", "plateau_rule", "plateaued"]
