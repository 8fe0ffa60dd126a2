"""`painmap pains` and `POST /v1/pains/refresh` are one workflow: the same file gives the same pains.

A real `painmap serve` on its own SQLite file takes the upload; the CLI reads the same CSV. Both must report
the same pains (labels, sizes, prevalence, members) and the same primary pain for every item.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.integration.conftest import REPO, start_server, wait_job

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> pd.DataFrame:
    """Two quarters of the team's planted МФЦ answers (no personal data, so masking changes nothing)."""
    planted = pd.read_csv(REPO / "data" / "planted" / "mfc.csv", keep_default_na=False)
    frame = planted[["id", "answer"]].copy()
    frame["period"] = ["2025Q1" if i % 3 == 0 else "2025Q2" for i in range(len(frame))]
    return frame


@pytest.fixture
def api_pains(answers, model_dir, tmp_path):
    """Upload the answers to a fresh server, refresh pains, and read them back with their items."""
    csv = tmp_path / "answers.csv"
    answers.to_csv(csv, index=False)
    cache = {"PAINMAP_CACHE_DIR": str(tmp_path / "cache")}
    gen = start_server(f"sqlite:///{tmp_path / 'painmap.db'}", model_dir, "sqlite", extra_env=cache)
    server = next(gen)
    try:
        with server.client("analyst") as c:
            up = c.post("/v1/items/upload", files={"file": ("answers.csv", csv.read_bytes())},
                        data={"source": "planted"})
            assert up.status_code == 200, up.text
            job = wait_job(c, c.post("/v1/pains/refresh", json={"period": "2025Q2"}).json()["id"], 600)
            assert job["status"] == "done", job["error"]
            pains = c.get("/v1/pains", params={"period": "2025Q2"}).json()
            items = c.get("/v1/pains/items", params={"period": "2025Q2", "limit": 10_000}).json()
            stored = []
            while len(stored) < len(answers):
                page = c.get("/v1/items", params={"limit": 500, "offset": len(stored)}).json()
                assert page["items"], page
                stored.extend(page["items"])
        yield csv, cache, pains, items, {row["id"]: row["external_id"] for row in stored}
    finally:
        gen.close()


def test_cli_and_api_give_identical_pains(api_pains, tmp_path):
    csv, cache, api, api_items, external = api_pains
    out = tmp_path / "pains.json"
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "pains", str(csv), "--text-col", "answer", "--id-col", "id",
         "--period-col", "period", "--out", str(out)],
        cwd=REPO, env={**os.environ, **cache}, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert cli["period"] == "2025Q2" and [h["period"] for h in cli["history"]] == ["2025Q1", "2025Q2"]
    assert len(cli["pains"]) >= 5
    def shape(pains):
        return sorted((p["id"], p["label"], p["size"], round(p["prevalence"], 6)) for p in pains)

    assert shape(api) == shape(cli["pains"])
    assert {p["id"]: p["keywords"] for p in api} == {p["id"]: p["keywords"] for p in cli["pains"]}
    # Every item's pains, primary first, are the same (the API knows items by their database id).
    from_api = {external[row["id"]]: row["pains"] for row in api_items}
    from_cli = {str(row["id"]): row["pains"] for row in cli["items"]}
    assert from_api == from_cli
    assert sum(bool(p) for p in from_cli.values()) > len(from_cli) / 2
