"""The job runner records every job's end while requests keep writing: a job's row was read first and
written later, and on SQLite that write lost the race to any other writer at once — a soak's refresh job
stayed «queued» for good."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from service.db.models import Job
from service.db.session import session_scope, upgrade_db


def test_jobs_end_done_while_others_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from service import jobs

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade_db(url)
    monkeypatch.setitem(jobs.JOBS, "noop", lambda session, params, ctx: {"ok": True})
    runner = jobs.JobRunner(jobs.JobContext(url, tmp_path / "models"))
    stop = threading.Event()

    def write_all_the_time() -> None:  # other writers, as requests storing items would be
        while not stop.is_set():
            with session_scope(url) as session:
                session.add(Job(id=f"w-{uuid.uuid4()}", kind="noop", status="done", params={}))

    writers = [threading.Thread(target=write_all_the_time) for _ in range(2)]
    for writer in writers:
        writer.start()
    try:
        futures = [runner.submit("noop", {})[1] for _ in range(40)]
        for future in futures:
            future.result(timeout=120)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
        runner.shutdown()
    with session_scope(url) as session:
        states = [job.status for job in session.query(Job).filter(Job.kind == "noop", ~Job.id.like("w-%"))]
    assert len(states) == 40 and set(states) == {"done"}, states
