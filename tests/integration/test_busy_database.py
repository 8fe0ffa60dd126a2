"""A busy database is a 503 with Retry-After, never a 500, and the server keeps answering."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

pytestmark = pytest.mark.integration


def test_a_held_write_lock_answers_503_with_retry_after_and_nothing_half_written(impatient_server):
    path = impatient_server.database_url.split("///", 1)[1]
    body = {"items": [{"text": "Не вывозят мусор во дворе", "external_id": uuid.uuid4().hex}]}
    holder = sqlite3.connect(path, timeout=1)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # as a long refresh or upload would hold it
        with impatient_server.client("analyst") as c:
            busy = c.post("/v1/items", json=body)
            assert busy.status_code == 503, busy.text
            assert busy.headers["Retry-After"].isdigit()
            assert "повторите" in busy.json()["detail"]
            assert c.get("/healthz").status_code == 200
    finally:
        holder.rollback()
        holder.close()
    with impatient_server.client("analyst") as c:
        again = c.post("/v1/items", json=body)
        assert again.status_code == 200, again.text
        assert again.json()["created"] == 1  # the refused request stored nothing
    assert "Traceback" not in impatient_server.log_since(0)


def test_a_revoked_key_stops_working_within_a_second(server):
    import time

    import httpx

    from service.auth import create_key, revoke_key
    from service.db.session import session_scope

    with session_scope(server.database_url) as session:
        key = create_key(session, "reader", name="to-revoke")
    with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as c:
        assert c.get("/v1/items").status_code == 200  # now in the worker's key cache
        with session_scope(server.database_url) as session:
            assert revoke_key(session, key[:10]) == 1
        revoked_at = time.monotonic()
        time.sleep(1.1)
        answers = [c.get("/v1/items").status_code for _ in range(5)]
    assert answers == [401] * 5, (answers, time.monotonic() - revoked_at)
