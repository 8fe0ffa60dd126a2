"""Quarterly report: statistics against independent derivations, figures against pandas on small data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy.optimize import brentq

from models.intervals import wilson_bounds
from service.reports.metrics import nps
from service.reports.quarterly import parse_quarter, quarterly_report
from service.reports.render import write_html, write_xlsx

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (81, 263), (50, 50), (1, 1000)])
def test_wilson_interval_solves_the_score_test(k: int, n: int) -> None:
    # The Wilson bounds are the p where |k - n p| = z sqrt(n p (1 - p)); find them by root finding instead.
    z = 1.959963984540054
    score = lambda p: (k - n * p) ** 2 - z * z * n * p * (1 - p)  # noqa: E731
    p_hat = k / n
    low = 0.0 if k == 0 else brentq(score, 1e-12, p_hat - 1e-12)
    high = 1.0 if k == n else brentq(score, p_hat + 1e-12, 1 - 1e-12)
    got = wilson_bounds(k, n)
    assert got[0] == pytest.approx(low, abs=1e-9)
    assert got[1] == pytest.approx(high, abs=1e-9)


def test_nps_interval_equals_mean_of_plus_minus_scores() -> None:
    rng = np.random.default_rng(3)
    scores = pd.Series(rng.integers(0, 11, size=400))
    s = np.where(scores >= 9, 1.0, np.where(scores <= 6, -1.0, 0.0))  # promoter +1, passive 0, detractor −1
    half = 1.959963984540054 * s.std(ddof=0) / math.sqrt(s.size)
    got = nps(scores)
    assert got["nps"] == pytest.approx(100 * s.mean(), abs=0.01)
    assert got["ci_low"] == pytest.approx(100 * (s.mean() - half), abs=0.01)
    assert got["ci_high"] == pytest.approx(100 * (s.mean() + half), abs=0.01)
    assert got["promoters"] + got["passives"] + got["detractors"] == 400


def test_bad_dates_are_named_not_dropped() -> None:
    items = pd.DataFrame(
        {
            "text": ["a", "b", "c"],
            "created_at": ["2025-01-02", "вчера", None],
            "answered_at": [None, None, "2025-13-45"],
        }
    )
    with pytest.raises(
        ValueError, match="столбец created_at: не дата в 1 строках, например: строка 1 \\(«вчера»\\)"
    ):
        quarterly_report(items, "2025Q1")
    with pytest.raises(ValueError, match="столбец answered_at.*строка 2"):
        quarterly_report(items.drop(index=1), "2025Q1")


def test_parse_quarter_rejects_bad_values() -> None:
    assert str(parse_quarter("2021q1")) == "2021Q1"
    for bad in ("2021Q5", "2021", "Q1 2021", "весна"):
        with pytest.raises(ValueError, match="квартал"):
            parse_quarter(bad)


@pytest.fixture(scope="module")
def appeals() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "appeals.csv")


def test_report_figures_equal_pandas_on_sample_appeals(appeals: pd.DataFrame) -> None:
    report = quarterly_report(appeals, "2025Q2", deadline_days=14)
    created = pd.to_datetime(appeals["created_at"])
    for block, quarter in ((report["current"], "2025Q2"), (report["previous"], "2025Q1")):
        part = appeals[created.dt.to_period("Q").astype(str) == quarter]
        assert block["items"] == len(part)
        channels = {r["name"]: r["count"] for r in block["negative_by_channel"]}
        assert channels == part["channel"].value_counts().to_dict()
        top = block["negative_topics"][0]
        assert top["count"] == part["topic"].value_counts().iloc[0]
        assert top["share"] == pytest.approx(part["topic"].value_counts(normalize=True).iloc[0], abs=1e-4)
        assert block["satisfied"]["count"] == (part["satisfied"] == "yes").sum()
        assert block["unsatisfied"]["count"] == (part["satisfied"] == "no").sum()
        days = (
            pd.to_datetime(part["answered_at"]) - pd.to_datetime(part["created_at"])
        ).dt.total_seconds() / 86400
        assert block["wait_time"]["median_days"] == pytest.approx(days.median(), abs=0.01)
        assert block["wait_time"]["p90_days"] == pytest.approx(days.quantile(0.9), abs=0.01)
        assert block["wait_time"]["within_deadline"]["count"] == (days <= 14).sum()
        assert block["wait_time"]["within_deadline"]["total"] == len(part)


def test_survey_respondent_counts_once_and_pains_table() -> None:
    items = pd.DataFrame(
        {
            "text": ["долго ждал", "нет сайта", "", "очередь"],
            "kind": "survey_answer",
            "respondent": ["r1", "r1", "r2", "r3"],
            "created_at": ["2025-04-02", "2025-04-02", "2025-05-01", "2025-06-30"],
            "rating_speed": [2, 2, 5, 4],
            "nps": [3, 3, 10, 9],
            "satisfied": ["no", "no", "yes", "yes"],
        }
    )
    pains = pd.DataFrame({"label": ["Долгое ожидание", "Нет информации"], "size": [2, 1]})
    report = quarterly_report(items, "2025Q2", pains=pains)
    cur = report["current"]
    assert cur["clients"] == 3 and cur["negative"]["count"] == 3
    assert cur["csat"]["overall"]["count"] == 2 and cur["csat"]["overall"]["total"] == 3
    assert cur["nps"]["nps"] == pytest.approx(100 * (2 - 1) / 3, abs=0.01)
    assert cur["satisfied"]["count"] == 2
    assert report["pains"]["distinct"] == 2
    assert report["pains"]["top"][0]["prevalence"] == pytest.approx(2 / 4, abs=1e-4)
    assert report["previous"]["items"] == 0 and report["previous"]["nps"]["nps"] is None


def test_appeals_mixed_with_survey_items_stay_negative(appeals: pd.DataFrame) -> None:
    survey = pd.DataFrame(
        {
            "text": ["", "нет записи"],
            "kind": "survey_answer",
            "negative": [False, True],
            "created_at": ["2025-04-02", "2025-04-03"],
            "channel": "Опрос",
        }
    )
    report = quarterly_report(pd.concat([appeals, survey], ignore_index=True), "2025Q2")
    n_appeals = (pd.to_datetime(appeals["created_at"]).dt.to_period("Q").astype(str) == "2025Q2").sum()
    assert report["current"]["negative"]["count"] == n_appeals + 1
    assert {"name": "Опрос", "count": 1} in [
        {k: r[k] for k in ("name", "count")} for r in report["current"]["negative_by_channel"]
    ]


def test_internal_clients_are_reported_separately() -> None:
    items = pd.DataFrame(
        {
            "text": ["яма", "СЭД тормозит", "нет принтера"],
            "kind": ["appeal", "survey_answer", "survey_answer"],
            "audience": ["external", "internal", "internal"],
            "internal_object": [None, "Автоматизация", "Материальное обеспечение"],
            "respondent": [None, "s1", "s2"],
            "grid_software": [None, "no", "yes"],
            "created_at": ["2025-01-10"] * 3,
        }
    )
    report = quarterly_report(items, "2025Q1")
    assert report["current"]["items"] == 1
    internal = report["internal"]["current"]
    assert internal["items"] == 2
    named = {r["name"] for r in internal["objects"] if r["count"]}
    assert named == {"Автоматизация", "Материальное обеспечение"}
    listed = {r["name"] for r in internal["objects"]}
    assert "Кадровые процессы" in listed and len(listed) == 12  # seed 000 §11 objects all listed
    assert (
        internal["grids"]["grid_software"]["count"] == 1 and internal["grids"]["grid_software"]["total"] == 2
    )


def test_xlsx_has_the_seed_sheets_and_neutralises_formulas(tmp_path: Path, appeals: pd.DataFrame) -> None:
    items = appeals.copy()
    items.loc[items.index[:40], "topic"] = '=HYPERLINK("http://x")'
    report = quarterly_report(items, "2025Q1", pains=pd.DataFrame({"label": ["Ямы во дворах"], "size": [5]}))
    path = write_xlsx(report, tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["показатели", "каналы", "темы", "боли", "карта болей"]
    topics = [c.value for c in book["темы"]["A"]][1:]
    assert '\'=HYPERLINK("http://x")' in topics
    header = [c.value for c in book["карта болей"][1]]
    assert len(header) == 8 and header[:3] == [
        "№",
        "Наименование процесса",
        "Выявленные проблемы / потенциальные потребности клиентов",
    ]
    assert header[3].startswith("Распространенность") and header[4].startswith("Приоритетность")
    assert book["карта болей"]["D2"].value == "высокая"  # 5 of the quarter's items
    assert book["карта болей"]["C2"].value == "Ямы во дворах"
    page = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page
    assert "HYPERLINK(&#34;http://x&#34;)" in page or "HYPERLINK(&quot;http://x&quot;)" in page  # escaped


def test_topic_rollup_fills_survey_topics_and_pain_processes_are_named() -> None:
    items = pd.DataFrame(
        {
            "text": ["справки", "очередь", "яма"],
            "kind": ["survey_answer", "survey_answer", "appeal"],
            "process": ["Жилищные услуги", "Жилищные услуги", None],
            "topic": [None, None, "Дороги и транспорт"],
            "created_at": ["2025-02-01"] * 3,
        }
    )
    pains = {
        "pains": [
            {
                "id": "P001",
                "label": "Лишние справки",
                "size": 1,
                "prevalence": 1 / 3,
                "ci_low": 0.06,
                "ci_high": 0.79,
                "processes": [{"name": "Жилищные услуги", "items": 1}],
            }
        ],
        "suggestions": [],
    }
    report = quarterly_report(items, "2025Q1", pains=pains, topic_from_process={"Жилищные услуги": "ЖКХ"})
    topics = {r["name"]: r["count"] for r in report["current"]["negative_topics"]}
    assert topics == {"ЖКХ": 2, "Дороги и транспорт": 1}
    assert report["pains"]["top"][0]["processes"] == ["Жилищные услуги"]


def test_items_frame_reads_stored_items_labels_over_predictions(tmp_path: Path) -> None:
    from datetime import datetime

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from service.db.models import Base, Item, Label, PainMapEntry, Prediction
    from service.reports.queries import items_frame, stored_pain_report

    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        a = Item(
            text_masked="яма",
            kind="appeal",
            channel="ПОС",
            created_at=datetime(2025, 4, 2),
            answered_at=datetime(2025, 4, 9),
            satisfied="no",
            period="2025Q2",
        )
        b = Item(
            text_masked="долго",
            kind="survey_answer",
            channel="Сайт",
            created_at=datetime(2025, 5, 2),
            ratings={"speed": 4, "grid_software": "no"},
            nps=10,
            period="2025Q2",
        )
        c = Item(text_masked="снег", kind="appeal", created_at=datetime(2024, 1, 2), period="2024Q1")
        s.add_all([a, b, c])
        s.flush()
        s.add_all(
            [
                Prediction(item_id=a.id, head="topic", label="ЖКХ", model_id="m"),
                Label(item_id=a.id, head="topic", value="Дороги"),
                Prediction(item_id=b.id, head="topic", label="Услуги", model_id="m"),
            ]
        )
        s.add_all(
            [
                PainMapEntry(
                    number=1,
                    process="Дороги",
                    problem="Ямы",
                    prevalence="высокая",
                    status="accepted",
                    period="2025Q2",
                ),
                PainMapEntry(number=2, process="ЖКХ", problem="Шум", status="rejected", period="2025Q2"),
            ]
        )
        s.commit()
        frame = items_frame(s, ["2025Q2", "2025Q1"])
        stored = stored_pain_report(s, "2025Q2")
    assert sorted(frame["text"]) == ["долго", "яма"]
    assert dict(zip(frame["text"], frame["topic"], strict=True)) == {"яма": "Дороги", "долго": "Услуги"}
    report = quarterly_report(frame, "2025Q2", pains=stored)
    assert report["current"]["csat"]["parameters"]["rating_speed"]["count"] == 1
    assert report["pains"]["suggestions"] == [
        {
            "process": "Дороги",
            "problem": "Ямы",
            "prevalence": "высокая",
            "priority": "",
            "measures": "",
            "responsible": "",
            "deadline": "",
            "status": "accepted",
        }
    ]
    assert report["current"]["wait_time"]["median_days"] == pytest.approx(7.0)


def test_report_cli_on_samples_and_a_bad_survey(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    taxonomy = SAMPLES.parent / "taxonomy"
    args = [
        "report",
        "--quarter",
        "2025Q2",
        "--data",
        str(SAMPLES / "appeals.csv"),
        "--survey",
        str(SAMPLES / "survey_export.xlsx"),
        "--mapping",
        str(taxonomy / "survey_seed000.yaml"),
        "--topic-rollup",
        str(taxonomy / "sample_topics.yaml"),
        "--out",
        str(tmp_path),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report_2025Q2.json").read_text(encoding="utf-8"))
    assert report["current"]["nps"]["respondents"] > 0 and report["current"]["wait_time"]["answered"] > 0
    assert "тема не определена" not in {t["name"] for t in report["current"]["negative_topics"]}
    assert (tmp_path / "report_2025Q2.xlsx").stat().st_size > 0 and (tmp_path / "report_2025Q2.html").exists()
    wrong = CliRunner().invoke(app, [*args[:6], str(SAMPLES / "appeals.csv"), *args[7:]])
    assert wrong.exit_code == 2 and "Ошибка импорта опроса" in wrong.output


def test_stored_report_is_cached_until_the_data_changes(tmp_path):
    """The overview's report comes from the cache while nothing under it changed, and anew after a write."""
    from service.db.session import session_scope, upgrade_db
    from service.reports.stored import ReportCache, stored_quarterly_report
    from service.store.item_rows import frame_to_items
    from service.store.items import ingest_file_items

    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade_db(url)
    frame = pd.read_csv(SAMPLES / "appeals.csv")
    spring = frame[(frame.created_at >= "2025-04") & (frame.created_at < "2025-07")]
    cache = ReportCache()
    with session_scope(url) as session:
        ingest_file_items(session, list(frame_to_items(spring.head(40), source="a")))
    with session_scope(url) as session:
        first = stored_quarterly_report(session, "2025Q2", cache=cache)
        again = stored_quarterly_report(session, "2025Q2", cache=cache)
    assert again is first and first["current"]["items"] == 40
    with session_scope(url) as session:
        ingest_file_items(session, list(frame_to_items(spring.iloc[40:50], source="b")))
    with session_scope(url) as session:
        fresh = stored_quarterly_report(session, "2025Q2", cache=cache)
    assert fresh is not first and fresh["current"]["items"] == 50
