"""The analysts' pages in a real browser (Playwright driving Debian's chromium) against a real server.

An analyst logs in with a key, uploads an export whose text column is «Текст обращения» (choosing the
columns on the preview), opens the overview, accepts a pain-map suggestion and sets its deadline, exports
the quarter's XLSX and reads it back; a reader sees the same pages and can change nothing. Every page is
screenshotted at 1366×768 (tests/artifacts/pages/, not committed), checked for console errors, for requests
to other hosts and with axe (no serious or critical violation).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest

from tests.integration.conftest import SAMPLES, start_server, wait_job

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SEVERE = ("serious", "critical")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "pages"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.skipif(CHROMIUM is None, reason="нет chromium (Debian-пакет)"),
]


@pytest.fixture(scope="module")
def site(model_dir, tmp_path_factory):
    """A server of its own, with a copy of the registry (and its signing secret): retraining and promoting
    here change nobody else's champion."""
    from models.registry import ModelRegistry

    root = tmp_path_factory.mktemp("pages")
    registry = ModelRegistry(model_dir)
    shutil.copytree(model_dir, root / "models")
    shutil.copy(registry.secret_file, root / registry.secret_file.name)
    yield from start_server(f"sqlite:///{root / 'painmap.db'}", root / "models", "sqlite")


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> Path:
    """The sample appeals of one quarter as a municipal export names its columns."""
    frame = pd.read_csv(SAMPLES / "appeals.csv")
    frame = frame[(frame.created_at >= "2025-04") & (frame.created_at < "2025-07")]  # 2025Q2
    titles = {"id": "Номер", "text": "Текст обращения", "created_at": "Дата поступления", "channel": "Канал"}
    frame = frame.rename(columns=titles)[["Номер", "Дата поступления", "Канал", "Текст обращения"]]
    path = tmp_path_factory.mktemp("export") / "Обращения 2 квартал.csv"
    frame.to_csv(path, index=False, sep=";")
    return path


class Watch:
    """Console errors and requests to hosts other than the server, for one page."""

    def __init__(self, page, base: str) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)
        self.base = base

    def _request(self, request) -> None:  # noqa: ANN001 (a Playwright Request)
        if not request.url.startswith((self.base, "data:")):
            self.foreign.append(request.url)


def _check(page, watch: Watch, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    assert watch.errors == [], f"{name}: ошибки в консоли {watch.errors}"
    assert watch.foreign == [], f"{name}: запросы к другим хостам {watch.foreign}"
    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in SEVERE]
    assert serious == [], f"{name}: нарушения доступности {serious}"


def _login(browser, site, role: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page, site.url)
    page.goto(site.url + "/")
    assert page.url.endswith("/login")  # no session: the login form
    page.fill("#key", "pm_not-a-key")
    page.click("button[type=submit]")
    page.locator(".error").wait_for()  # the form again, with the reason
    # by keyboard alone: the key field has the focus, Enter sends the form
    assert page.evaluate("document.activeElement.id") == "key"
    page.keyboard.type(site.keys[role])
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/")
    page.keyboard.press("Tab")  # the first stop on every page skips to its content
    assert page.evaluate("document.activeElement.textContent") == "К содержанию"
    return context, page, watch


def _items_total(page) -> int:
    return int(page.locator("h2", has_text="Записи (").inner_text().split("(")[1].rstrip(")"))


def _wait_recomputed(page) -> None:
    """The page follows the recomputation (htmx) until it is done; then it is read again."""
    page.wait_for_selector("#refresh:has-text('пересчитаны')", timeout=240_000)
    page.reload()


def _pain_sizes(page, base: str) -> dict[str, int]:
    page.goto(base + "/pains?period=2025Q2")
    rows = page.locator("tbody tr")
    return {
        rows.nth(i).locator("td").nth(0).inner_text(): int(rows.nth(i).locator("td").nth(1).inner_text())
        for i in range(rows.count())
    }


