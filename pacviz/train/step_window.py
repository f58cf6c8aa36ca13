"""Training-step outputs kept on the device between log points and read in one transfer.

Reading a step's loss on the host (``float(out["loss"])``) waits for that step: the next batch
cannot be prepared while the step runs, and on a GPU the host round trip costs more than a small
step. The trainer hands each step's ``metrics`` to a :class:`StepWindow` and reads it only where
it does host work anyway (log, evaluation, checkpoint).
"""

from __future__ import annotations

import jax
import numpy as np


class StepWindow:
    """The outputs (``loss``, ``grad_norm``, ``finite``) of the steps since the last read.

    ``run`` counts consecutive non-finite steps (carried across reads), ``total`` all of them.
    """

    def __init__(self):
        self.pending, self.losses, self.norms = [], [], []
        self.run = self.total = 0

    def add(self, step: int, metrics: dict):
        self.pending.append((step, metrics))

    def read(self, max_nonfinite: int) -> tuple[int, int] | None:
        """Fetch the pending outputs; ``(step, run)`` where a run of ``max_nonfinite`` consecutive
        non-finite steps was first reached, else None."""
        steps = [s for s, _ in self.pending]
        values = jax.device_get([{k: m[k] for k in ("loss", "grad_norm", "finite")} for _, m in self.pending])
        self.pending = []
        reached = None
        for step, v in zip(steps, values):
            if bool(v["finite"]):
                self.run = 0
                self.losses.append(float(v["loss"]))
                self.norms.append(float(v["grad_norm"]))
            else:
                self.run += 1
                self.total += 1
                if self.run >= max_nonfinite and reached is None:
                    reached = (step, self.run)
        return reached

    def means(self) -> tuple[float | None, float | None]:
        """Mean loss and gradient norm of the finite steps read since the last call (None if none)."""
        out = (float(np.mean(self.losses)) if self.losses else None,
               float(np.mean(self.norms)) if self.norms else None)
        self.losses, self.norms = [], []
        return out
