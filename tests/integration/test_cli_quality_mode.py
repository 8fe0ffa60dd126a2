"""The quality mode end to end: `painmap train --semantic` saves a bundle with the e5 columns and the
neighbour vote, and `painmap score` (two worker processes, the bundle loaded from the registry) labels a file
exactly as the estimator does in this process (real modules, data/samples/appeals.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.registry import ModelRegistry
from tests.integration.test_cli_any_labels import SAMPLES, run


def test_train_semantic_then_score_in_workers_agrees_with_the_estimator(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINMAP_CACHE_DIR", str(tmp_path / "cache"))
    code, out = run("train", "--data", SAMPLES, "--text-col", "text", "--head", "topic=topic", "--semantic",
                    "--model-dir", tmp_path / "reg")  # fmt: skip
    assert code == 0, out
    assert "Смысловые векторы (e5)" in out and "режим качества (--semantic)" not in out, out
    estimator = ModelRegistry(tmp_path / "reg").load().estimator
    assert estimator.features_.semantic_weight > 0 and estimator.neighbours_ is not None
    assert estimator.neighbours_.vectors.dtype == np.float16

    frame = pd.read_csv(SAMPLES).head(60)
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, out = run("score", tmp_path / "in.csv", "--text-col", "text", "--model-dir", tmp_path / "reg",
                    "--out", tmp_path / "out.csv", "--workers", "2", "--chunksize", "25")  # fmt: skip
    assert code == 0, out
    scored = pd.read_csv(tmp_path / "out.csv")
    expected = estimator.predict_table(frame["text"].tolist())
    assert scored["topic"].tolist() == expected["topic"].tolist()
    np.testing.assert_allclose(scored["topic_proba"], expected["topic_proba"], atol=1e-4)
