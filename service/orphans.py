"""Helper processes end with the process that started them.

A uvicorn worker outlived its supervisor killed with SIGKILL (`painmap serve --workers 2`), and so would the
process a pains refresh runs in: each kept the database open and went on answering or writing for a server
that was gone. `end_with_parent` asks Linux to kill this process when its parent dies (PR_SET_PDEATHSIG) and,
on every system, starts a watchdog thread that ends it within a second once its parent has changed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

SUPERVISOR_ENV = "PAINMAP_SUPERVISOR_PID"


def end_with_parent(parent: int | None = None) -> None:
    """End this process when `parent` (default: the current parent) is gone — at once if it already is: a
    process still starting up when its parent was killed had adopted init as its parent, and a watchdog
    that took init for the parent kept it alive for good (a refresh's child, found blocked on its task
    queue long after its test server had been killed)."""
    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    # PDEATHSIG follows the thread that started this process, which need not live as long as the process.

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="painmap-parent-watch").start()


def end_with_supervisor() -> None:
    """In a worker that `painmap serve --workers N` started: end with the supervisor."""
    supervisor = os.environ.get(SUPERVISOR_ENV, "")
    if supervisor.isdigit() and int(supervisor) != os.getpid() and os.getppid() == int(supervisor):
        end_with_parent(int(supervisor))
