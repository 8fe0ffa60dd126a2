"""The team-written samples in data/samples/: their shape, labels, learnability and the seeded generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from service.tables.io import read_table

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


def test_sample_appeals_shape_and_labels() -> None:
    df = read_table(SAMPLES / "appeals.csv", text_col="text",
                    required=("id", "channel", "created_at", "answered_at", "satisfied", "topic", "process"))
    processes = {p["name"] for p in yaml.safe_load((ROOT / "data/taxonomy/processes.yaml").read_text("utf-8"))
                 ["processes"]}
    roll_up = yaml.safe_load((ROOT / "data/taxonomy/sample_topics.yaml").read_text("utf-8"))["processes"]
    counts = df["process"].value_counts()
    assert set(counts.index) == processes and counts.min() >= 8
    assert (df["topic"] == df["process"].map(roll_up)).all()
    assert df["id"].is_unique and set(df["satisfied"]) == {"yes", "no", "unknown"}
    quarters = pd.to_datetime(df["created_at"]).dt.to_period("Q").astype(str)
    assert set(quarters) == {"2025Q1", "2025Q2", "2025Q3", "2025Q4"}
    answered = df["answered_at"] != ""
    created, replied = (pd.to_datetime(df.loc[answered, c]) for c in ("created_at", "answered_at"))
    assert (replied > created).all()
    assert 0 < (~answered).mean() < 0.5


def test_sample_survey_shape() -> None:
    df = read_table(SAMPLES / "survey_answers.csv", text_col="answer", required=("service", "process", "nps"))
    ratings = df.filter(like="q10_").astype(int)
    assert ratings.shape[1] == 5 and ratings.isin(range(1, 6)).all().all()
    assert df["nps"].astype(int).between(1, 10).all()
    assert {"Проблем не было", "-", "нет"} & set(df["answer"])
    quarters = pd.to_datetime(df["created_at"]).dt.to_period("Q").astype(str)
    assert (quarters == df["quarter"]).all()


def test_sample_process_is_learnable_from_text() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    df = read_table(SAMPLES / "appeals.csv")
    x_train, x_test, y_train, y_test = train_test_split(df["text"], df["process"], test_size=0.3,
                                                        stratify=df["process"], random_state=0)
    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)), LinearSVC())
    assert model.fit(x_train, y_train).score(x_test, y_test) >= 0.6


def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts/make_samples.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("appeals.csv", "survey_answers.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
