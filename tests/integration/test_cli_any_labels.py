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
    assert "режим качества (--semantic)" in out  # a small training set is pointed to the quality mode
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


def test_a_partly_labelled_file_trains_on_its_labelled_rows_and_says_how_many_it_left(other_city, tmp_path):
    frame = pd.read_csv(other_city)
    frame.loc[frame.index[:7], "city_topic"] = ""  # an analyst labelled the rest
    frame.loc[frame.index[7:9], "city_topic"] = "   "
    path = tmp_path / "partly.csv"
    frame.to_csv(path, index=False)
    code, out = run("train", "--data", path, "--text-col", "text", "--head", "topic=city_topic",
                    "--model-dir", tmp_path / "reg")  # fmt: skip
    assert code == 0, out
    assert "Строк без текста или без метки: 9 — в обучение не идут." in out, out
    assert ModelRegistry(tmp_path / "reg").load().card["training_data"]["rows"] == len(frame) - 9


def test_one_label_for_every_row_is_refused_with_what_to_do(tmp_path):
    frame = pd.read_csv(SAMPLES).assign(one="Благоустройство")
    path = tmp_path / "one.csv"
    frame.to_csv(path, index=False)
    code, out = run("train", "--data", path, "--text-col", "text", "--head", "topic=one",
                    "--model-dir", tmp_path)  # fmt: skip
    assert code == 2
    assert "у всех строк одна метка ('Благоустройство')" in out and "добавьте размеченные тексты" in out, out
    assert "Traceback" not in out


def test_min_examples_above_every_label_says_to_lower_it(other_city, tmp_path):
    code, out = run("train", "--data", other_city, "--text-col", "text", "--head", "topic=city_topic",
                    "--min-examples", "100000", "--model-dir", tmp_path)  # fmt: skip
    assert code == 2
    assert "выучить нечего" in out and "уменьшите --min-examples" in out, out


def test_evaluate_names_the_heads_a_model_has_when_asked_for_another(other_city, tmp_path):
    code, out = run("train", "--data", other_city, "--text-col", "text", "--head", "topic=city_topic",
                    "--model-dir", tmp_path)  # fmt: skip
    assert code == 0, out
    code, out = run("evaluate", "--data", other_city, "--text-col", "text", "--head", "тема=city_topic",
                    "--model-dir", tmp_path)  # fmt: skip
    assert code == 2 and "Traceback" not in out
    assert "не знает голов 'тема': её головы — topic" in out, out
