"""`/v1/models` and `/v1/retrain` against a real uvicorn (SQLite and PostgreSQL): listing, promotion, a
retrain job on the sample appeals, and the served model swapped at once."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import wait_job

REPO = Path(__file__).resolve().parents[2]


def test_models_list_promote_and_retrain(server):
    appeals = (REPO / "data/samples/appeals.csv").read_bytes()
    with server.client("admin") as c:
        models = c.get("/v1/models").json()
        champion = [m for m in models if m["champion"]]
        assert len(champion) == 1
        promoted = c.post("/v1/models", json={"model_id": champion[0]["id"]})
        assert promoted.status_code == 200 and promoted.json()["champion"]
        assert c.post("/v1/models", json={"model_id": "no-such-model"}).status_code == 404
        # labelled sample appeals (idempotent if another test loaded them) are the training data
        c.post("/v1/items/upload", files={"file": ("appeals.csv", appeals)}, data={"source": "samples-test"})
        assert c.post("/v1/retrain", json={"heads": ["topic"]}).status_code == 422  # heads: the champion's
        job = c.post("/v1/retrain", json={}).json()
        done = wait_job(c, job["id"], timeout=300)
        assert done["status"] == "done", done["error"]
        result = done["result"]
        assert result["model_id"] != champion[0]["id"] and result["champion_id"] == champion[0]["id"]
        assert {row["head"] for row in result["comparison"]} == {"topic", "process"} and result["reason"]
        ids = [m["id"] for m in c.get("/v1/models").json()]
        assert done["result"]["model_id"] in ids
        # promotion swaps the served model at once; promoting the old champion back restores it
        texts = {"texts": ["Не вывозят мусор"]}
        assert c.post("/v1/models", json={"model_id": done["result"]["model_id"]}).status_code == 200
        assert c.post("/v1/classify", json=texts).json()["model_id"] == done["result"]["model_id"]
        assert c.post("/v1/models", json={"model_id": champion[0]["id"]}).status_code == 200
        assert c.post("/v1/classify", json=texts).json()["model_id"] == champion[0]["id"]
