"""Items stored while no model is loaded are not lost to the classifier: the answer says so, and once a
model is promoted they are classified automatically."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import start_server

pytestmark = pytest.mark.integration


@pytest.fixture()
def modelless_server(model_dir: Path, tmp_path: Path):
    empty = tmp_path / "models"
    empty.mkdir()
    # Not ready (no model) by design: wait for /healthz instead.
    yield from start_server(f"sqlite:///{tmp_path / 'painmap.db'}", empty, "sqlite", ready_path="/healthz")


def test_items_stored_without_a_model_are_classified_once_one_is_promoted(modelless_server, model_dir):
    from models.registry import ModelRegistry

    server = modelless_server
    body = {"items": [{"text": "Во дворе не вывозят мусор", "external_id": uuid.uuid4().hex},
                      {"text": "Не работает фонарь у подъезда", "external_id": uuid.uuid4().hex}]}
    with server.client("analyst") as c:
        stored = c.post("/v1/items", json=body).json()
        assert stored["created"] == 2 and stored["classified"] == 0
        assert "классифицированы автоматически" in stored["warning"], stored
        assert c.get("/readyz").status_code == 503

    trained = ModelRegistry(model_dir).load()
    target = ModelRegistry(server.model_dir)
    target.promote(target.save(trained.estimator, dict(trained.card)))

    deadline = time.monotonic() + 90
    with server.client("reader") as c:
        while time.monotonic() < deadline:
            c.get("/readyz")  # any request lets the worker notice the new champion
            items = c.get("/v1/items", params={"limit": 10}).json()["items"]
            if all(item.get("predictions") for item in items):
                break
            time.sleep(1)
    assert len(items) == 2 and all(item.get("predictions") for item in items), items
    assert {p["head"] for p in items[0]["predictions"]} >= {"topic", "process"}
