"""kill -9 during `painmap load`: the file is stored whole or not at all, the database stays sound, and a
re-run stores every row exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not there yet: migrations still running
        return 0


def test_a_killed_load_leaves_nothing_and_a_rerun_stores_each_row_once(tmp_path: Path) -> None:
    rows = 12_000
    texts = [
        f"Во дворе дома {i} не вывозят мусор, звоните 8 921 {i % 1000:03d}-{i % 100:02d}-00"
        for i in range(rows)
    ]
    path = tmp_path / "big.csv"
    pd.DataFrame({"id": [f"B-{i:05d}" for i in range(rows)], "text": texts}).to_csv(path, index=False)
    db = tmp_path / "painmap.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PAINMAP_MODEL_DIR": str(tmp_path / "models")}
    cmd = [sys.executable, "-m", "service.cli", "load", str(path), "--no-classify"]

    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Kill it once it is masking and inserting (the journal grows), well before it could finish.
    deadline = time.monotonic() + 120
    wal = db.with_name(db.name + "-wal")
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 256 * 1024:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"load ended before it could be killed: {proc.stdout.read().decode()[-500:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _count(db) == 0  # nothing of the file, not the first batches

    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _count(db) == rows
    again = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and f"уже были {rows}" in again.stdout, again.stdout[-500:]
    assert _count(db) == rows
