"""A server killed with SIGKILL while it recomputes the pains: the database stays whole (integrity check),
the period's pains are the old ones or none (never half written), the job reads as interrupted after a
restart, and a rerun stores every item's pains exactly once."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import time

import pandas as pd
import pytest

from tests.integration.conftest import SAMPLES, start_server, wait_job

pytestmark = pytest.mark.integration


def _counts(db_path) -> tuple[int, int, int]:
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        snapshots = db.execute("SELECT COUNT(*) FROM pain_snapshots").fetchone()[0]
        item_pains = db.execute("SELECT COUNT(*) FROM item_pains").fetchone()[0]
        duplicates = db.execute(
            "SELECT COUNT(*) FROM (SELECT period, item_id FROM item_pains GROUP BY 1, 2 HAVING COUNT(*) > 1)"
        ).fetchone()[0]
    return snapshots, item_pains, duplicates


def _wait_started(client, job_id: str) -> None:
    """Until the job has left the queue (at most a minute)."""
    deadline = time.monotonic() + 60
    while client.get(f"/v1/jobs/{job_id}").json()["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_refresh_killed_mid_way_leaves_a_whole_database(model_dir, tmp_path):
    db_path = tmp_path / "killed.db"
    url = f"sqlite:///{db_path}"
    # 5 copies of the sample appeals under other ids: the recomputation takes long enough to be cut
    frame = pd.read_csv(SAMPLES / "appeals.csv")
    big = pd.concat([frame.assign(id=frame.id + f"-{n}") for n in range(5)], ignore_index=True)
    buffer = io.StringIO()
    big.to_csv(buffer, index=False)

    first = start_server(url, model_dir, "sqlite")
    server = next(first)
    with server.client("admin") as c:
        stored = c.post("/v1/items/upload", files={"file": ("big.csv", buffer.getvalue().encode())})
        assert stored.status_code in (200, 202), stored.text
        if stored.status_code == 202:
            assert wait_job(c, stored.json()["id"], timeout=300)["status"] == "done"
        job = c.post("/v1/pains/refresh", json={}).json()
        _wait_started(c, job["id"])
        time.sleep(0.3)
        os.kill(server.pid, signal.SIGKILL)
    first.close()

    snapshots, item_pains, duplicates = _counts(db_path)
    assert duplicates == 0
    assert snapshots == 0 and item_pains == 0  # nothing of the killed recomputation was stored

    second = start_server(url, model_dir, "sqlite")
    server = next(second)
    try:
        with server.client("admin") as c:
            killed = c.get(f"/v1/jobs/{job['id']}").json()
            assert killed["status"] == "failed" and "прервана" in killed["error"]  # it was running
            again = wait_job(c, c.post("/v1/pains/refresh", json={}).json()["id"], timeout=300)
            assert again["status"] == "done", again["error"]
    finally:
        second.close()
    snapshots, item_pains, duplicates = _counts(db_path)
    assert snapshots > 0 and duplicates == 0
    assert item_pains == len(big)  # every item of every period once


def test_a_retraining_killed_mid_way_keeps_the_registry_whole(model_dir, tmp_path):
    import shutil

    from models.registry import ModelRegistry

    registry_dir = tmp_path / "models"
    shutil.copytree(model_dir, registry_dir)  # a registry of its own, with the signing secret beside it
    source = ModelRegistry(model_dir)
    shutil.copy(source.secret_file, tmp_path / source.secret_file.name)
    champion = ModelRegistry(registry_dir).champion_id()
    url = f"sqlite:///{tmp_path / 'train.db'}"

    first = start_server(url, registry_dir, "sqlite")
    server = next(first)
    with server.client("admin") as c:
        labelled = (SAMPLES / "appeals.csv").read_bytes()
        assert c.post("/v1/items/upload", files={"file": ("a.csv", labelled)}).status_code == 200
        job = c.post("/v1/retrain", json={"force": True}).json()
        _wait_started(c, job["id"])
        time.sleep(0.5)
        os.kill(server.pid, signal.SIGKILL)
    first.close()

    registry = ModelRegistry(registry_dir)
    assert registry.champion_id() == champion
    for card in registry.list():  # every listed bundle loads: none is half written
        registry.load(str(card["id"]))

    second = start_server(url, registry_dir, "sqlite")
    server = next(second)
    try:
        with server.client("admin") as c:
            killed = c.get(f"/v1/jobs/{job['id']}").json()
            assert killed["status"] == "failed" and "прервана" in killed["error"]
            again = wait_job(c, c.post("/v1/retrain", json={"force": True}).json()["id"], timeout=300)
            assert again["status"] == "done", again["error"]
    finally:
        second.close()
    assert ModelRegistry(registry_dir).champion_id() == again["result"]["model_id"] != champion
