"""Labels too rare to learn: pooled per head, backed off to their parent in a hierarchy, always reviewed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.classify import MultiHeadClassifier
from models.rare_labels import RARE_LABEL, pool_rare
from tests.unit.test_classify import make_data


def test_a_rare_reason_backs_off_to_its_category_and_a_rare_category_pools_its_reasons():
    y = pd.DataFrame({
        "category": ["Дороги"] * 6 + ["Дом"] * 2,
        "reason": ["Яма"] * 5 + ["Люк"] + ["Лифт"] * 2,
        "urgent": ["да"] * 7 + ["нет"],
    })
    pooled, names = pool_rare(y, ("category", "reason"), min_examples=3)
    assert pooled["category"].tolist() == ["Дороги"] * 6 + [RARE_LABEL] * 2
    assert pooled["reason"].tolist() == ["Яма"] * 5 + [RARE_LABEL] * 3
    assert names == {"category": ["Дом"], "reason": ["Лифт", "Люк"], "urgent": ["нет"]}
    assert pool_rare(y, ("category", "reason"), min_examples=1)[1] == {}


def test_a_rare_reason_is_never_guessed_but_its_category_still_is():
    texts, y = make_data(30)
    playground = y["reason"].to_numpy() == "Мусор на детской площадке"
    rows = np.sort(np.concatenate([np.flatnonzero(~playground), np.flatnonzero(playground)[:2]]))
    texts, y = [texts[i] for i in rows], y.iloc[rows].reset_index(drop=True)
    model = MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False).fit(
        texts, y[["category", "reason"]]
    )
    assert model.unlearned_ == {"reason": ["Мусор на детской площадке"]}
    table = model.predict_table(["мусор площадка детский горка песочница"] * 2)
    assert (table["reason"] == RARE_LABEL).all() and table["reason_review"].all()
    assert (table["category"] == "Двор").all()


def test_the_holdout_macro_f1_leaves_the_pool_out_as_evaluation_does():
    from types import SimpleNamespace

    from service.modelling.training import holdout_metrics

    # rows: true class; columns: predicted. Class 1 is the pool: its rows are never right (always reviewed).
    confusion = np.array([[8, 2, 0], [0, 0, 4], [0, 0, 6]])
    model = SimpleNamespace(classes_={"topic": np.array(["Мусор", RARE_LABEL, "Свет"])},
                            holdout_stats_={"topic": {"confusion": confusion}})
    m = holdout_metrics(model)["topic"]
    f1_mus, f1_svet = 2 * 8 / (8 + 10), 2 * 6 / (10 + 6)  # 2·TP / (predicted + true)
    assert m["macro_f1"] == pytest.approx((f1_mus + f1_svet) / 2)
    assert m["accuracy"] == pytest.approx(14 / 20) and m["rows"] == 20
