"""The HTTP API end to end: a real `painmap serve` process, httpx, SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl
import pytest
import yaml

from service.store.painmap import SEED_COLUMNS
from tests.integration.conftest import wait_job

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PROCESSES = {
    p["name"] for p in yaml.safe_load((REPO / "data/taxonomy/processes.yaml").read_text())["processes"]
}


def test_health_ready_and_metrics_need_no_key(server):
    with server.client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        metrics = c.get("/metrics")
        assert metrics.status_code == 200
        assert 'painmap_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text


def test_writes_need_a_strong_enough_key(server):
    body = {"items": [{"text": "Не вывозят мусор", "external_id": uuid.uuid4().hex}]}
    with server.client() as anon:
        assert anon.post("/v1/items", json=body).status_code == 401
        assert anon.get("/v1/items").status_code == 401
        assert anon.post("/v1/items", json=body, headers={"X-API-Key": "pm_wrong"}).status_code == 401
    with server.client("reader") as reader:
        assert reader.get("/v1/items").status_code == 200
        refused = reader.post("/v1/items", json=body)
        assert refused.status_code == 403
        assert "analyst" in refused.json()["detail"]
    with server.client("analyst") as analyst:
        assert analyst.post("/v1/items", json=body).status_code == 200
        assert analyst.post("/v1/models", json={"model_id": "x"}).status_code == 403


def test_classify_labels_from_taxonomy_and_masks_phones(server):
    texts = ["Во дворе не убран снег, звоните 8 900 123-45-67", "Не вывозят мусор с контейнерной площадки"]
    with server.client("reader") as c:
        r = c.post("/v1/classify", json={"texts": texts})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["results"]) == 2
    first = body["results"][0]
    assert "123-45-67" not in first["masked_text"]
    assert {"topic", "process"} <= set(first["heads"])
    for result in body["results"]:
        head = result["heads"]["process"]
        assert head["label"] is None or head["label"] in PROCESSES
        assert head["probability"] is None or 0.0 <= head["probability"] <= 1.0


def test_classify_and_preprocess_mask_names_the_same_way_as_storage(server):
    text = "<p>пишет сергеева ольга, тел 8 921 765 43 21. Дата рождения 03.07.1961. Ёлки во дворе!</p>"
    with server.client("reader") as c:
        classified = c.post("/v1/classify", json={"texts": [text]})
        preprocessed = c.post("/v1/preprocess", json={"texts": [text]})
    assert classified.status_code == 200, classified.text
    assert preprocessed.status_code == 200, preprocessed.text
    masked = classified.json()["results"][0]["masked_text"]
    assert masked == "пишет [ФИО], тел [ТЕЛЕФОН]. Дата рождения [ДАТА РОЖДЕНИЯ]. Ёлки во дворе!"
    doc = preprocessed.json()["docs"][0]
    assert doc["masked_text"] == masked
    assert not {"сергеев", "сергеева", "ольга"} & set(doc["lemmas"]), doc["lemmas"]


def test_each_text_has_a_length_limit_and_a_chunked_body_too(server):
    import httpx

    long_text = "а" * 100_001
    with server.client("reader") as c:
        for route in ("/v1/classify", "/v1/preprocess"):
            refused = c.post(route, json={"texts": ["короткий", long_text]})
            assert refused.status_code == 422, (route, refused.text[:300])
            error = refused.json()["detail"][0]
            assert error["loc"][-1] == 1 and "100000" in error["msg"], error
        assert c.get("/healthz").status_code == 200

    def chunks():
        piece = b'{"texts": ["' + b"x" * 1024 * 1024
        yield piece
        for _ in range(3):
            yield b"x" * 1024 * 1024
        yield b'"]}'

    with httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys["reader"]}, timeout=60) as c:
        streamed = c.post("/v1/classify", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text[:300]


def test_limits_answer_with_the_limit(server):
    with server.client("reader") as c:
        too_many = c.post("/v1/classify", json={"texts": ["x"] * 1001})
        assert too_many.status_code == 422
        assert "1000" in too_many.text
        assert c.post("/v1/classify", json={"texts": []}).status_code == 422
        huge = c.post("/v1/classify", json={"texts": ["а" * 1024 * 1024] * 3})
        assert huge.status_code == 413
        assert str(2 * 1024 * 1024) in huge.json()["detail"]


def test_items_are_idempotent_masked_and_classified(server):
    source = f"test-{uuid.uuid4().hex[:8]}"
    items = [
        {
            "text": "Третью неделю нет горячей воды, телефон 8 912 345-67-89",
            "external_id": "1",
            "source": source,
            "created_at": "2025-02-03T10:00:00+03:00",
            "channel": "портал",
        },
        {"text": "Яма на дороге у школы", "external_id": "2", "source": source, "created_at": "2025-05-01"},
    ]
    with server.client("analyst") as c:
        first = c.post("/v1/items", json={"items": items}).json()
        again = c.post("/v1/items", json={"items": items}).json()
        page = c.get("/v1/items", params={"source": source}).json()
    assert (first["created"], first["existing"], first["classified"]) == (2, 0, 2)
    assert (again["created"], again["existing"]) == (0, 2)
    assert again["ids"] == first["ids"]
    assert page["total"] == 2
    stored = {i["external_id"]: i for i in page["items"]}
    assert "345-67-89" not in stored["1"]["text_masked"]
    assert stored["1"]["text_raw"] is None  # PAINMAP_STORE_RAW is off
    assert stored["1"]["period"] == "2025Q1" and stored["2"]["period"] == "2025Q2"
    assert {p["head"] for p in stored["1"]["predictions"]} == {"topic", "process"}


def test_bad_items_name_the_field(server):
    with server.client("analyst") as c:
        r = c.post("/v1/items", json={"items": [{"text": "ok"}, {"text": "", "kind": "letter"}]})
    assert r.status_code == 422
    locations = [e["loc"] for e in r.json()["detail"]]
    assert ["body", "items", 1, "text"] in locations and ["body", "items", 1, "kind"] in locations


def test_survey_attributes_are_stored_and_limited(server):
    from service.schemas import MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES

    source = f"staff-{uuid.uuid4().hex[:8]}"
    attributes = {"audience": "internal", "internal_object": "Элементы профессиональной деятельности"}
    item = {"text": "Обращения пересылают не по профилю", "kind": "survey_answer", "source": source}
    with server.client("analyst") as c:
        ok = c.post("/v1/items", json={"items": [{**item, "external_id": "1", "attributes": attributes}]})
        page = c.get("/v1/items", params={"source": source}).json()
        too_many = {f"grid_{i}": "yes" for i in range(MAX_ATTRIBUTES + 1)}
        many = c.post("/v1/items", json={"items": [{**item, "attributes": too_many}]})
        too_long = {"audience": "x" * (MAX_ATTRIBUTE_VALUE + 1)}
        long = c.post("/v1/items", json={"items": [{**item, "attributes": too_long}]})
        number = c.post("/v1/items", json={"items": [{**item, "attributes": {"grid_x": 1}}]})
    assert ok.status_code == 200, ok.text
    assert page["items"][0]["attributes"] == attributes
    for refused in (many, long, number):
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"][:4] == ["body", "items", 0, "attributes"]


def test_nul_characters_are_dropped_on_both_databases(server):
    """PostgreSQL text cannot hold NUL (SQLite can): ingest drops it everywhere, so neither answers 500."""
    source = f"nul-{uuid.uuid4().hex[:8]}"
    process = sorted(PROCESSES)[0]  # labels feed retraining: a real process, with a NUL inside
    with_nul = process[:2] + "\u0000" + process[2:]
    item = {
        "text": "Нет\u0000 света в подъезде",
        "external_id": "n\u00001",
        "source": source,
        "channel": "порт\u0000ал",
        "process": with_nul,
        "attributes": {"audi\u0000ence": "inter\u0000nal"},
        "labels": {"process": with_nul},
    }
    with server.client("analyst") as c:
        first = c.post("/v1/items", json={"items": [item]})
        again = c.post("/v1/items", json={"items": [{**item, "external_id": "n1"}]})
        page = c.get("/v1/items", params={"source": source}).json()
        found = c.get("/v1/items", params={"source": source, "q": "св\u0000ета", "channel": "порт\u0000ал"})
        label = {"external_id": "n\u00001", "source": source, "head": "process", "value": with_nul}
        labelled = c.post("/v1/labels", json={"labels": [label]})
    assert first.status_code == 200, first.text
    assert again.json()["ids"] == first.json()["ids"]  # the id is stored without the NUL
    assert found.status_code == 200 and found.json()["total"] == 1, found.text
    assert labelled.status_code == 201, labelled.text
    stored = page["items"][0]
    assert "\u0000" not in stored["text_masked"] and "света" in stored["text_masked"]
    assert (stored["external_id"], stored["channel"]) == ("n1", "портал")
    assert stored["process"] == process
    assert stored["attributes"] == {"audience": "internal"}


def test_duplicate_external_id_in_one_batch_is_stored_once(server):
    source = f"dup-{uuid.uuid4().hex[:8]}"
    items = [{"text": "Яма у дома", "external_id": "d", "source": source}] * 2
    with server.client("analyst") as c:
        r = c.post("/v1/items", json={"items": items})
        total = c.get("/v1/items", params={"source": source}).json()["total"]
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["existing"], total) == (1, 1, 1)
    assert r.json()["ids"][0] == r.json()["ids"][1]


def test_extreme_but_valid_numbers_round_trip(server):
    source = f"num-{uuid.uuid4().hex[:8]}"
    item = {"text": "Долго ждал ответа", "source": source, "ratings": {"speed": 1e308, "ease": -1e-300}}
    with server.client("analyst") as c:
        r = c.post("/v1/items", json={"items": [item]})
        page = c.get("/v1/items", params={"source": source}).json()
    assert r.status_code == 200, r.text
    assert page["items"][0]["ratings"] == item["ratings"]


# Raw JSON bodies: Python's json reads NaN, Infinity, 1e999 (inf) and lone surrogates; httpx won't send them.
BAD_ITEMS = {
    "created_at year 1, east of UTC": (
        '{"text": "x", "created_at": "0001-01-01T00:00:00+05:00"}',
        "created_at",
    ),
    "answered_at year 9999, west of UTC": (
        '{"text": "x", "answered_at": "9999-12-31T23:59:59-05:00"}',
        "answered_at",
    ),
    "rating NaN": ('{"text": "x", "ratings": {"speed": NaN}}', "ratings"),
    "rating Infinity": ('{"text": "x", "ratings": {"speed": -Infinity}}', "ratings"),
    "rating overflowing to inf": ('{"text": "x", "ratings": {"speed": 1e999}}', "ratings"),
    "rating name with a lone surrogate": ('{"text": "x", "ratings": {"\\ud800": 1}}', "ratings"),
    "nps overflowing to inf": ('{"text": "x", "nps": 1e400}', "nps"),
    "nps huge integer": ('{"text": "x", "nps": 99999999999999999999999}', "nps"),
    "text with a lone surrogate": ('{"text": "\\ud800 x"}', "text"),
    "empty external_id": ('{"text": "x", "external_id": ""}', "external_id"),
    "channel longer than its column": ('{"text": "x", "channel": "' + "к" * 101 + '"}', "channel"),
    "unknown kind": ('{"text": "x", "kind": "' + "k" * 30 + '"}', "kind"),
    "label head longer than its column": ('{"text": "x", "labels": {"' + "h" * 51 + '": "v"}}', "labels"),
    "label value longer than its column": (
        '{"text": "x", "labels": {"topic": "' + "v" * 201 + '"}}',
        "labels",
    ),
    "empty label value": ('{"text": "x", "labels": {"topic": ""}}', "labels"),
}


@pytest.mark.parametrize("case", list(BAD_ITEMS), ids=list(BAD_ITEMS))
def test_unstorable_items_are_422_naming_the_field(server, case):
    item, field = BAD_ITEMS[case]
    body = '{"items": [' + item + "]}"
    with server.client("analyst") as c:
        r = c.post("/v1/items", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][:4] == ["body", "items", 0, field]


def test_upload_date_out_of_range_names_row_and_column(server):
    csv = "id,text,created_at\nu1,Не горит фонарь,2025-03-01\nu2,Яма на дороге,1700-01-01\n"
    with server.client("analyst") as c:
        r = c.post("/v1/items/upload", files={"file": ("dates.csv", csv.encode())}, data={"source": "dates"})
    assert r.status_code == 422, r.text
    assert all(part in r.json()["detail"] for part in ("dates.csv", "строка 2", "created_at"))


def test_upload_table_and_errors_name_the_file(server):
    source = f"upload-{uuid.uuid4().hex[:8]}"
    csv = (
        "id,text,channel,created_at\nu1,Не горит фонарь во дворе,Телефон,2025-03-01\nu2,,Телефон,2025-03-01\n"
    )
    with server.client("analyst") as c:
        ok = c.post("/v1/items/upload", files={"file": ("batch.csv", csv.encode())}, data={"source": source})
        assert ok.status_code == 200, ok.text
        assert ok.json()["created"] == 1  # the empty text is not an item
        bad = c.post("/v1/items/upload", files={"file": ("bad.csv", b"id,comment\n1,hello\n")})
        assert bad.status_code == 422
        assert "bad.csv" in bad.json()["detail"]
        wrong_type = c.post("/v1/items/upload", files={"file": ("x.exe", b"MZ")})
        assert wrong_type.status_code == 422


def test_labels_need_an_existing_item(server):
    source = f"lab-{uuid.uuid4().hex[:8]}"
    with server.client("analyst") as c:
        c.post("/v1/items", json={"items": [{"text": "Нет отопления", "external_id": "a", "source": source}]})
        ok = c.post(
            "/v1/labels",
            json={
                "labels": [
                    {"external_id": "a", "source": source, "head": "process", "value": "Теплоснабжение"}
                ]
            },
        )
        assert ok.status_code == 201 and ok.json()["created"] == 1
        missing = c.post("/v1/labels", json={"labels": [{"item_id": 10**9, "head": "process", "value": "x"}]})
        assert missing.status_code == 404
        assert "item_id" in missing.json()["detail"]
        # the model's «too few examples» mark is no label an analyst can give
        mark = {"external_id": "a", "source": source, "head": "process"}
        mark["value"] = "(мало примеров — на проверку)"
        before = len(c.get("/v1/labels", params={"head": "process"}).json())
        good = {"external_id": "a", "source": source, "head": "process", "value": "Теплоснабжение"}
        refused = c.post("/v1/labels", json={"labels": [good, mark]})
        assert refused.status_code == 422 and "отметка модели" in refused.json()["detail"]
        assert "labels[1].value" in refused.json()["detail"]
        assert len(c.get("/v1/labels", params={"head": "process"}).json()) == before  # nothing of the batch


def test_pains_painmap_workflow_and_export(server):
    with server.client("analyst") as c:
        up = c.post(
            "/v1/items/upload",
            files={"file": ("appeals.csv", (REPO / "data/samples/appeals.csv").read_bytes())},
            data={"source": "samples-test"},
        )
        assert up.status_code == 200, up.text
        # 2025Q4 holds only sample appeals (other tests write to other quarters of the shared database)
        period = "2025Q4"
        started = c.post("/v1/pains/refresh", json={"period": period})
        assert started.status_code == 202
        job = wait_job(c, started.json()["id"])
        assert job["status"] == "done", job["error"]
        pains = c.get("/v1/pains", params={"period": period}).json()
        assert pains and all(p["size"] > 0 and p["period"] == period for p in pains)
        entries = c.get("/v1/painmap", params={"status": "suggested", "period": period}).json()
        assert entries, "после расчёта болей должны быть предложения"
        first, second = entries[0], entries[-1]
        accepted = c.post(f"/v1/painmap/suggestions/{first['id']}/accept").json()
        assert accepted["status"] == "accepted"
        assert c.post(f"/v1/painmap/suggestions/{first['id']}/reject").status_code == 409
        if second["id"] != first["id"]:
            assert c.post(f"/v1/painmap/suggestions/{second['id']}/reject").json()["status"] == "rejected"
        patched = c.patch(
            f"/v1/painmap/{first['id']}", json={"measures": "График уборки", "responsible": "УЖКХ"}
        )
        assert patched.status_code == 200
        fields = [h["field"] for h in patched.json()["history"]]
        assert {"status", "measures", "responsible"} <= set(fields)
        assert patched.json()["history"][-1]["author"] == "test-analyst"
        # a second refresh keeps the analyst's decisions and does not pile up stale suggestions
        again = wait_job(c, c.post("/v1/pains/refresh", json={"period": period}).json()["id"])
        assert again["status"] == "done", again["error"]
        kept = next(e for e in c.get("/v1/painmap").json() if e["id"] == first["id"])
        assert (kept["status"], kept["measures"]) == ("accepted", "График уборки")
        suggested = c.get("/v1/painmap", params={"status": "suggested", "period": period}).json()
        assert len(suggested) <= len(c.get("/v1/pains", params={"period": period}).json())
        export = c.get("/v1/painmap/export.xlsx", params={"period": period})
        accepted_only = c.get("/v1/painmap/export.xlsx", params={"period": period, "status": "accepted"})
        n_entries = len(c.get("/v1/painmap", params={"period": period}).json())
    assert export.status_code == 200
    assert f"painmap_{period}.xlsx" in export.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"Карта болей за {period}"  # the period in the title
    assert list(rows[1]) == [*SEED_COLUMNS, "Статус"]
    assert [r[0] for r in rows[2:]] == list(range(1, len(rows) - 1))
    assert len(rows) - 2 == n_entries  # every status by default: suggestions, accepted and rejected
    assert sheet.column_dimensions["F"].width >= 30 and sheet["C3"].alignment.wrap_text
    exported = {r[2]: r for r in rows[2:]}  # by problem text
    assert exported[first["problem"]][5] == "График уборки" and exported[first["problem"]][8] == "принято"
    if second["id"] != first["id"]:
        assert exported[second["problem"]][8] == "отклонено"
    only = list(openpyxl.load_workbook(io.BytesIO(accepted_only.content)).active.iter_rows(values_only=True))
    assert {r[8] for r in only[2:]} == {"принято"}


def test_raw_text_is_kept_only_when_asked_and_shown_only_to_analysts(raw_server):
    text = "Прошу перезвонить 8 912 345-67-89"
    with raw_server.client("analyst") as analyst, raw_server.client("reader") as reader:
        analyst.post("/v1/items", json={"items": [{"text": text, "external_id": "raw-1"}]})
        seen_by_analyst = analyst.get("/v1/items", params={"external_id": "raw-1"}).json()["items"][0]
        seen_by_reader = reader.get("/v1/items", params={"external_id": "raw-1"}).json()["items"][0]
    assert seen_by_analyst["text_raw"] == text and "345-67-89" not in seen_by_analyst["text_masked"]
    assert seen_by_reader["text_raw"] is None
