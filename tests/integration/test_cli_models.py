"""`painmap train/score/evaluate/retrain/models` end to end on data/samples/appeals.csv (real modules)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("models.classify", reason="models.classify (CLASSIFY) is not there yet")
pytest.importorskip("service.tables.io", reason="service.tables.io (IO-SAMPLES) is not there yet")

from models.registry import ModelRegistry  # noqa: E402
from service.cli import app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples" / "appeals.csv"
HEADS = ["--head", "topic=topic", "--head", "process=process"]


def invoke(*args: str | Path | int) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result.output


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """One model trained on the samples before October 2025 (the retrain test adds the rest)."""
    root = tmp_path_factory.mktemp("registry")
    invoke(
        "train", "--data", SAMPLES, "--text-col", "text", *HEADS, "--time-col", "created_at",
        "--until", "2025-10-01", "--model-dir", root,
    )  # fmt: skip
    return root


def test_train_saves_a_champion_with_its_card(model_dir):
    registry = ModelRegistry(model_dir)
    card = registry.load().card
    assert card["heads"] == ["topic", "process"]
    source = card["training_data"]["sources"][0]
    assert source["until"] == "2025-10-01" and source["heads"] == {"topic": "topic", "process": "process"}
    labelled = pd.read_csv(SAMPLES)
    before = pd.to_datetime(labelled["created_at"]) < "2025-10-01"
    complete = labelled[["topic", "process"]].notna().all(axis=1)
    assert card["training_data"]["rows"] == int((before & complete).sum())
    assert set(card["classes"]["topic"]) <= set(labelled["topic"].dropna())


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_score_writes_input_columns_and_predictions(model_dir, tmp_path, suffix):
    out = tmp_path / f"scored{suffix}"
    invoke("score", SAMPLES, "--text-col", "text", "--model-dir", model_dir, "--out", out, "--chunksize", 64)
    source = pd.read_csv(SAMPLES)
    scored = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix](out)
    assert scored["id"].tolist() == source["id"].tolist()
    assert scored["text"].tolist() == source["text"].tolist()
    # true labels are kept beside the predictions under a non-clashing name
    assert scored["topic_input"].fillna("").tolist() == source["topic"].fillna("").tolist()
    estimator = ModelRegistry(model_dir).load().estimator
    expected = estimator.predict_table(source["text"].fillna("").astype(str).tolist())
    for head in ("topic", "process"):
        assert scored[head].tolist() == expected[head].tolist()
        assert scored[f"{head}_review"].astype(bool).tolist() == expected[f"{head}_review"].tolist()
        assert scored[f"{head}_proba"].between(0, 1).all()
    assert not out.with_name(out.name + ".partial").exists()


def test_score_bad_input_fails_clearly_without_output(model_dir, tmp_path):
    out = tmp_path / "scored.csv"
    args = ["score", SAMPLES, "--text-col", "нет_такой", "--model-dir", model_dir, "--out", out]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2
    assert "нет_такой" in result.output
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()


def test_score_with_dask_matches_local(model_dir, tmp_path):
    local, dask = tmp_path / "local.csv", tmp_path / "dask.csv"
    common = ["--text-col", "text", "--model-dir", model_dir, "--chunksize", "50"]
    invoke("score", SAMPLES, *common, "--out", local)
    invoke("score", SAMPLES, *common, "--out", dask, "--engine", "dask", "--workers", "2")
    pd.testing.assert_frame_equal(pd.read_csv(local), pd.read_csv(dask))


def test_score_on_a_running_cluster_matches_local(model_dir, tmp_path):
    """`--scheduler ADDR`: a cluster this command did not start (it may not share the disk) gets the model
    scattered and the blocks' bytes, and sends the parts back; the output is the local engine's."""
    from distributed import LocalCluster

    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    common = ["--text-col", "text", "--model-dir", model_dir, "--chunksize", "50"]
    invoke("score", SAMPLES, *common, "--out", local)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        invoke("score", SAMPLES, *common, "--out", remote, "--engine", "dask",
               "--scheduler", cluster.scheduler_address)  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(local), pd.read_csv(remote))
    assert not remote.with_name(remote.name + ".partial").exists()


def test_evaluate_writes_report(model_dir, tmp_path):
    out = tmp_path / "report.json"
    output = invoke(
        "evaluate", "--data", SAMPLES, "--text-col", "text", *HEADS, "--time-col", "created_at",
        "--since", "2025-10-01", "--model-dir", model_dir, "--out", out,
    )  # fmt: skip
    assert "macro-F1" in output
    assert json.loads(out.read_text(encoding="utf-8"))
    assert out.with_suffix(".md").read_text(encoding="utf-8").strip()


def test_retrain_compares_and_models_commands_move_the_champion(model_dir):
    registry = ModelRegistry(model_dir)
    champion = registry.champion_id()
    output = invoke("retrain", "--new", SAMPLES, "--since", "2025-10-01", "--model-dir", model_dir, "--force")
    assert "Δ macro-F1" in output
    challenger = registry.champion_id()
    assert challenger != champion
    card = registry.load().card
    assert card["parent"] == champion and len(card["training_data"]["sources"]) == 2
    listing = invoke("models", "list", "--model-dir", model_dir)
    assert challenger[:8] in listing
    invoke("models", "rollback", "--model-dir", model_dir)
    assert registry.champion_id() == champion
    invoke("models", "promote", challenger, "--model-dir", model_dir)
    assert registry.champion_id() == challenger
