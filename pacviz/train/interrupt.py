"""Ctrl-C during training stops at the next step boundary, so the state saved is a whole step."""

from __future__ import annotations

import signal
import threading


class DeferredInterrupt:
    """While installed, the first SIGINT only sets ``.requested`` (the loop checks it between steps);
    a second one interrupts at once. Outside the main thread signals cannot be caught: nothing is
    installed and a plain ``KeyboardInterrupt`` is left to the caller."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def install(self) -> "DeferredInterrupt":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def uninstall(self):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
