"""JAX's persistent compilation cache, on by default for pacviz's entry points.

A training step compiles for minutes on a CPU; with the cache a second process with the same
program (a resumed run, a new notebook kernel, ``pacviz train`` again) loads it from disk.

Where: ``$PACVIZ_COMPILATION_CACHE`` if set (``0`` turns the cache off), else
``$XDG_CACHE_HOME/pacviz/jax`` (``~/.cache/pacviz/jax``). A cache folder the user gave JAX
(``jax_compilation_cache_dir``) is left as it is. Entries are keyed by the program, the XLA
options and the jaxlib version, so an upgrade never loads a stale program; deleting the folder
is always safe. Every program is stored, however quickly it compiled (JAX's default keeps only
those over a second), unless ``$JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS`` says otherwise: a
model's eager initialisers are ~100 programs of 0.05-0.3 s each, and loading them all is faster
than compiling them (``pv.build_model`` of the tiny model in a second process: ~9 s → ~3 s;
``bench/RESULTS.md``).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "PACVIZ_COMPILATION_CACHE"
MIN_SECONDS_ENV = "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"  # JAX's own; a value set there is kept
_OFF = ("0", "off", "false", "no", "")


def cache_dir(environ=None) -> Path | None:
    """The folder pacviz uses, or None when ``PACVIZ_COMPILATION_CACHE`` turns the cache off."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in _OFF else Path(chosen).expanduser()
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "pacviz" / "jax"


def use_compilation_cache() -> Path | None:
    """Point JAX's persistent cache at :func:`cache_dir` (idempotent); return the folder in use."""
    import jax

    current = jax.config.jax_compilation_cache_dir
    folder = cache_dir()
    if current and (folder is None or Path(current) != folder):
        return Path(current)  # the user's own choice (or ours from before) stays
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: run without the cache rather than fail
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    if MIN_SECONDS_ENV not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return folder
