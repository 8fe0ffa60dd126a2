"""Uploads name their columns: a real export whose text column is «Текст обращения» is refused with a next
step without `text_col`, and stored with it (id, date and channel columns named too)."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from service.store.item_rows import frame_to_items

pytestmark = pytest.mark.integration

EXPORT = (
    "Номер;Дата поступления;Канал поступления;Текст обращения;text\n"
    "101;03.04.2025 10:15;Госуслуги;Во дворе не вывозят мусор третью неделю;служебная пометка\n"
    "102;04.04.2025 11:00;Телефон;Не работает уличное освещение на Садовой;служебная пометка\n"
)


def test_upload_names_its_text_id_date_and_channel_columns(server):
    source = f"export-{uuid.uuid4().hex[:8]}"
    files = {"file": ("export.csv", EXPORT.encode("utf-8"))}
    with server.client("analyst") as c:
        guessed = c.post("/v1/items/upload", files=files, data={"source": source})
        wrong = c.post("/v1/items/upload", files=files, data={"source": source, "text_col": "Текст жалобы"})
        named = c.post(
            "/v1/items/upload",
            files=files,
            data={
                "source": source,
                "text_col": "текст обращения",  # case is forgiven, as in every reader
                "id_col": "Номер",
                "date_col": "Дата поступления",
                "channel_col": "Канал поступления",
            },
        )
        stored = c.get("/v1/items", params={"source": source}).json()["items"]
    # Without the choice the file's own «text» column (a service note) would be taken: it is, and it is the
    # wrong text, which is why the choice exists; a named column that is not there is a 422 listing columns.
    assert guessed.status_code == 200
    assert wrong.status_code == 422 and "Текст обращения" in wrong.json()["detail"]
    assert named.status_code == 200, named.text
    assert named.json()["created"] == 2
    by_id = {i["external_id"]: i for i in stored if i["external_id"] in ("101", "102")}
    assert by_id["101"]["text_masked"] == "Во дворе не вывозят мусор третью неделю"
    assert by_id["102"]["channel"] == "Телефон"
    assert by_id["101"]["created_at"].startswith("2025-04-03T10:15")


def test_without_a_text_column_the_error_says_how_to_name_it():
    frame = pd.DataFrame({"Текст обращения": ["Яма на дороге"], "Номер": ["1"]})
    with pytest.raises(ValueError, match="укажите её явно"):
        list(frame_to_items(frame, source="t"))
    items = list(frame_to_items(frame, source="t", chosen={"text": "Текст обращения", "id": "Номер"}))
    assert items[0]["text"] == "Яма на дороге" and items[0]["external_id"] == "1"
    assert items[0]["kind"] == "appeal"


def test_a_large_upload_is_a_job_stored_whole(server):
    from tests.integration.conftest import wait_job

    source = f"big-{uuid.uuid4().hex[:8]}"
    rows = ["id,text"] + [f"{i},Не вывозят мусор во дворе дома {i}" for i in range(5_200)]
    files = {"file": ("big.csv", "\n".join(rows).encode("utf-8"))}
    repeated = "\n".join(["id,text", "1,яма", "1,яма ещё"]).encode("utf-8")
    with server.client("analyst") as c:
        accepted = c.post("/v1/items/upload", files=files, data={"source": source})
        assert accepted.status_code == 202, accepted.text
        assert accepted.headers["location"] == f"/v1/jobs/{accepted.json()['id']}"
        done = wait_job(c, accepted.json()["id"], timeout=300)
        stored = c.get("/v1/items", params={"source": source, "limit": 1}).json()
        bad = c.post("/v1/items/upload", files={"file": ("r.csv", repeated)}, data={"source": source + "r"})
    assert done["status"] == "done", done["error"]
    assert done["result"]["created"] == 5_200 and done["result"]["name"] == "big.csv"
    assert stored["total"] == 5_200
    assert bad.status_code == 422 and "повторяется" in bad.json()["detail"]  # checked before any job
