"""One training run per workdir: ``WORKDIR/.lock`` holds the PID of the run that owns the folder.

The lock is an ``fcntl.flock`` on that file, so the kernel releases it when its process ends in any
way (kill -9 included): a lock file left by a dead process is taken over, never waited on.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are not guarded there
    fcntl = None


class WorkdirBusy(RuntimeError):
    """Another live process is training in this workdir."""


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextmanager
def workdir_lock(workdir):
    """Hold ``workdir``'s lock for the ``with`` block; raise :class:`WorkdirBusy` naming the holder's
    PID if another run holds it. Yields the PID of a dead previous holder that was taken over, or None."""
    path = Path(workdir) / ".lock"
    previous = _holder(path) if path.exists() else None
    handle = open(path, "a+")
    acquired = False
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkdirBusy(
                    f"another pacviz run (PID {_holder(path)}) is training in {workdir}; wait for it to finish, "
                    f"stop it, or use another --workdir") from None
        acquired = True
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        stale = previous if previous and previous != str(os.getpid()) and not _alive(previous) else None
        yield stale
    finally:
        if acquired:  # an empty file: the next run finds no holder, dead or alive
            handle.seek(0)
            handle.truncate()
        handle.close()  # closing releases the flock


def prepare_workdir(workdir) -> Path:
    """Create ``workdir`` if needed; a path that is a file or a folder that cannot be written gives a
    one-line error naming it and what to do."""
    path = Path(workdir)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"workdir {path} is a file, not a folder; give --workdir a folder path")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PermissionError(f"cannot create workdir {path} ({err.strerror}); give --workdir a folder you can "
                              "write to") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"workdir {path} is not writable; give --workdir a folder you can write to")
    return path
