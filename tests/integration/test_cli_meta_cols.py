"""`--meta-col`: metadata columns written before the text are stored with the model and used by score/retrain.

The data make the point: every text occurs in every class, and only the district decides the label, so a
model that did not see the district could not do better than chance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("models.classify", reason="models.classify (CLASSIFY) is not there yet")

from models.registry import ModelRegistry  # noqa: E402
from service.cli import app  # noqa: E402

TEXTS = [
    "Прошу принять меры, ситуация повторяется каждую неделю.",
    "Обращаюсь повторно, ответа так и не получил.",
    "Жители дома просят разобраться и сообщить о результатах.",
    "Проблема не решается уже несколько месяцев.",
    "Просим проверить и устранить нарушение как можно скорее.",
]
AREAS = {"Выборгский район": "север", "Московский район": "юг", "Центральный район": "центр"}


def invoke(*args: str | Path | int) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result.output


def fail(*args: str | Path | int) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, f"{args}: {result.output}\n{result.exception!r}"
    return result.output


def labelled(path: Path, repeats: int, start: str) -> Path:
    rows = [
        {"text": text, "district": district, "area": area}
        for r in range(repeats)
        for text in TEXTS
        for district, area in AREAS.items()
    ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", [f"R-{i}" for i in range(len(frame))])
    frame["created_at"] = pd.date_range(start, periods=len(frame), freq="h").strftime("%Y-%m-%d %H:%M")
    # metadata without a text: not a labelled row (the text column itself is empty)
    extra = {"id": "R-empty", "text": "", "district": "Московский район", "area": "юг"}
    frame = pd.concat([frame, pd.DataFrame([{**extra, "created_at": start}])], ignore_index=True)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """(registry, training file): a champion trained with --meta-col district."""
    root = tmp_path_factory.mktemp("meta")
    data = labelled(root / "train.csv", repeats=8, start="2025-01-01")
    registry = root / "registry"
    output = invoke(
        "train", "--data", data, "--text-col", "text", "--head", "area", "--meta-col", "district",
        "--time-col", "created_at", "--model-dir", registry,
    )  # fmt: skip
    assert "district" in output
    return registry, data


def test_train_stores_meta_columns_in_the_card(trained):
    registry, data = trained
    card = ModelRegistry(registry).load().card
    assert card["input"] == {"text_col": "text", "meta_cols": ["district"]}
    assert card["training_data"]["sources"][0]["meta_cols"] == ["district"]
    # the row with metadata but an empty text is not training data
    assert card["training_data"]["rows"] == len(pd.read_csv(data)) - 1


def test_score_composes_meta_columns_and_labels_follow_them(trained, tmp_path):
    registry, _ = trained
    rows = [{"id": f"S-{i}", "text": t, "district": d} for i, (t, d) in enumerate(
        (t, d) for d in reversed(list(AREAS)) for t in TEXTS
    )]  # fmt: skip
    source = tmp_path / "new.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    invoke("score", source, "--text-col", "text", "--model-dir", registry, "--out", out, "--chunksize", 4)
    scored = pd.read_csv(out)
    expected = pd.read_csv(source)
    assert scored[["id", "text", "district"]].equals(expected)  # input columns unchanged
    assert scored["area"].tolist() == [AREAS[d] for d in expected["district"]]
    assert {"area_proba", "area_review"} <= set(scored.columns)

    # other column names in the file: --meta-col maps them, in pool workers too
    renamed = tmp_path / "renamed.csv"
    expected.rename(columns={"district": "Район"}).to_csv(renamed, index=False)
    out2 = tmp_path / "scored2.csv"
    invoke(
        "score", renamed, "--text-col", "text", "--model-dir", registry, "--out", out2,
        "--meta-col", "Район", "--workers", 2, "--chunksize", 5,
    )  # fmt: skip
    assert pd.read_csv(out2)["area"].tolist() == scored["area"].tolist()


def test_score_without_the_meta_column_fails_naming_it(trained, tmp_path):
    registry, _ = trained
    source = tmp_path / "plain.csv"
    pd.DataFrame({"text": TEXTS, "округ": "x"}).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    output = fail("score", source, "--text-col", "text", "--model-dir", registry, "--out", out)
    assert "district" in output and "метаданными" in output and "округ" in output
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
    output = fail(
        "score", source, "--text-col", "text", "--model-dir", registry, "--out", out,
        "--meta-col", "округ", "--meta-col", "text",
    )  # fmt: skip
    assert "--meta-col" in output and "district" in output


def test_evaluate_uses_the_models_meta_columns(trained, tmp_path):
    registry, data = trained
    report = tmp_path / "report.json"
    invoke("evaluate", "--data", data, "--text-col", "text", "--head", "area", "--model-dir", registry,
           "--out", report)  # fmt: skip
    assert json.loads(report.read_text(encoding="utf-8"))["heads"]["area"]["all"]["accuracy"] == 1.0


def test_evaluate_splits_off_train_duplicates_by_the_text_alone(trained, tmp_path):
    """All evaluation texts but one occur in the training file. The district is changed everywhere, so the
    model input (district + text) matches for a third of the rows only: duplicates are judged on the text."""
    registry, data = trained
    fresh = pd.read_csv(data)
    fresh["district"] = "Московский район"
    fresh.loc[0, "text"] = "Совсем новый текст, которого не было в обучении."
    fresh_path = tmp_path / "fresh.csv"
    fresh.to_csv(fresh_path, index=False)
    report = tmp_path / "report.json"
    invoke("evaluate", "--data", fresh_path, "--text-col", "text", "--head", "area", "--model-dir", registry,
           "--out", report, "--train-data", data)  # fmt: skip
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["n_train_duplicates"] == result["n"] - 1
    assert result["heads"]["area"]["no_train_duplicates"]["n"] == 1
    refused = fail("evaluate", "--data", data, "--text-col", "text", "--head", "area",
                   "--model-dir", registry, "--train-data", data)  # fmt: skip
    assert "--out" in refused


def test_api_model_with_meta_columns_takes_plain_texts(trained):
    from service.modelling.serving import ServedModel

    loaded = ModelRegistry(trained[0]).load()
    served = ServedModel(loaded.model_id, loaded.estimator, loaded.card)
    answers = served.predict(["Выборгский район. " + TEXTS[0], TEXTS[1]])
    assert answers[0]["area"]["label"] == "север"
    assert set(answers[1]["area"]) == {"label", "probability", "review"}


def test_retrain_keeps_the_champions_meta_columns(trained, tmp_path):
    registry, _ = trained
    champion = ModelRegistry(registry).champion_id()
    new = labelled(tmp_path / "next.csv", repeats=4, start="2025-04-01")
    invoke("retrain", "--new", new, "--model-dir", registry, "--force")
    card = ModelRegistry(registry).load().card
    assert card["parent"] == champion
    assert card["input"]["meta_cols"] == ["district"]
    assert [s["meta_cols"] for s in card["training_data"]["sources"]] == [["district"], ["district"]]
    source = tmp_path / "check.csv"
    pd.DataFrame({"text": [TEXTS[2]] * 3, "district": list(AREAS)}).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    invoke("score", source, "--text-col", "text", "--model-dir", registry, "--out", out)
    assert pd.read_csv(out)["area"].tolist() == list(AREAS.values())
