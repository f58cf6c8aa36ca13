"""``import pacviz`` quiets XLA's C++ log and orbax's read-only notices, and nothing else."""

import os
import subprocess
import sys

SCRIPT = """
import os, warnings
import absl.logging
import pacviz
print("TF_CPP_MIN_LOG_LEVEL=" + os.environ["TF_CPP_MIN_LOG_LEVEL"])
absl.logging.warning("CheckpointManagerOptions.read_only=True, setting create=False.")
absl.logging.warning("Given directory is read only=/some/where")
absl.logging.warning("a different orbax warning")
warnings.warn("a real Python warning", RuntimeWarning)
"""


def run(env_level=None, first="") -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if env_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = env_level
    proc = subprocess.run([sys.executable, "-c", first + SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_read_only_notices_dropped_other_warnings_kept():
    out, err = run()
    assert "TF_CPP_MIN_LOG_LEVEL=3" in out
    assert "read_only" not in err and "read only" not in err
    assert "a different orbax warning" in err
    assert "a real Python warning" in err


def test_users_own_log_level_is_respected():
    out, _ = run("0")
    assert "TF_CPP_MIN_LOG_LEVEL=0" in out


def test_jax_imported_first_gets_its_cpp_log_lowered_in_place(monkeypatch):
    """A notebook imports jax before pacviz: the env var is then read already, so the level is
    set through jaxlib; a level the user chose (not JAX's default "1") is left alone."""
    from jax._src.lib import utils

    from pacviz import _quiet

    calls = []
    monkeypatch.setattr(utils, "absl_set_min_log_level", calls.append)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    _quiet.quiet()
    assert calls == [3]
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    _quiet.quiet()
    assert calls == [3]
