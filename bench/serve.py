"""API benchmark (issue #6): single-document latency under a bounded open-loop load and the service's RSS,
with a model trained on the SPb appeals (../shared/external/spb-gorod-appeals).

Starts `painmap serve` on a free loopback port with a temporary SQLite database, sends POST /v1/classify with
one SPb dev text per request at a fixed rate for a fixed time (open loop: latency is counted from the moment a
request was due, so a slow server cannot hide its queueing), then reads the server's RSS from /proc.
Targets: p99 ≤ 20 ms at 200 req/s; RSS ≤ 400 MB. The SPb model is trained once into .bench/models.

    .venv/bin/python bench/serve.py                    # 200 req/s for 20 s
    .venv/bin/python bench/serve.py --rate 100 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SPB = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"
BENCH = ROOT / ".bench"
P99_TARGET_MS, RSS_TARGET_MB = 20.0, 400.0


def spb_model(model_dir: Path) -> str:
    """The champion of the bench registry; trains one (category, reason) on the SPb train split if absent."""
    sys.path.insert(0, str(ROOT))
    from models.registry import ModelRegistry

    champion = ModelRegistry(model_dir).champion_id()
    if champion:
        return champion
    parts = sorted(SPB.glob("appeals.part*.csv.gz"))
    if not parts:
        raise SystemExit(f"нет данных SPb в {SPB}: бенчмарку нужна модель на реальных обращениях")
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "train",
        "--text-col",
        "text",
        "--head",
        "category",
        "--head",
        "reason",
        "--split-col",
        "split",
        "--train-values",
        "train",
        "--model-dir",
        str(model_dir),
    ]
    for part in parts:
        cmd += ["--data", str(part)]
    print("обучаю модель SPb:", " ".join(cmd[3:]), flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    print(f"обучена за {time.perf_counter() - started:.0f} с", flush=True)
    return ModelRegistry(model_dir).champion_id()


def dev_texts(n: int) -> list[str]:
    frame = pd.concat(
        pd.read_csv(p, usecols=["split", "text"]) for p in sorted(SPB.glob("appeals.part*.csv.gz"))
    )
    texts = frame.loc[frame["split"] == "dev", "text"].dropna().astype(str)
    return texts.sample(n=min(n, len(texts)), random_state=0, replace=len(texts) < n).tolist()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def load(url: str, key: str, texts: list[str], rate: float, seconds: float) -> tuple[np.ndarray, int]:
    """Open-loop load: request i is due at start + i/rate; returns latencies (ms) and the error count."""
    n = int(rate * seconds)
    latencies = np.full(n, np.nan)
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as client:

        async def one(i: int, due: float) -> None:
            nonlocal errors
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            response = await client.post("/v1/classify", json={"texts": [texts[i % len(texts)]]})
            latencies[i] = (time.perf_counter() - due) * 1000
            errors += response.status_code != 200

        start = time.perf_counter() + 0.5
        await asyncio.gather(*(one(i, start + i / rate) for i in range(n)))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="запросов в секунду")
    parser.add_argument("--seconds", type=float, default=20.0, help="длительность нагрузки")
    parser.add_argument("--model-dir", type=Path, default=BENCH / "models")
    args = parser.parse_args()

    model_id = spb_model(args.model_dir)
    texts = dev_texts(5000)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = {**os.environ, "DATABASE_URL": db, "PAINMAP_MODEL_DIR": str(args.model_dir)}
        subprocess.run(
            [sys.executable, "-m", "service.cli", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        key = subprocess.run(
            [sys.executable, "-m", "service.cli", "keys", "create", "--role", "reader"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("сервер не поднялся (см. вывод выше)")
                time.sleep(0.3)
            idle_rss, _ = rss_mb(server.pid)
            asyncio.run(load(url, key, texts, rate=50, seconds=4))  # warm-up: caches, connections
            latencies, errors = asyncio.run(load(url, key, texts, args.rate, args.seconds))
            rss, peak = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    p50, p95, p99, worst = np.nanpercentile(latencies, [50, 95, 99, 100])
    figures = {
        "model_id": model_id,
        "rate_rps": args.rate,
        "requests": len(latencies),
        "errors": int(errors),
        "latency_ms": {
            "p50": round(p50, 2),
            "p95": round(p95, 2),
            "p99": round(p99, 2),
            "max": round(worst, 2),
        },
        "rss_mb": {"idle": round(idle_rss, 1), "after_load": round(rss, 1), "peak": round(peak, 1)},
        "cpus": os.cpu_count(),
    }
    BENCH.mkdir(exist_ok=True)
    (BENCH / "serve.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(
        f"модель {model_id}; {len(latencies)} запросов по 1 тексту, {args.rate:.0f} запр/с, ошибок {errors}"
    )
    print(
        f"задержка, мс: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {worst:.1f}  "
        f"(цель p99 ≤ {P99_TARGET_MS:.0f}: {'да' if p99 <= P99_TARGET_MS else 'нет'}, "
        f"отношение {p99 / P99_TARGET_MS:.2f})"
    )
    print(
        f"RSS сервера, МБ: после старта {idle_rss:.0f}, после нагрузки {rss:.0f}, пик {peak:.0f} "
        f"(цель ≤ {RSS_TARGET_MB:.0f}: {'да' if peak <= RSS_TARGET_MB else 'нет'}, "
        f"отношение {peak / RSS_TARGET_MB:.2f})"
    )


if __name__ == "__main__":
    main()
