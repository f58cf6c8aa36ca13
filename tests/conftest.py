"""Test configuration: math is checked in float64; float32 defaults are tested with explicit dtypes.

One persistent compilation cache per test session, in a fresh folder: the xdist workers and the
processes they start (CLI runs, notebook kernels) share it, so a program that several tests build
(the tiny model's training step, its evaluation) is compiled once per session, never taken from an
earlier session.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
os.environ.setdefault("PACVIZ_QUICK", "1")
if "PACVIZ_TEST_SESSION_CACHE" not in os.environ:  # the first process of the session (xdist's controller)
    os.environ["PACVIZ_TEST_SESSION_CACHE"] = tempfile.mkdtemp(prefix="pacviz-test-cache-")
    atexit.register(shutil.rmtree, os.environ["PACVIZ_TEST_SESSION_CACHE"], ignore_errors=True)
os.environ["PACVIZ_COMPILATION_CACHE"] = os.environ["PACVIZ_TEST_SESSION_CACHE"]
os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"  # eager initialisers too: ~0.1 s each, hundreds

import jax  # noqa: E402
import pytest  # noqa: E402

from pacviz.compilation_cache import use_compilation_cache  # noqa: E402

jax.config.update("jax_enable_x64", True)
use_compilation_cache()


@pytest.fixture
def key():
    return jax.random.PRNGKey(0)
