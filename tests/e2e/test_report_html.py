"""The report page opens in headless Chromium (Debian's) and its charts render: the screenshot's chart area
holds the bar colours of both quarters and is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from service.reports.quarterly import quarterly_report
from service.reports.render import write_html
from service.reports.survey import import_survey

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CURRENT, PREVIOUS = (31, 111, 178), (240, 162, 59)  # bar colours of report_render.svg_bars

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(CHROMIUM is None, reason="нет chromium (Debian-пакет)")]


def _screenshot(page: Path, png: Path, profile: Path, size: str = "1280,1600") -> np.ndarray:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
        page.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def _pixels_near(image: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> int:
    return int((np.abs(image - np.array(colour)).max(axis=2) <= tol).sum())


@pytest.fixture(scope="module")
def report() -> dict:
    appeals = pd.read_csv(REPO / "data" / "samples" / "appeals.csv")
    survey = import_survey(
        REPO / "data" / "samples" / "survey_export.xlsx", REPO / "data" / "taxonomy" / "survey_seed000.yaml"
    )
    return quarterly_report(pd.concat([appeals, survey], ignore_index=True), "2025Q2")


def test_charts_render_in_chromium(report: dict, tmp_path: Path) -> None:
    page = write_html(report, tmp_path / "report.html")
    image = _screenshot(page, tmp_path / "shot.png", tmp_path / "profile")
    charts = image[:1200]  # the charts come first on the page
    assert _pixels_near(charts, CURRENT) > 2000, "нет столбцов текущего квартала"
    assert _pixels_near(charts, PREVIOUS) > 2000, "нет столбцов предыдущего квартала"
    assert charts.std() > 20  # not a blank page


def test_page_without_charts_has_no_bars(report: dict, tmp_path: Path) -> None:
    # The same check on a page whose SVG is removed must fail to find bars: the pixel test can fail.
    page = write_html(report, tmp_path / "report.html")
    text = page.read_text(encoding="utf-8")
    while "<svg" in text:
        start, end = text.index("<svg"), text.index("</svg>") + len("</svg>")
        text = text[:start] + text[end:]
    page.write_text(text, encoding="utf-8")
    image = _screenshot(page, tmp_path / "shot.png", tmp_path / "profile")
    assert _pixels_near(image[:1200], CURRENT) < 50
