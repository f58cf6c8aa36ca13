"""A stand-in for one training run of ``compare``'s parallel runner (its own module, importing no
pacviz, so the spawned worker process starts in a second rather than loading JAX)."""

import os
from pathlib import Path

import numpy as np


def stand_in(name, seed, log=None, offset=0.0):
    Path(log).write_text(f"{name} {seed}\n")
    if name == "broken":
        raise ValueError("a run that fails")
    return dict(pid=os.getpid(), value=seed + offset), np.full((2,), seed)