def test_analyst_uploads_accepts_and_exports_reader_only_reads(site, export_file):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context, page, watch = _login(browser, site, "analyst")
        _check(page, watch, "login-overview-empty")
        assert "нет записей" in page.inner_text("main")

        # upload: the preview shows the header; the text column is chosen (and guessed) by its title
        page.goto(site.url + "/upload")
        _check(page, watch, "upload")
        page.set_input_files("#file", str(export_file))
        page.click("form[action='/upload'] button[type=submit]")
        assert page.locator("th", has_text="Текст обращения").count() == 1, page.inner_text("main")
        assert page.input_value("#text_col") == "Текст обращения"
        preview = page.inner_text("table")
        assert "[ФИО]" in preview and "Воробьёва" not in preview  # the preview is masked too
        page.select_option("#id_col", "Номер")
        page.select_option("#date_col", "Дата поступления")
        page.select_option("#channel_col", "Канал")
        _check(page, watch, "upload-columns")
        page.click("form[action='/upload/store'] button[type=submit]")
        page.wait_for_selector("#upload-job h2:has-text('загружен')", timeout=120_000)  # the job, followed
        done = page.inner_text("#upload-job [role=status]")
        n_rows = len(pd.read_csv(export_file, sep=";"))
        assert f"Новых записей {n_rows}" in done
        _check(page, watch, "upload-done")

        assert "Боли пересчитаны" in done  # the upload recomputed the pains of the new data

        page.goto(site.url + "/?quarter=2025Q2")
        assert page.inner_text(".cards .big >> nth=0") == str(n_rows)
        assert "новая" in page.locator("table", has_text="К прошлому кварталу").inner_text()  # vs 2025Q1
        _check(page, watch, "overview")

        # pains: open the largest, rename it; the name survives the next refresh and is in the history
        page.goto(site.url + "/pains?period=2025Q2")
        _check(page, watch, "pains")
        page.locator("tbody tr a").first.click()
        pain_url = page.url
        page.fill("#label", "Долгое ожидание решения")
        page.click("form[action$='/rename'] button[type=submit]")
        assert page.inner_text("h1") == "Долгое ожидание решения"
        _check(page, watch, "pain")
        with httpx.Client(base_url=site.url, headers={"X-API-Key": site.keys["admin"]}, timeout=60) as api:
            job = api.post("/v1/pains/refresh", json={"period": "2025Q2"}).json()
            assert wait_job(api, job["id"], timeout=300)["status"] == "done"
        page.goto(pain_url)
        assert page.inner_text("h1") == "Долгое ожидание решения"
        assert "test-analyst" in page.inner_text("main")  # who renamed it, in the history

        # move an item out, merge another pain into this one, mark a third «не боль»: each is saved, the
        # pains are recomputed (a job the page follows), and the next refresh keeps all of it
        total = _items_total(page)
        page.locator("input[name=item_id]").first.check()
        page.click("#exclude button[type=submit]")
        _wait_recomputed(page)
        assert _items_total(page) == total - 1
        listing = _pain_sizes(page, site.url)
        merged_label = next(label for label in listing if label != "Долгое ожидание решения")
        page.goto(pain_url)
        other = page.locator("#into option", has_text=merged_label).first.get_attribute("value")
        page.goto(f"{site.url}/pains/{other}?period=2025Q2")
        page.select_option("#into", label="Долгое ожидание решения")
        page.click("form[action$='/merge'] button[type=submit]")
        _wait_recomputed(page)
        assert page.inner_text("h1") == "Долгое ожидание решения"  # the target pain's page
        assert _items_total(page) == total - 1 + listing[merged_label]
        sizes = _pain_sizes(page, site.url)
        assert merged_label not in sizes
        hidden_label = next(label for label in sizes if label != "Долгое ожидание решения")
        page.locator("tbody a", has_text=hidden_label).first.click()
        page.click("form[action$='/not-a-pain'] button[type=submit]")
        _wait_recomputed(page)
        with httpx.Client(base_url=site.url, headers={"X-API-Key": site.keys["admin"]}, timeout=60) as api:
            job = api.post("/v1/pains/refresh", json={"period": "2025Q2"}).json()
            assert wait_job(api, job["id"], timeout=300)["status"] == "done"
        after = _pain_sizes(page, site.url)
        assert hidden_label not in after and merged_label not in after
        assert after["Долгое ожидание решения"] == total - 1 + listing[merged_label]

        # the pain map: accept the first suggestion and set its deadline
        page.goto(site.url + "/painmap?period=2025Q2")
        row = page.locator("tbody tr").first
        entry_id = row.get_attribute("id").removeprefix("entry-")
        row.locator("select[name=status]").select_option("accepted")
        row.locator("input[name=deadline]").fill("IV квартал 2025")
        row.locator("input[name=responsible]").fill("Управление ЖКХ")
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"**/painmap?period=2025Q2#entry-{entry_id}")
        saved = page.locator(f"#entry-{entry_id}")
        assert saved.locator("input[name=deadline]").input_value() == "IV квартал 2025"
        assert "История" in saved.inner_text()
        _check(page, watch, "painmap")

        with page.expect_download() as download:
            page.click("text=Выгрузить XLSX")
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][0] == "Карта болей за 2025Q2"
        accepted = [r for r in rows[2:] if r[8] == "принято"]
        assert len(accepted) == 1
        assert (accepted[0][6], accepted[0][7]) == ("Управление ЖКХ", "IV квартал 2025")

        # review: label 5 items the model was unsure of, one click each; they are labels in the API
        page.goto(site.url + "/review")
        _check(page, watch, "review")
        before = int(page.locator("[role=status] strong").first.inner_text())
        assert before >= 5, "the sample model should leave items for review"
        chosen = []
        for _ in range(5):
            card = page.locator("section.review").first
            item_id = card.locator("input[name=item_id]").first.input_value()
            button = card.locator("button[name=value]").first
            chosen.append((int(item_id), button.get_attribute("value")))
            button.click()
            page.wait_for_load_state()
        assert int(page.locator("[role=status] strong").first.inner_text()) == before - 5

        # models: retrain on the new labels as a job the page follows; the decision and the comparison
        with httpx.Client(base_url=site.url, headers={"X-API-Key": site.keys["analyst"]}, timeout=120) as api:
            labelled = (SAMPLES / "appeals.csv").read_bytes()  # a labelled file: topic and process columns
            files = {"file": ("labelled.csv", labelled)}
            stored = api.post("/v1/items/upload", files=files, data={"source": "labelled"})
            assert stored.status_code == 200, stored.text
        page.goto(site.url + "/models")
        _check(page, watch, "models")
        page.click("form[action='/models/retrain'] button[type=submit]")
        page.wait_for_selector("#job h2:has-text('готово'), #job h2:has-text('не удалось')", timeout=240_000)
        assert "готово" in page.inner_text("#job h2"), page.inner_text("#job")
        assert page.locator("#job tbody tr").count() == 2  # topic and process, champion vs challenger
        _check(page, watch, "models-retrained")

        page.goto(site.url + "/report.html?quarter=2025Q2")
        assert page.locator("svg").count() > 0
        context.close()

        # a reader sees the pages but every write is refused, even with the session's own token
        context, page, watch = _login(browser, site, "reader")
        page.goto(site.url + "/painmap?period=2025Q2")
        assert page.locator(f"#entry-{entry_id} select[name=status]").is_disabled()
        token = page.locator("input[name=csrf_token]").first.input_value()
        refused = page.request.post(
            f"{site.url}/painmap/{entry_id}", form={"csrf_token": token, "status": "rejected"}
        )
        assert refused.status == 403
        forged = page.request.post(f"{site.url}/logout", form={"csrf_token": "forged"})
        assert forged.status == 403
        small = {"name": "a.csv", "mimeType": "text/csv", "buffer": b"text\n1"}
        upload = page.request.post(f"{site.url}/upload", multipart={"csrf_token": token, "file": small})
        assert upload.status == 403
        writes = [
            ("/models/promote", {"model_id": "x"}), ("/models/retrain", {}),
            ("/review/label", {"item_id": "1", "head": "topic", "value": "x"}),
            ("/pains/P001/rename", {"period": "2025Q2", "label": "x"}),
            ("/pains/P001/merge", {"period": "2025Q2", "into": "P002"}),
            ("/pains/P001/not-a-pain", {"period": "2025Q2"}),
            ("/pains/P001/exclude", {"period": "2025Q2", "item_id": "1"}),
            ("/upload/store", {"token": "0" * 32 + ".csv", "name": "a.csv", "text_col": "text"}),
        ]  # fmt: skip
        for path, form in writes:
            answer = page.request.post(site.url + path, form={"csrf_token": token, **form})
            assert answer.status == 403, (path, answer.status)
        context.close()

        # an admin promotes the model that is not the champion; the API serves it at once
        context, page, watch = _login(browser, site, "admin")
        page.goto(site.url + "/models")
        form = page.locator("form[action='/models/promote']").first
        promoted = form.locator("input[name=model_id]").input_value()
        form.locator("button").click()
        page.wait_for_load_state()
        assert "чемпион" in page.locator("tr", has_text=promoted).inner_text()
        context.close()
        browser.close()

    with httpx.Client(base_url=site.url, headers={"X-API-Key": site.keys["reader"]}) as api:
        entries = api.get("/v1/painmap", params={"period": "2025Q2"}).json()
        labels = api.get("/v1/labels", params={"source": "correction", "author": "test-analyst"}).json()
    entry = next(e for e in entries if e["id"] == int(entry_id))
    assert entry["status"] == "accepted" and entry["deadline"] == "IV квартал 2025"
    assert {h["field"] for h in entry["history"]} >= {"status", "deadline", "responsible"}
    assert entry["history"][-1]["author"] == "test-analyst"
    assert {(label["item_id"], label["value"]) for label in labels} >= set(chosen)
    with httpx.Client(base_url=site.url, headers={"X-API-Key": site.keys["reader"]}) as api:
        served = api.post("/v1/classify", json={"texts": ["Не вывозят мусор"]}).json()["model_id"]
    assert served == promoted
