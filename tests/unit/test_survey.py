"""Survey import on the team-written export: CSAT and NPS by hand, anonymity, and errors on bad exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service.reports.quarterly import quarterly_report
from service.reports.survey import SurveyError, import_survey

REPO = Path(__file__).resolve().parents[2]
EXPORT = REPO / "data" / "samples" / "survey_export.xlsx"
EXTERNAL = REPO / "data" / "taxonomy" / "survey_seed000.yaml"
STAFF = REPO / "data" / "taxonomy" / "survey_seed000_staff.yaml"
Q10 = [
    "10.1. Понятность и удобство подачи заявления",
    "10.2. Информирование о статусе услуги",
    "10.3. Оптимальность количества необходимых документов",
    "10.4. Оперативность получения результата",
    "10.5. Возможность получения результата в электронном виде",
]
Q19 = "19. С какой вероятностью Вы порекомендуете обратиться за получением данной услуги?"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_excel(EXPORT, sheet_name="Внешние клиенты")


@pytest.fixture(scope="module")
def external() -> pd.DataFrame:
    return import_survey(EXPORT, EXTERNAL)


def test_sample_export_size() -> None:
    sheets = pd.read_excel(EXPORT, sheet_name=None)
    assert len(sheets["Внешние клиенты"]) >= 200
    assert len(sheets["Сотрудники"]) >= 60


@pytest.mark.parametrize("quarter", ["2025Q1", "2025Q2"])
def test_csat_and_nps_equal_hand_computation(raw: pd.DataFrame, external: pd.DataFrame, quarter: str) -> None:
    part = raw[pd.to_datetime(raw["Дата заполнения"]).dt.to_period("Q").astype(str) == quarter]
    ratings = part[Q10].stack().dropna()  # every given 1–5 answer of Q10
    scores = part[Q19].dropna()
    report = quarterly_report(external, quarter)["current"]
    assert report["clients"] == len(part)
    assert report["csat"]["overall"]["share"] == pytest.approx((ratings >= 4).mean(), abs=1e-4)
    expected_nps = 100 * ((scores >= 9).mean() - (scores <= 6).mean())
    assert report["nps"]["nps"] == pytest.approx(expected_nps, abs=0.01)
    assert report["nps"]["ci_low"] < report["nps"]["nps"] < report["nps"]["ci_high"]
    speed = report["csat"]["parameters"]["rating_speed"]
    assert speed["mean"] == pytest.approx(part[Q10[3]].mean(), abs=1e-3)


def test_answers_become_items_with_process_and_no_identity(raw: pd.DataFrame, external: pd.DataFrame) -> None:
    assert set(external["kind"]) == {"survey_answer"}
    problems = external[external["negative"]]
    assert problems["text"].str.len().gt(0).all()
    assert external["process"].notna().all() and "Жилищные услуги" in set(external["process"])
    assert (
        external["channel"]
        .isin(
            [
                "Портал Госуслуги",
                "Мобильное приложение Госуслуги",
                "Сайт ведомства",
                "Личное обращение в ведомство",
                "Другое",
            ]
        )
        .all()
    )
    as_text = [str(v) for v in external.to_numpy().ravel()]
    emails = [e for e in raw["E-mail (необязательно)"].dropna().astype(str) if "@" in e]
    assert emails and not any(e in cell for e in emails for cell in as_text)
    assert not set(raw["Номер анкеты"].astype(str)) & set(as_text)


def test_staff_answers_by_activity_and_grids() -> None:
    staff = import_survey(EXPORT, STAFF)
    assert staff["respondent"].nunique() == len(pd.read_excel(EXPORT, sheet_name="Сотрудники"))
    assert set(staff["audience"]) == {"internal"}
    answered = staff[staff["negative"]]
    assert answered["internal_object"].notna().all() and answered["topic"].notna().all()
    assert set(staff["grid_software"]) <= {"yes", "no", "unknown"}
    assert not staff["text"].str.lower().isin(["не занимаюсь этим"]).any()


def _write(frame: pd.DataFrame, path: Path, sheet: str = "Внешние клиенты") -> Path:
    frame.to_excel(path, sheet_name=sheet, index=False)
    return path


def test_out_of_range_rating_names_column_and_row(raw: pd.DataFrame, tmp_path: Path) -> None:
    bad = raw.astype(object)
    bad.loc[bad.index[4], Q10[1]] = 7
    bad.loc[bad.index[9], Q19] = "очень"
    with pytest.raises(SurveyError) as err:
        import_survey(_write(bad, tmp_path / "bad.xlsx"), EXTERNAL)
    message = str(err.value)
    assert f"столбец «{Q10[1]}», строка 6" in message and "вне шкалы 1–5" in message
    assert f"столбец «{Q19}», строка 11" in message and "bad.xlsx" in message


def test_missing_mapped_column_is_named(raw: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match="нет столбцов.*«10.4. Оперативность получения результата»"):
        import_survey(_write(raw.drop(columns=[Q10[3]]), tmp_path / "short.xlsx"), EXTERNAL)


def test_unknown_grid_answer_and_missing_sheet(tmp_path: Path) -> None:
    staff = pd.read_excel(EXPORT, sheet_name="Сотрудники")
    staff.loc[staff.index[0], "5.2. Программное обеспечение"] = "отлично"
    with pytest.raises(
        SurveyError, match="«5.2. Программное обеспечение», строка 2: ответ «отлично» не из списка"
    ):
        import_survey(_write(staff, tmp_path / "staff.xlsx", sheet="Сотрудники"), STAFF)
    with pytest.raises(SurveyError, match="нет листа «Сотрудники»"):
        import_survey(_write(staff, tmp_path / "other.xlsx", sheet="Лист1"), STAFF)


def test_personal_data_in_open_answers_is_masked(raw: pd.DataFrame, tmp_path: Path) -> None:
    one = raw.head(1).copy()
    one.loc[
        one.index[0], "2. С какими проблемами Вы столкнулись в процессе предоставления муниципальной услуги?"
    ] = "Не перезвонили на номер +7 912 345-67-89, ждал неделю"
    items = import_survey(_write(one, tmp_path / "pii.xlsx"), EXTERNAL)
    assert "345-67-89" not in items.loc[0, "text"] and "ждал неделю" in items.loc[0, "text"]


def test_mapped_labels_belong_to_the_taxonomy(external: pd.DataFrame) -> None:
    from models.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    staff = import_survey(EXPORT, STAFF)
    assert set(external["process"]) <= taxonomy.labels("process")
    assert set(external["channel"]) <= taxonomy.labels("survey_channel")
    assert set(staff["internal_object"].dropna()) <= taxonomy.labels("internal_object")
