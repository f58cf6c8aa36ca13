"""XLA options pacviz sets by default (before JAX's backend starts), each measured in ``bench/``.

* ``--xla_cpu_experimental_ynn_fusion_type=`` (empty: XLA:CPU's YNN fusions off): the training
  step of the paper model ran 11 % faster per step without them on an x86-64 CPU, with no
  slower compile. Only set for a jaxlib known to have the flag (XLA aborts on an unknown flag),
  and never when the user's ``XLA_FLAGS`` already names it.

GPU backends ignore CPU options.
"""

from __future__ import annotations

import os

_CPU_FLAGS = {"--xla_cpu_experimental_ynn_fusion_type": ""}
_MIN_JAXLIB = (0, 10)  # the flag is there in jaxlib 0.10 (checked in libjax_common.so)


def _jaxlib_version():
    try:
        from importlib.metadata import version

        return tuple(int(p) for p in version("jaxlib").split(".")[:2])
    except Exception:  # not installed the usual way: set nothing
        return (0, 0)


def set_default_xla_flags(environ=None) -> str:
    """Add pacviz's default XLA options to ``XLA_FLAGS`` where the user has not set them; returns it.

    Takes effect if called before JAX's backend initialises (pacviz calls it on import).
    """
    environ = os.environ if environ is None else environ
    flags = environ.get("XLA_FLAGS", "")
    if _jaxlib_version() >= _MIN_JAXLIB:
        added = [f"{name}={value}" for name, value in _CPU_FLAGS.items() if name not in flags]
        if added:
            flags = " ".join([flags, *added]).strip()
            environ["XLA_FLAGS"] = flags
    return flags
