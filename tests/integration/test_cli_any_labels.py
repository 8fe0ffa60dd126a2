"""`painmap train --head topic=<any column>` on labels no taxonomy knows, labels too rare to learn, a team's
own taxonomy, and `evaluate` naming the labels a model never saw (real modules, data/samples/appeals.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.rare_labels import RARE_LABEL
from models.registry import ModelRegistry
from service.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples" / "appeals.csv"


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def other_city(tmp_path_factory) -> Path:
    """The samples relabelled as another city would: its own topic names under the head name «topic», two of
    them given to 2 appeals only."""
    frame = pd.read_csv(SAMPLES)
    names = {t: f"Тема города N: {t.lower()}" for t in frame["topic"].unique()}
    frame["city_topic"] = frame["topic"].map(names)
    rare = frame.index[frame["topic"] == "Торговля и реклама"][:2]
    frame.loc[rare, "city_topic"] = "Редкая тема А"
    rarer = frame.index[frame["topic"] == "Социальная сфера"][:2]
    frame.loc[rarer, "city_topic"] = "Редкая тема Б"
    path = tmp_path_factory.mktemp("city") / "city.csv"
    frame.to_csv(path, index=False)
    return path


def test_any_label_column_trains_and_its_rare_labels_go_to_review(other_city, tmp_path):
    code, out = run("train", "--data", other_city, "--text-col", "text", "--head", "topic=city_topic",
                    "--model-dir", tmp_path)  # fmt: skip
    assert code == 0, out
    assert "Предобработка" in out and "Обучение (topic)" in out  # the stages were shown
    assert "2 меток с меньше чем 3 примерами" in out and "«Редкая тема А»" in out, out
    card = ModelRegistry(tmp_path).load().card
    assert card["taxonomy"]["topic"]["source"] == "метки из обучающих данных"
    assert card["unlearned_labels"] == {"topic": ["Редкая тема А", "Редкая тема Б"]}
    assert RARE_LABEL in card["classes"]["topic"]
    assert "Редкая тема А" not in card["classes"]["topic"]

    code, out = run("evaluate", "--data", other_city, "--text-col", "text", "--head", "topic=city_topic",
                    "--model-dir", tmp_path)  # fmt: skip
    assert code == 0, out
    assert "2 меток (4 строк) модель не знает" in out, out


def test_a_head_that_mostly_matches_the_taxonomy_is_still_checked(tmp_path):
    frame = pd.read_csv(SAMPLES)
    frame.loc[:4, "topic"] = "ЖКХ!"  # a typo in five rows of otherwise known topics
    path = tmp_path / "typo.csv"
    frame.to_csv(path, index=False)
    out_dir = tmp_path / "m"
    code, out = run("train", "--data", path, "--text-col", "text", "--head", "topic", "--model-dir", out_dir)
    assert code == 2, out
    assert "меток нет в таксономии" in out and "'ЖКХ!'" in out and "--taxonomy" in out, out
    assert not out_dir.exists() or not ModelRegistry(out_dir).ids()


def test_a_named_taxonomy_is_enforced_strictly(other_city, tmp_path):
    labels = tmp_path / "topics.yaml"
    labels.write_text("topic:\n  - Тема города N: жкх\n", encoding="utf-8")
    code, out = run("train", "--data", other_city, "--text-col", "text", "--head", "topic=city_topic",
                    "--taxonomy", labels, "--model-dir", tmp_path / "m")  # fmt: skip
    assert code == 2, out
    assert "topics.yaml" in out and "Редкая тема А" in out, out
