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


def spb_model(model_dir: Path, train_rows: int) -> str:
    """The champion of the bench registry; trains one (category, reason) on SPb train rows if absent.

    `train_rows` > 0 samples that many train rows (the full 38k-row fit takes minutes on a busy 2-core box);
    the card records the file it was trained on, so the figures say which model they belong to.
    """
    sys.path.insert(0, str(ROOT))
    from models.registry import ModelRegistry

    champion = ModelRegistry(model_dir).champion_id()
    if champion:
        return champion
    parts = sorted(SPB.glob("appeals.part*.csv.gz"))
    if not parts:
        raise SystemExit(f"нет данных SPb в {SPB}: бенчмарку нужна модель на реальных обращениях")
    frame = pd.concat(pd.read_csv(p, usecols=["split", "category", "reason", "text"]) for p in parts)
    frame = frame[frame["split"] == "train"].dropna()
    if 0 < train_rows < len(frame):
        frame = frame.sample(n=train_rows, random_state=0)
    BENCH.mkdir(exist_ok=True)
    data = BENCH / f"spb_train_{len(frame)}.csv"  # .bench/ is git-ignored: SPb data never enters the repo
    frame.to_csv(data, index=False)
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "train",
        "--data",
        str(data),
        "--text-col",
        "text",
        "--head",
        "category",
        "--head",
        "reason",
        "--model-dir",
        str(model_dir),
    ]
    print(f"обучаю модель SPb на {len(frame)} строках train…", flush=True)
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


def wait_ready(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until the server answers /readyz with 200; exit naming the failure if it stops or is late."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("сервер не поднялся (см. вывод выше)")
        time.sleep(0.3)


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    """One HTTP/1.1 keep-alive exchange on an open connection; returns the status code."""
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(h.split(":", 1)[1]) for h in lines if h.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def load(
    port: int, key: str, texts: list[str], rate: float, seconds: float, connections: int = 32
) -> tuple[np.ndarray, int]:
    """Open-loop load: request i is due at start + i/rate and waits in a queue for a free connection, so
    queueing counts in its latency. Raw HTTP/1.1 on keep-alive sockets: a client library's own overhead
    would otherwise dominate the figures on a 2-core machine. Returns latencies (ms) and the error count."""
    n = int(rate * seconds)
    bodies = [json.dumps({"texts": [t]}, ensure_ascii=False).encode() for t in texts]
    latencies = np.full(n, np.nan)
    errors = 0
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (job := await queue.get()) is not None:
                i, due = job
                body = bodies[i % len(bodies)]
                raw = (
                    f"POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode() + body
                status = await _request(reader, writer, raw)
                latencies[i] = (time.perf_counter() - due) * 1000
                errors += status != 200
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter() + 0.2
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, errors


def server_time_shares(metrics: str) -> dict[str, float]:
    """Share of /v1/classify requests the server itself finished within each histogram bound (warm-up
    included): beside the client's latencies it tells server work from queueing on a busy machine."""
    buckets = {}
    for line in metrics.splitlines():
        if line.startswith("painmap_http_request_seconds_bucket") and 'route="/v1/classify"' in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[bound] = float(line.rsplit(" ", 1)[1])
    total = buckets.get("+Inf", 0.0)
    return {f"{float(b) * 1000:g}": round(n / total, 4) for b, n in buckets.items() if b != "+Inf" and total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="запросов в секунду")
    parser.add_argument("--seconds", type=float, default=20.0, help="длительность нагрузки")
    parser.add_argument("--model-dir", type=Path, default=BENCH / "models")
    parser.add_argument("--train-rows", type=int, default=0, help="строк SPb train для модели (0 — все)")
    args = parser.parse_args()

    model_id = spb_model(args.model_dir, args.train_rows)
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
            wait_ready(url, server)
            idle_rss, _ = rss_mb(server.pid)
            asyncio.run(load(port, key, texts, rate=50, seconds=4))  # warm-up: caches, connections
            latencies, errors = asyncio.run(load(port, key, texts, args.rate, args.seconds))
            rss, peak = rss_mb(server.pid)
            server_side = server_time_shares(httpx.get(f"{url}/metrics", timeout=10).text)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # open keep-alive connections can hold a graceful stop
                server.kill()
                server.wait()

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
        "server_time_share_within_ms": server_side,
        "load_average_1m": round(os.getloadavg()[0], 2),  # other processes on the box skew the tail
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
    shares = ", ".join(f"≤ {ms} мс: {share:.1%}" for ms, share in server_side.items() if float(ms) <= 50)
    print(f"время внутри сервера (гистограмма /metrics): {shares}")
    print(f"нагрузка машины (loadavg 1 мин): {figures['load_average_1m']}")
    print(
        f"RSS сервера, МБ: после старта {idle_rss:.0f}, после нагрузки {rss:.0f}, пик {peak:.0f} "
        f"(цель ≤ {RSS_TARGET_MB:.0f}: {'да' if peak <= RSS_TARGET_MB else 'нет'}, "
        f"отношение {peak / RSS_TARGET_MB:.2f})"
    )


if __name__ == "__main__":
    main()
