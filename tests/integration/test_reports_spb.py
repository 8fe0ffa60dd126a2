"""`painmap report --quarter 2021Q1 --spb …` on the real SPb data: the XLSX/JSON figures must equal a pandas
computation written here from the raw files (not through service.reports.quarterly)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from service.cli import app

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "external"
SPB = SHARED / "spb-gorod-appeals"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SPB.exists(), reason="нет ../shared/external/spb-gorod-appeals (данные SPb)"),
]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    appeals = pd.concat(pd.read_csv(f) for f in sorted(SPB.glob("appeals.part*.csv.gz")))
    answers = pd.concat(pd.read_csv(f) for f in sorted(SPB.glob("answers.part*.csv.gz")))
    df = appeals.merge(answers[["id", "answer_at"]], on="id", how="left")
    df["created"] = pd.to_datetime(df["created_at"])
    df["quarter"] = df["created"].dt.year.astype(str) + "Q" + df["created"].dt.quarter.astype(str)
    df["days"] = (pd.to_datetime(df["answer_at"]) - df["created"]).dt.total_seconds() / 86400
    return df


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(
        app, ["report", "--quarter", "2021Q1", "--spb", str(SPB), "--out", str(out), "--json", "--top", "15"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report_2021Q1.json").read_text(encoding="utf-8"))
    return report, out


@pytest.mark.parametrize(("block", "quarter"), [("current", "2021Q1"), ("previous", "2020Q4")])
def test_figures_equal_pandas(
    raw: pd.DataFrame, produced: tuple[dict, Path], block: str, quarter: str
) -> None:
    report = produced[0][block]
    part = raw[raw["quarter"] == quarter]
    assert report["items"] == len(part) > 1000
    assert report["negative"]["count"] == len(part)
    topics = {r["name"]: r["count"] for r in report["negative_topics"]}
    assert topics == part["category"].value_counts().to_dict()
    reasons = yaml.safe_load((REPO / "data/taxonomy/spb.yaml").read_text(encoding="utf-8"))["reasons"]
    process = {(r["category"], r["reason"]): r["process"] for r in reasons}
    expected = pd.Series([process[(c, r)] for c, r in zip(part["category"], part["reason"], strict=True)])
    top = report["negative_processes"][0]
    assert (top["name"], top["count"]) == (expected.value_counts().index[0], expected.value_counts().iloc[0])
    assert report["satisfied"]["count"] == part["status"].str.contains("Пользователь удовлетворен").sum()
    unresolved = part["status"].isin(["Рассмотрение", "Промежуточный ответ"]).sum()
    assert report["unsatisfied"]["count"] == unresolved
    answered = part["days"][part["days"] >= 0]
    wait = report["wait_time"]
    assert wait["answered"] == len(answered)
    assert wait["median_days"] == pytest.approx(answered.median(), abs=0.01)
    assert wait["p90_days"] == pytest.approx(answered.quantile(0.9), abs=0.01)
    assert wait["within_deadline"]["share"] == pytest.approx((answered <= 30).sum() / len(part), abs=1e-4)


def test_workbook_and_page_written(raw: pd.DataFrame, produced: tuple[dict, Path]) -> None:
    out = produced[1]
    book = load_workbook(out / "report_2021Q1.xlsx")
    assert book.sheetnames == ["показатели", "каналы", "темы", "боли", "карта болей"]
    topics = {row[0]: row[1] for row in book["темы"].iter_rows(min_row=2, values_only=True)}
    q1 = raw[raw["quarter"] == "2021Q1"]
    assert topics["Благоустройство"] == (q1["category"] == "Благоустройство").sum()
    channels = list(book["каналы"].iter_rows(min_row=2, values_only=True))
    assert len(channels) == 1 and channels[0][1] == len(q1)
    page = (out / "report_2021Q1.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3 and "Основная тематика негативной обратной связи" in page
