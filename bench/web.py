"""Analysts' pages on a big database (issue «The analysts' workspace»): every page ≤ 300 ms server time.

Builds once, in .bench/web/ (git-ignored): every SPb appeal (../shared/external/spb-gorod-appeals, ~60k items,
masked and classified by the bench's SPb model, `bench/serve.py`) stored through `painmap load`, then the
pains of every quarter (`POST /v1/pains/refresh`'s function). Then starts `painmap serve` on it, logs in with
an analyst key and times each page (GET): the first request (the quarterly report behind the overview and
the report page is computed then and cached until the data changes) and `--repeat` more: median, p95 and
max in ms against the 300 ms target.

    .venv/bin/python bench/web.py                 # builds the database the first time (minutes)
    .venv/bin/python bench/web.py --repeat 30
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SPB = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"
WORK = ROOT / ".bench" / "web"
TARGET_MS = 300.0


def build(db_url: str, model_dir: Path) -> None:
    """The SPb items and their pains, stored once."""
    from serve import spb_model  # bench/serve.py: the SPb model of the bench registry

    from service.db.session import session_scope, upgrade_db
    from service.reports.quarterly import load_spb_items
    from service.store.painmap import refresh_pains

    spb_model(model_dir, train_rows=8000)
    upgrade_db(db_url)
    items = load_spb_items(SPB)
    table = WORK / "spb_items.csv"
    columns = ["id", "text", "kind", "channel", "created_at", "answered_at", "satisfied"]
    items[columns].to_csv(table, index=False)
    env = {**os.environ, "DATABASE_URL": db_url, "PAINMAP_MODEL_DIR": str(model_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "service.cli", "load", str(table), "--source", "spb"], env=env,
                   check=True, cwd=ROOT)  # fmt: skip
    print(f"записи: {len(items)} за {time.perf_counter() - started:.0f} с")
    started = time.perf_counter()
    with session_scope(db_url) as session:
        summary = refresh_pains(session)
    print(f"боли: {summary['periods']} за {time.perf_counter() - started:.0f} с")


def serve(db_url: str, model_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "PAINMAP_MODEL_DIR": str(model_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("сервер не поднялся за 90 с")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not SPB.is_dir():
        raise SystemExit(f"нет данных SPb в {SPB}")
    WORK.mkdir(parents=True, exist_ok=True)
    db_url, model_dir = f"sqlite:///{WORK / 'painmap.db'}", ROOT / ".bench" / "models"
    if not (WORK / "painmap.db").exists():
        build(db_url, model_dir)

    from service.auth import create_key
    from service.db.session import session_scope, upgrade_db
    from service.store.painmap import periods

    upgrade_db(db_url)
    with session_scope(db_url) as session:
        key = create_key(session, "analyst", name="bench")
        quarters = [p for p in periods(session) if p]
    quarter = quarters[-1]
    proc = serve(db_url, model_dir, args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as c:
            assert c.post("/login", data={"key": key}).status_code == 303
            listing = c.get(f"/pains?period={quarter}").text
            first_pain = re.search(r'href="(/pains/[^"?]+)\?period=', listing)
            pages = [f"/?quarter={quarter}", f"/pains?period={quarter}", f"/painmap?period={quarter}",
                     "/review", "/models", "/upload", f"/report.html?quarter={quarter}"]  # fmt: skip
            if first_pain:
                pages.insert(2, f"{first_pain.group(1)}?period={quarter}")
            print(f"{len(quarters)} кварталов, страницы за {quarter}; цель ≤ {TARGET_MS:.0f} мс")
            worst = 0.0
            for page in pages:
                started = time.perf_counter()
                answer = c.get(page)  # the first request: a report is computed, then cached
                first = 1000 * (time.perf_counter() - started)
                assert answer.status_code == 200, (page, answer.status_code, answer.text[:300])
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    c.get(page)
                    times.append(1000 * (time.perf_counter() - started))
                p95 = sorted(times)[int(0.95 * (len(times) - 1))]
                worst = max(worst, p95)
                flag = "ok" if p95 <= TARGET_MS else "МЕДЛЕННО"
                print(f"  {page:<42} first {first:7.1f} ms  median {statistics.median(times):6.1f}  "
                      f"p95 {p95:6.1f}  max {max(times):6.1f}  {flag}")  # fmt: skip
            print(f"худший p95: {worst:.1f} мс ({'в пределах цели' if worst <= TARGET_MS else 'выше цели'})")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
