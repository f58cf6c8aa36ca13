"""A quiet terminal: XLA's C++ log lines and orbax's read-only notices stay out of normal runs.

``quiet()`` runs on ``import pacviz``, before JAX loads where it can. What it silences is
diagnostic chatter, not results or real problems:

* XLA's C++ log (absl) below FATAL, e.g. ``slow_operation_alarm``'s "Very slow compile? If you
  want to file a bug ..." that a long CPU compile triggers. A real XLA failure still raises a
  Python exception. ``TF_CPP_MIN_LOG_LEVEL`` set by the user (to anything but JAX's own default
  "1") is respected: ``TF_CPP_MIN_LOG_LEVEL=0`` shows everything again.
* orbax's "read_only=True" / "directory is read only" notices: loading a run or the shipped
  weights opens their checkpoints read-only on purpose. Every other orbax (absl) warning passes.

Python warnings (``warnings.warn``) are untouched.
"""

from __future__ import annotations

import logging
import os
import sys

_LEVEL = "3"  # absl severities: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL
_JAX_DEFAULT = "1"  # what `import jax` puts in TF_CPP_MIN_LOG_LEVEL when it is unset
_READ_ONLY_NOTICES = ("read_only=True", "is read only", "read-only")


class _DropReadOnlyNotices(logging.Filter):
    """Drops orbax's notices that a checkpoint was opened read-only (pacviz does it on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        return not any(text in message for text in _READ_ONLY_NOTICES)


def _quiet_xla():
    chosen = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    if "jax" not in sys.modules:
        if chosen is None:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = _LEVEL  # read when jaxlib loads
        return
    if chosen in (None, _JAX_DEFAULT):  # JAX already loaded with its default: lower it in place
        try:
            from jax._src.lib import utils
            utils.absl_set_min_log_level(int(_LEVEL))
        except (ImportError, AttributeError):  # another jaxlib: its own default stays
            pass


def quiet():
    """Silence XLA's C++ log and orbax's read-only notices (idempotent)."""
    _quiet_xla()
    absl_logger = logging.getLogger("absl")
    if not any(isinstance(f, _DropReadOnlyNotices) for f in absl_logger.filters):
        absl_logger.addFilter(_DropReadOnlyNotices())
