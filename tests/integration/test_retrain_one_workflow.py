"""`painmap retrain` and `POST /v1/retrain` are one workflow: same data → same decision, same card.

One champion (trained by the CLI on the sample appeals before October 2025) is copied into two registries.
The CLI retrains one on the file's October–December rows; a real server retrains the other on the same rows
uploaded into its database (raw texts kept, as the champion learned them) and labelled by the upload.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.registry import ModelRegistry
from tests.integration.conftest import REPO, SAMPLES, start_server, wait_job

pytestmark = pytest.mark.integration
APPEALS = SAMPLES / "appeals.csv"
# What may differ between two runs on the same data: identity, time and where the files lie.
VOLATILE = {"id", "created", "training_seconds", "sha256", "bundle_sha256"}


def _invoke(*args: str | Path) -> str:
    # A fresh process, as the server is: in-process, caches other tests warmed (lemmas of a test lexicon)
    # would make the CLI's model differ from the server's for reasons no user meets.
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", *map(str, args)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _comparable(card: dict) -> dict:
    out = {k: v for k, v in card.items() if k not in VOLATILE}
    data = dict(out.get("training_data", {}))
    data.pop("files", None)
    data.pop("sha256", None)
    # The new quarter's source is a file either way: the CLI's own, the API's snapshot of its labels.
    data["sources"] = [{k: v for k, v in s.items() if k != "files"} for s in data.get("sources", [])]
    out["training_data"] = data
    return out


def test_cli_and_api_retrain_decide_alike_and_write_the_same_card(tmp_path):
    cli_root = tmp_path / "cli"
    cli_models = cli_root / "models"
    _invoke(
        "train", "--data", APPEALS, "--text-col", "text", "--head", "topic=topic",
        "--head", "process=process", "--time-col", "created_at", "--until", "2025-10-01",
        "--model-dir", cli_models,
    )  # fmt: skip
    api_root = tmp_path / "api"
    shutil.copytree(cli_root, api_root)  # the registry and its signing secret beside it
    api_models = api_root / "models"
    champion = ModelRegistry(cli_models).champion_id()
    assert ModelRegistry(api_models).champion_id() == champion

    _invoke("retrain", "--new", APPEALS, "--since", "2025-10-01", "--model-dir", cli_models)
    cli_registry = ModelRegistry(cli_models)
    cli_new = next(m["id"] for m in cli_registry.list() if m["id"] != champion)

    url = f"sqlite:///{tmp_path / 'painmap.db'}"
    for server in start_server(url, api_models, "sqlite", extra_env={"PAINMAP_STORE_RAW": "true"}):
        with server.client("admin") as c:
            upload = c.post(
                "/v1/items/upload", files={"file": ("appeals.csv", APPEALS.read_bytes())},
                data={"source": "retrain-test"},
            )  # fmt: skip
            assert upload.status_code == 200, upload.text
            job = c.post("/v1/retrain", json={"since": "2025-10-01"})
            assert job.status_code == 202, job.text
            done = wait_job(c, job.json()["id"], timeout=300)
        assert done["status"] == "done", done["error"]
    result = done["result"]
    api_registry = ModelRegistry(api_models)

    # The same decision …
    assert result["champion_id"] == champion
    assert result["promoted"] == (cli_registry.champion_id() == cli_new)
    assert (api_registry.champion_id() == result["model_id"]) == result["promoted"]
    # … from the same rows and the same comparison …
    cli_card = cli_registry.load(cli_new).card
    api_card = api_registry.load(result["model_id"]).card
    assert result["rows"]["old"] + result["rows"]["new"] == cli_card["training_data"]["rows"]
    assert cli_card["metrics"] and set(cli_card["metrics"]) == {"topic", "process"}
    assert _comparable(api_card) == _comparable(cli_card)
    assert api_card["parent"] == cli_card["parent"] == champion
    assert len(api_card["training_data"]["sources"]) == 2


def test_api_retrain_without_labels_fails_with_a_next_step(tmp_path, model_dir):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for server in start_server(url, model_dir, "sqlite"):
        with server.client("analyst") as c:
            forced = c.post("/v1/retrain", json={"force": True})
            job = c.post("/v1/retrain", json={}).json()
            done = wait_job(c, job["id"], timeout=120)
    assert forced.status_code == 403
    assert done["status"] == "failed" and "разметьте записи" in done["error"]
