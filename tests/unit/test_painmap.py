"""Pain-map suggestions in the seeds' form and the `painmap pains` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.intervals import wilson_bounds
from models.pain_report import Pain, PainReport
from models.painmap import SEEDS_COLUMNS, PrevalenceThresholds, painmap_frame, suggest_entries

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ROOT / "data" / "samples" / "planted_pains.csv"


def _pain(pid: str, size: int, n: int, processes: dict[str, int]) -> Pain:
    low, high = wilson_bounds(size, n)
    return Pain(
        id=pid,
        label=f"Проблема {pid}",
        keywords=["очередь"],
        quotes=["«цитата»"],
        size=size,
        n_fragments=size,
        prevalence=size / n,
        ci_low=low,
        ci_high=high,
        processes=[{"name": k, "items": v, "share": v / size} for k, v in processes.items()],
        breakdown={},
        item_ids=list(range(size)),
    )


def test_levels_priority_and_order():
    n = 1000
    report = PainReport(
        pains=[
            _pain("P003", 5, n, {"МФЦ": 5}),
            _pain("P001", 80, n, {"МФЦ": 80}),
            _pain("P002", 20, n, {"МФЦ": 10, "Жилищные услуги": 10}),
        ],
        n_items=n,
        noise_item_ids=[],
        no_pain_item_ids=[],
        item_pain={},
    )
    entries = suggest_entries(report)
    assert [e["pain_id"] for e in entries] == ["P001", "P002", "P003"]  # most widespread first
    assert [e["number"] for e in entries] == [1, 2, 3]
    assert [e["prevalence"] for e in entries] == ["высокая", "средняя", "низкая"]
    # P002 touches two processes: one level above its prevalence (seed 004).
    assert [e["priority"] for e in entries] == ["высокая", "высокая", "низкая"]
    assert all(e["measures"] == e["responsible"] == e["deadline"] == "" for e in entries)
    strict = suggest_entries(report, PrevalenceThresholds(high=0.5, medium=0.1))
    assert [e["prevalence"] for e in strict] == ["низкая"] * 3
    frame = painmap_frame(entries)
    assert list(frame.columns)[:8] == list(SEEDS_COLUMNS.values())[:8]


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="medium"):
        PrevalenceThresholds(high=0.01, medium=0.05)


@pytest.fixture(scope="module")
def small_file(tmp_path_factory) -> Path:
    data = pd.read_csv(PLANTED, keep_default_na=False)
    data = data[data.quarter == "2025Q1"].copy()
    data.loc[data.index[:3], "answer"] = '=HYPERLINK("http://x") очень долгая очередь в МФЦ'
    path = tmp_path_factory.mktemp("pains") / "answers.csv"
    data.to_csv(path, index=False)
    return path


def test_cli_json_shape(small_file, tmp_path):
    from service.cli import app

    out = tmp_path / "pains.json"
    result = CliRunner().invoke(
        app,
        [
            "pains",
            str(small_file),
            "--text-col",
            "answer",
            "--id-col",
            "id",
            "--by",
            "process",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"pains", "noise_item_ids", "suggestions"}
    ids = set(pd.read_csv(small_file).id)
    assert all(set(p["item_ids"]) <= ids for p in data["pains"])
    assert {s["pain_id"] for s in data["suggestions"]} == {p["id"] for p in data["pains"]}


def test_cli_xlsx_is_seeds_form_and_formula_safe(small_file, tmp_path):
    from openpyxl import load_workbook

    from service.cli import app

    out = tmp_path / "painmap.xlsx"
    result = CliRunner().invoke(app, ["pains", str(small_file), "--text-col", "answer", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:8] == list(SEEDS_COLUMNS.values())[:8]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))


def test_cli_names_a_missing_column(small_file, tmp_path):
    from service.cli import app

    result = CliRunner().invoke(
        app, ["pains", str(small_file), "--text-col", "нет_такого", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code != 0
    assert "нет_такого" in result.output
