"""GET /v1/reports/quarterly on a real `painmap serve` with stored items (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from service.reports.quarterly import quarterly_report

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_quarterly_report_from_stored_items(server):
    source = f"report-{uuid.uuid4().hex[:8]}"
    # 2019 keeps these items apart from the other tests' 2025 items in the shared test database.
    items = [
        {
            "text": "Яма на дороге",
            "source": source,
            "external_id": "1",
            "channel": "ПОС",
            "created_at": "2019-07-01T10:00:00+00:00",
            "answered_at": "2019-07-05T10:00:00+00:00",
            "satisfied": "yes",
            "labels": {"topic": "Дороги и транспорт"},
        },
        {
            "text": "Не вывезли мусор",
            "source": source,
            "external_id": "2",
            "channel": "ПОС",
            "created_at": "2019-08-01T10:00:00+00:00",
            "answered_at": "2019-09-20T10:00:00+00:00",
            "satisfied": "no",
            "labels": {"topic": "ЖКХ"},
        },
        {
            "text": "Долго ждал ответа по субсидии",
            "source": source,
            "external_id": "3",
            "kind": "survey_answer",
            "channel": "Портал Госуслуги",
            "created_at": "2019-09-10T10:00:00+00:00",
            "ratings": {"speed": 2, "status_info": 5},
            "nps": 9,
        },
        {
            "text": "Снег не убран",
            "source": source,
            "external_id": "4",
            "channel": "Почта",
            "created_at": "2019-05-10T10:00:00+00:00",
        },
    ]
    with server.client("analyst") as c:
        assert c.post("/v1/items", json={"items": items}).status_code == 200
    with server.client("reader") as c:
        r = c.get("/v1/reports/quarterly", params={"quarter": "2019Q3", "deadline_days": 30})
        bad = c.get("/v1/reports/quarterly", params={"quarter": "2019Q7"})
        page = c.get("/v1/reports/quarterly.html", params={"quarter": "2019Q3"})
        book = c.get("/v1/reports/quarterly.xlsx", params={"quarter": "2019Q3"})
        empty = c.get("/v1/reports/quarterly", params={"quarter": "1999Q1"})
        empty_page = c.get("/v1/reports/quarterly.html", params={"quarter": "1999Q1"})
    # A quarter without items is said to be empty (not a report of zeros), naming quarters that have data.
    assert empty.status_code == 404 and "нет записей" in empty.json()["detail"] and "2019Q3" in empty.text
    assert empty_page.status_code == 404
    assert page.status_code == 200 and "<svg" in page.text and "ПОС" in page.text
    sheets = openpyxl.load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == ["показатели", "каналы", "темы", "боли", "карта болей"]
    channels = {row[0]: row[1] for row in sheets["каналы"].iter_rows(min_row=2, values_only=True)}
    assert channels == {"ПОС": 2, "Портал Госуслуги": 1}
    assert r.status_code == 200, r.text
    assert bad.status_code == 422 and "2019Q7" in bad.text
    report = r.json()
    cur = report["current"]
    assert report["previous_quarter"] == "2019Q2" and report["previous"]["items"] == 1
    assert cur["items"] == 3
    assert {x["name"]: x["count"] for x in cur["negative_by_channel"]} == {"ПОС": 2, "Портал Госуслуги": 1}
    assert cur["wait_time"]["answered"] == 2 and cur["wait_time"]["within_deadline"]["count"] == 1
    assert cur["satisfied"]["count"] == 1 and cur["unsatisfied"]["count"] == 1
    assert cur["csat"]["parameters"]["rating_speed"]["mean"] == 2
    assert cur["nps"]["promoters"] == 1
    assert {"Дороги и транспорт", "ЖКХ"} <= {x["name"] for x in cur["negative_topics"]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated to head (SQLite file or a new PostgreSQL database)."""
    from service.db.session import upgrade_db

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'r.db'}"
        upgrade_db(url)
        yield url
        return
    import psycopg

    from service.db.session import normalize_url

    admin = normalize_url(request.getfixturevalue("postgres_url")).replace("postgresql+psycopg", "postgresql")
    name = f"painmap_survey_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin.rpartition('/')[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")
    try:
        upgrade_db(url)
        yield url
    finally:
        from service.db.session import get_engine

        get_engine(url).dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_survey_through_the_database_reports_like_the_file(fresh_db: str) -> None:
    # Both seed 000 forms → ingest (masking, NER) → migrated DB → items_frame must not change a figure,
    # the internal-clients section (objects, grids, respondents counted once) included.
    import pandas as pd

    from service.db.session import session_scope
    from service.reports.queries import items_frame
    from service.reports.survey import import_survey
    from service.store.item_rows import frame_to_items
    from service.store.items import ingest_items

    survey = pd.concat(
        [
            import_survey(REPO / "data/samples/survey_export.xlsx", REPO / f"data/taxonomy/{mapping}.yaml")
            for mapping in ("survey_seed000", "survey_seed000_staff")
        ],
        ignore_index=True,
    )
    with session_scope(fresh_db) as s:
        ingest_items(s, list(frame_to_items(survey, source="survey")))
        stored = items_frame(s, ["2025Q2", "2025Q1"])
    assert not stored["respondent"].isin(survey["respondent"]).any(), "export row keys must not be stored"
    for quarter in ("2025Q1", "2025Q2"):
        direct, via_db = quarterly_report(survey, quarter), quarterly_report(stored, quarter)
        for key in ("items", "clients", "negative", "satisfied", "csat", "other_ratings", "nps"):
            assert via_db["current"][key] == direct["current"][key], (quarter, key)
        internal = direct["internal"]["current"]
        for key in ("items", "clients", "negative", "satisfied", "negative_topics", "objects", "grids"):
            assert via_db["internal"]["current"][key] == internal[key], (quarter, key)
    staff = quarterly_report(survey, "2025Q2")["internal"]["current"]
    assert staff["grids"] and staff["clients"] < staff["items"], "the staff sample must exercise the section"
