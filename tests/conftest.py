"""Test configuration: math is checked in float64; float32 defaults are tested with explicit dtypes."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
os.environ.setdefault("PACVIZ_QUICK", "1")
os.environ["PACVIZ_COMPILATION_CACHE"] = "0"  # no stale or shared on-disk programs in tests

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_enable_x64", True)


@pytest.fixture
def key():
    return jax.random.PRNGKey(0)
