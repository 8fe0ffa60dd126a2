"""The pages under hostile input, on SQLite and PostgreSQL: out-of-range ids, long path parts, forged or
missing tokens and no session get a 4xx or the login page, never a 500."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.integration


def _session(server, role: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.url, timeout=30, follow_redirects=False)
    assert client.post("/login", data={"key": server.keys[role]}).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text).group(1)
    return client, token


def test_hostile_page_requests_are_refused_not_errors(server):
    client, token = _session(server, "analyst")
    huge = str(2**63)
    try:
        answers = {
            "entry id out of range": client.post(f"/painmap/{huge}", data={"csrf_token": token}),
            "item id out of range": client.post(
                "/review/label", data={"csrf_token": token, "item_id": huge, "head": "topic", "value": "x"}
            ),
            "excluded item out of range": client.post(
                "/pains/P001/exclude", data={"csrf_token": token, "period": "2025Q2", "item_id": huge}
            ),
            "long pain id": client.get("/pains/" + "x" * 500, params={"period": "2025Q2"}),
            "bad quarter": client.get("/pains", params={"period": "2025Q9"}),
            "unknown pain": client.get("/pains/P999", params={"period": "2025Q2"}),
            "unknown job": client.get("/upload/jobs/" + "0" * 36),
            "forged token": client.post("/painmap/1", data={"csrf_token": "forged", "status": "accepted"}),
            "no token": client.post("/models/retrain", data={}),
            "bad upload token": client.post(
                "/upload/store",
                data={"csrf_token": token, "token": "../../etc/passwd", "name": "a", "text_col": "t"},
            ),
        }
    finally:
        client.close()
    for case, answer in answers.items():
        assert 400 <= answer.status_code < 500, (case, answer.status_code, answer.text[:200])
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as anonymous:
        pages = ("/", "/pains", "/painmap", "/review", "/models", "/upload", "/report.html?quarter=2025Q2")
        for path in pages:
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/login", path
        assert anonymous.post("/painmap/1", data={"status": "accepted"}).status_code == 303
