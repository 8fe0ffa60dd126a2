"""The quality mode of the classifier's features: e5 vectors beside the TF-IDF views (`--semantic`)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from models.classify import MultiHeadClassifier
from models.features import TextFeatures
from tests.unit.test_classify import make_data


def test_semantic_mode_adds_the_e5_columns_and_every_path_agrees():
    # The gain itself is measured on real data (bench/new_city.py); here: the columns, and batch, single-text
    # and pickled paths giving the same answer.
    texts, y = make_data(12, seed=3)
    model = MultiHeadClassifier(
        hierarchy=("category", "reason"), validate_taxonomy=False, features=TextFeatures(semantic_weight=1.0)
    ).fit(texts, y[["category", "reason"]])
    plain = MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False).fit(
        texts, y[["category", "reason"]]
    )
    assert model.features_.n_features_ == plain.features_.n_features_ + 384
    unseen = ["Во дворе навалили горы хлама и отходов", "Подъёмник в доме опять встал между этажами"]
    table = model.predict_table(unseen)
    assert table["reason"].tolist() == ["Мусор во дворе", "Лифт не работает"], table
    assert not np.allclose(table["reason_proba"], plain.predict_table(unseen)["reason_proba"])
    again = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(again.predict_table(unseen), table)
    for i, text in enumerate(unseen):
        one = model.predict_one(text)
        assert one["reason"] == table["reason"][i]
        assert np.isclose(one["reason_proba"], table["reason_proba"][i], atol=1e-5)


def test_training_in_the_quality_mode_shows_the_e5_vectors_advance(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINMAP_CACHE_DIR", str(tmp_path))  # an empty cache: every text is embedded
    texts, y = make_data(6, seed=5)
    seen: list[tuple[str, int, int]] = []
    MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False,
                        features=TextFeatures(semantic_weight=1.0)
                        ).fit(texts, y[["category", "reason"]], progress=lambda *a: seen.append(a))
    e5 = [(done, total) for stage, done, total in seen if stage == "Смысловые векторы (e5)"]
    assert e5 and e5[-1][0] == e5[-1][1] == len(set(texts)), seen
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages.index("Предобработка") < stages.index("Смысловые векторы (e5)") < stages.index(
        "Обучение (category, reason)")
