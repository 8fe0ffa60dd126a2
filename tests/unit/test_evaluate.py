"""models.evaluate against sklearn's metrics and small hand-checked cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from models.classify import MultiHeadClassifier
from models.evaluate import (
    coverage_at_precision,
    duplicate_key,
    evaluate_head,
    evaluation_report,
    write_report,
)

Y_TRUE = ["a", "a", "b", "b", "c", "c", "c", "a"]
Y_PRED = ["a", "b", "b", "b", "c", "a", "c", "a"]


def test_head_scores_match_sklearn():
    m = evaluate_head(Y_TRUE, Y_PRED)
    assert m["accuracy"] == pytest.approx(accuracy_score(Y_TRUE, Y_PRED))
    assert m["macro_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="macro"))
    assert m["weighted_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="weighted"))
    assert m["per_class"]["c"]["support"] == 3
    assert m["per_class"]["b"]["recall"] == 1.0


def test_most_confused_pairs_are_counted():
    m = evaluate_head(["a", "a", "a", "b"], ["b", "b", "a", "a"])
    assert m["most_confused"][0] == {"true": "a", "pred": "b", "count": 2}


def test_coverage_and_abstention_figures():
    proba = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, False, True])
    assert coverage_at_precision(proba, correct, 0.99) == 0.5
    assert coverage_at_precision(proba, correct, 0.7) == 1.0
    review = [False, False, True, True]
    m = evaluate_head(["a", "b", "c", "d"], ["a", "b", "x", "d"], proba=proba, review=review)
    assert m["coverage"] == 0.5 and m["precision_accepted"] == 1.0


def test_duplicate_key_ignores_case_and_spacing():
    assert duplicate_key("  Снег  на\nдороге ") == duplicate_key("снег на дороге")
    assert duplicate_key(None) == ""


def test_report_splits_train_duplicates_and_writes_files(tmp_path):
    import pandas as pd

    texts = ["яма на дороге", "снег во дворе", "яма у дома", "сугроб снег"] * 10
    y = pd.DataFrame({"kind": ["яма", "снег", "яма", "снег"] * 10})
    model = MultiHeadClassifier(validate_taxonomy=False).fit(texts, y)
    test_texts = ["Яма  на дороге", "новый снег"]
    report = evaluation_report(model, test_texts, pd.DataFrame({"kind": ["яма", "снег"]}), train_texts=texts)
    assert report["n_train_duplicates"] == 1
    assert report["heads"]["kind"]["no_train_duplicates"]["n"] == 1
    write_report(report, tmp_path / "r.json", tmp_path / "r.md")
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["n"] == 2
    assert "| kind | all |" in (tmp_path / "r.md").read_text("utf-8")


def test_duplicates_can_be_judged_on_the_raw_text_when_the_input_carries_metadata():
    import pandas as pd

    from models.evaluate import evaluation_report

    class Echo:  # predicts the label written after «|» in the input
        heads_ = ["topic"]

        def predict_table(self, texts):
            labels = [t.split("|")[1] for t in texts]
            return pd.DataFrame({"topic": labels, "topic_proba": 0.9, "topic_review": False})

    texts = ["Двор|мусор", "Улица|яма"]
    y = pd.DataFrame({"topic": ["мусор", "яма"]})
    plain = evaluation_report(Echo(), texts, y, train_texts=["мусор во дворе"], target_precision=0.9)
    raw = evaluation_report(Echo(), texts, y, train_texts=["мусор во дворе"], target_precision=0.9,
                            duplicate_texts=["Мусор во  дворе", "яма"])
    assert plain["n_train_duplicates"] == 0
    assert raw["n_train_duplicates"] == 1
    assert raw["heads"]["topic"]["no_train_duplicates"]["n"] == 1
