"""Storage-side logic without a server: API keys, table rows → items, idempotent ingest on a temp SQLite."""

from __future__ import annotations

import threading
import time
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from service.auth import authenticate, create_key, hash_key, revoke_key
from service.db.models import ApiKey, Item, Label
from service.db.session import session_scope, upgrade_db
from service.store.item_rows import frame_to_items
from service.store.items import ingest_items, quarter_of


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'unit.db'}"
    upgrade_db(url)
    return url


def test_keys_are_stored_hashed_and_roles_are_ordered(db_url):
    with session_scope(db_url) as s:
        key = create_key(s, "analyst", name="Анна")
    with session_scope(db_url) as s:
        stored = s.scalars(select(ApiKey)).one()
        assert stored.key_hash == hash_key(key) and key not in (stored.key_hash, stored.prefix)
        who = authenticate(s, key)
        assert who is not None and who.allows("reader") and who.allows("analyst") and not who.allows("admin")
        assert authenticate(s, key + "x") is None
        assert revoke_key(s, stored.prefix) == 1
    with session_scope(db_url) as s:
        assert authenticate(s, key) is None
    with pytest.raises(ValueError, match="роль"), session_scope(db_url) as s:
        create_key(s, "superuser")


def test_quarter_of():
    assert [quarter_of(date(2025, m, 1)) for m in (1, 3, 4, 9, 10, 12)] == [
        "2025Q1",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2025Q4",
    ]


def test_table_rows_become_items_and_errors_name_row_and_column():
    survey = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2"],
            "answer": ["Очереди в МФЦ", None],
            "q10_speed": [2, 3],
            "nps": [4, 5],
            "quarter": ["2025Q1", "2025Q1"],
            "process": ["Жилищные услуги", "Жилищные услуги"],
        }
    )
    items = list(frame_to_items(survey, source="s"))
    assert len(items) == 1  # an empty answer is not an item
    assert items[0]["kind"] == "survey_answer" and items[0]["ratings"] == {"q10_speed": 2.0}
    assert items[0]["period"] == "2025Q1" and items[0]["nps"] == 4 and "labels" not in items[0]
    bad = pd.DataFrame({"id": ["A1", "A2"], "text": ["a", "b"], "created_at": ["2025-01-01", "вчера"]})
    with pytest.raises(ValueError, match=r"f\.csv, строка 2, колонка created_at"):
        list(frame_to_items(bad, source="s", where="f.csv"))
    with pytest.raises(ValueError, match="нет колонки с текстом"):
        list(frame_to_items(pd.DataFrame({"comment": ["x"]}), source="s"))


def test_ingest_is_idempotent_by_source_and_external_id(db_url):
    items = [
        {"text": "Звоните 8 900 123-45-67", "external_id": "1", "source": "a", "labels": {"topic": "ЖКХ"}},
        {"text": "Повтор в той же пачке", "external_id": "1", "source": "a"},
        {"text": "Другой источник", "external_id": "1", "source": "b"},
    ]
    with session_scope(db_url) as s:
        first = ingest_items(s, items)
    with session_scope(db_url) as s:
        again = ingest_items(s, items)
        rows = s.scalars(select(Item).order_by(Item.id)).all()
        labels = s.scalars(select(Label)).all()
    assert (first["created"], first["existing"]) == (2, 1)
    assert first["ids"][0] == first["ids"][1] != first["ids"][2]
    assert (again["created"], again["ids"]) == (0, first["ids"])
    assert len(rows) == 2 and "123-45-67" not in rows[0].text_masked and rows[0].text_raw is None
    assert [(label.head, label.value, label.source) for label in labels] == [("topic", "ЖКХ", "import")]


class _SlowModel:
    """A model that takes its time (as NER and classification of a long text do), until `go` is set."""

    model_id = "slow"

    def __init__(self) -> None:
        self.started, self.go = threading.Event(), threading.Event()

    def predict(self, texts: list[str]) -> list[dict]:
        self.started.set()
        self.go.wait(timeout=30)
        return [{"topic": {"label": "Дороги", "probability": 0.9, "review": False}} for _ in texts]


def test_one_items_classification_does_not_hold_up_other_writers(db_url):
    """Masking and classifying run before the write lock: under it, every writer of every worker queued
    behind one request's model, and a soak's pooled connections ran out."""
    slow = _SlowModel()

    def first() -> None:
        with session_scope(db_url) as s:
            ingest_items(s, [{"text": "Яма на дороге", "external_id": "a"}], slow)

    writer = threading.Thread(target=first)
    writer.start()
    try:
        assert slow.started.wait(timeout=30)
        t0 = time.monotonic()
        with session_scope(db_url) as s:  # another request's write while the first is being classified
            ingest_items(s, [{"text": "Мусор во дворе", "external_id": "b"}])
        assert time.monotonic() - t0 < 3, "the second write waited for the first one's model"
    finally:
        slow.go.set()
        writer.join(timeout=30)
    with session_scope(db_url) as s:
        assert sorted(s.scalars(select(Item.external_id))) == ["a", "b"]
