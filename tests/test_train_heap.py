"""Returning the C heap's freed pages after a compile (pacviz.train.heap)."""

import ctypes
import os
import sys

import pytest

from pacviz.train import heap

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2 ** 20


@pytest.mark.skipif(not sys.platform.startswith("linux") or heap._malloc_trim() is None, reason="glibc only")
def test_freed_heap_goes_back_to_the_system():
    """Small blocks freed below a live one stay resident until the heap is trimmed (the compiler's case)."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    block, count = 2048, 100_000  # 200 MB in blocks below the mmap threshold: they come from the heap
    blocks = [libc.malloc(block) for _ in range(count)]
    pin = libc.malloc(block)  # above them, so freeing them cannot shrink the heap's top by itself
    for address in blocks:
        ctypes.memset(address, 1, block)
    resident = _rss_mb()
    for address in blocks:
        libc.free(address)
    kept = _rss_mb()
    assert heap.return_freed_memory() is True
    returned = _rss_mb()
    libc.free(pin)
    assert kept > resident - 50, "glibc returned the freed blocks by itself: the test no longer shows anything"
    assert returned < kept - 150, f"RSS {kept:.0f} MB → {returned:.0f} MB after return_freed_memory()"


def test_without_glibc_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    assert heap.return_freed_memory() is False
