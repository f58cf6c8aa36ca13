"""Give the C heap's freed pages back to the system after a compile.

XLA's compiler allocates gigabytes while it compiles a large program (a paper-size training step)
and frees them when it is done, but glibc's allocator keeps the freed pages mapped, so the
process's resident memory stays at the compiler's peak and the steps' own buffers come on top
(``bench/bench_rss_phases.py``; ``bench/RESULTS.md``). ``malloc_trim(0)`` returns them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library, another system)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def return_freed_memory() -> bool:
    """Return the C heap's free pages to the system; True where glibc could (Linux), else a no-op."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["return_freed_memory"]
