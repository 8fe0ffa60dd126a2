"""The server's model holder: a champion promoted by another worker is loaded beside the serving one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from models.registry import ModelRegistry
from service.modelling.serving import ModelHolder

TEXTS = ["Мусор во дворе", "Не вывозят мусор", "Яма на дороге", "Разбитый асфальт"]
TOPICS = ["мусор", "мусор", "дороги", "дороги"]


def _model():
    return make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)), LogisticRegression()).fit(
        TEXTS, TOPICS
    )


def test_a_request_during_a_promoted_models_load_is_served_by_the_old_one(tmp_path: Path):
    registry = ModelRegistry(tmp_path / "models")
    first, second = registry.save(_model()), registry.save(_model())
    registry.promote(first)
    holder = ModelHolder(tmp_path / "models", recheck_seconds=0.0)
    assert holder.load().model_id == first
    registry.promote(second)  # as another worker does

    served: list = []
    with holder._lock:  # a load under way (a big model takes seconds): requests must not wait for it
        request = threading.Thread(target=lambda: served.append(holder.get()))
        request.start()
        request.join(timeout=5)
        assert not request.is_alive(), "the request waited for the new model's load"
    assert served[0].model_id == first

    deadline = time.monotonic() + 10
    while holder.get().model_id != second and time.monotonic() < deadline:
        time.sleep(0.05)
    assert holder.get().model_id == second
