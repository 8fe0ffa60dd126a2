"""`painmap serve --workers 2` killed with SIGKILL: its workers end with it instead of answering (and holding
the database) for a server that is gone."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from service.db.session import upgrade_db
from tests.integration.conftest import REPO, free_port

pytestmark = pytest.mark.integration


def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_workers_end_with_a_killed_supervisor(model_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'orphans.db'}"
    upgrade_db(url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAINMAP_MODEL_DIR": str(model_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2", "--no-migrate"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline:
            assert server.poll() is None, "painmap serve exited"
            children = psutil.Process(server.pid).children()
            workers = [p for p in children if "spawn_main" in " ".join(p.cmdline())]
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and len(workers) == 2:
                break
            time.sleep(0.3)
        assert len(workers) == 2, "two workers expected"
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(_gone(w) for w in workers):
            time.sleep(0.2)
        assert all(_gone(w) for w in workers), "a worker outlived its killed supervisor"
    finally:
        for proc in [server.pid, *(w.pid for w in workers if not _gone(w))]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc, signal.SIGKILL) if proc == server.pid else os.kill(proc, signal.SIGKILL)
