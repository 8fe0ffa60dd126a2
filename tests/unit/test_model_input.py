"""Metadata columns as model input: composition, the card field, and what scoring hands the estimator."""

from __future__ import annotations

import functools
import pickle

import numpy as np
import pandas as pd
import pytest

from models.model_input import (
    MetaColumnsError,
    card_meta_cols,
    compose_text,
    input_card,
    resolve_meta_cols,
)


def test_compose_text_writes_meta_before_text_and_skips_empty_values():
    text = pd.Series(["Яма на дороге", "Нет света", "Мусор", "Шум"], index=[10, 11, 12, 13])
    objects = pd.Series(["Дорога", "  ", np.nan, " Двор "], index=[10, 11, 12, 13])
    districts = pd.Series(["Невский район", "Выборгский район", "", None], index=[10, 11, 12, 13])
    got = compose_text(text, [objects, districts])
    assert got.tolist() == [
        "Дорога. Невский район. Яма на дороге",
        "Выборгский район. Нет света",
        "Мусор",  # no metadata at all: exactly the plain text
        "Двор. Шум",
    ]
    assert got.index.tolist() == [10, 11, 12, 13]


def test_compose_text_without_meta_is_the_plain_text():
    text = pd.Series(["Яма", None, "Мусор"])
    assert compose_text(text).tolist() == ["Яма", "", "Мусор"]
    assert compose_text(text, []).tolist() == ["Яма", "", "Мусор"]


def test_compose_text_refuses_columns_of_another_length():
    with pytest.raises(ValueError):
        compose_text(pd.Series(["a", "b"]), [pd.Series(["x"])])


def test_card_without_input_means_no_meta_columns():
    assert card_meta_cols({"id": "old"}) == []
    assert card_meta_cols({"input": {"text_col": "text"}}) == []
    card = {"id": "m", "input": input_card("text", ["city_object", "district"])}
    assert card["input"] == {"text_col": "text", "meta_cols": ["city_object", "district"]}
    assert card_meta_cols(card) == ["city_object", "district"]


def test_resolve_meta_cols_overrides_names_in_order_and_checks_the_count():
    card = {"id": "m", "input": input_card("text", ["city_object", "district"])}
    assert resolve_meta_cols(card, None) == ["city_object", "district"]
    assert resolve_meta_cols(card, ["объект", "район"]) == ["объект", "район"]
    with pytest.raises(MetaColumnsError, match="city_object, district"):
        resolve_meta_cols(card, ["район"])
    with pytest.raises(MetaColumnsError, match="без столбцов метаданных"):
        resolve_meta_cols({"id": "plain"}, ["район"])
    assert resolve_meta_cols({"id": "plain"}, None) == []


class _Recorder:
    """An estimator that answers its input back, so a test sees what the model was given."""

    heads_ = ["topic"]

    def predict_table(self, texts):
        return pd.DataFrame({"topic": list(texts), "topic_proba": 1.0, "topic_review": False})


def test_score_frame_composes_meta_and_keeps_input_columns():
    from service.scoring.batch import score_frame

    df = pd.DataFrame({"text": ["Яма", "Мусор"], "district": ["Невский район", ""], "id": ["a", "b"]})
    scored = score_frame(_Recorder(), df, "text", ["district"])
    assert scored["topic"].tolist() == ["Невский район. Яма", "Мусор"]
    assert scored[["text", "district", "id"]].equals(df)  # input columns unchanged
    plain = score_frame(_Recorder(), df, "text")
    assert plain["topic"].tolist() == ["Яма", "Мусор"]


def test_score_part_with_bound_meta_columns_pickles_and_keeps_the_runner_signature():
    from service.scoring.batch import score_part

    part = functools.partial(score_part, meta_cols=("district",))
    restored = pickle.loads(pickle.dumps(part))  # what pool/Dask workers receive
    chunk = pd.DataFrame({"text": ["Яма"], "district": ["Невский район"]})
    rows, data = restored(_Recorder(), chunk, "text", 0, ".csv")  # runners call it positionally
    assert rows == 1
    assert "Невский район. Яма" in data.decode("utf-8-sig")
