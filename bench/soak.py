"""Soak (issue «Reliability…»): mixed traffic for minutes against `painmap serve --workers 2` with the SPb
model, a pains refresh and a model promotion in the middle.

Open loop at a fixed rate (a request is due at start + i/rate; its latency counts from then, so queueing is
seen): 40 % POST /v1/classify (one SPb dev text), 15 % POST /v1/items (one text, stored and classified),
15 % GET /v1/pains, 15 % GET /v1/painmap, 15 % GET /v1/items?limit=20. At half time POST /v1/pains/refresh
(a job the bench follows to its end), at 60 % POST /v1/models promotes the other of two SPb models. The
database is seeded with 2,000 SPb dev appeals first. Every 10 s the resident memory of the server's
processes (master and workers) is summed.

Targets: 0 failed requests (including across the promotion), p99 ≤ 50 ms, RSS growth < 5 % from minute 2 to
the end. Figures go to .bench/soak.json.

    .venv/bin/python bench/soak.py                          # 10 minutes at 200 req/s
    .venv/bin/python bench/soak.py --minutes 2 --rate 100   # a short look
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from serve import BENCH, _request, dev_texts, free_port, spb_model, wait_ready  # noqa: E402

P99_TARGET_MS, RSS_GROWTH_TARGET = 50.0, 0.05
SEED_DATE = "2026-10-15T10:00:00Z"
MIX = (("classify", 0.40), ("items_post", 0.15), ("pains", 0.15), ("painmap", 0.15), ("items_get", 0.15))


def second_model(model_dir: Path, train_rows: int) -> str:
    """A second SPb model in the same registry (another sample of train), not the champion: what the
    promotion in the middle switches to."""
    sys.path.insert(0, str(ROOT))
    from models.registry import ModelRegistry

    registry = ModelRegistry(model_dir)
    champion = registry.champion_id()
    others = [m for m in registry.ids() if m != champion]
    if others:
        return others[0]
    import pandas as pd
    from serve import SPB

    columns = ["split", "category", "reason", "text"]
    frame = pd.concat(pd.read_csv(p, usecols=columns) for p in sorted(SPB.glob("appeals.part*.csv.gz")))
    frame = frame[frame["split"] == "train"].dropna().sample(n=train_rows, random_state=1)
    data = BENCH / f"spb_train_{train_rows}_b.csv"
    frame.to_csv(data, index=False)
    cmd = [sys.executable, "-m", "service.cli", "train", "--data", str(data), "--text-col", "text",
           "--head", "category", "--head", "reason", "--model-dir", str(model_dir)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    if registry.champion_id() != champion:  # training promoted it: give the champion back
        registry.promote(champion)
    return next(m for m in registry.ids() if m != champion)


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        pending.extend(int(c) for c in children)
    return total / 1024


def _raw(kind: str, keys: dict[str, str], text: bytes, serial: int) -> bytes:
    head = "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if kind == "classify":
        body = b'{"texts": [' + text + b"]}"
        return _post("/v1/classify", keys["reader"], head, body)
    if kind == "items_post":
        body = b'{"items": [{"text": ' + text + f', "external_id": "soak-{serial}"'.encode() + b"}]}"
        return _post("/v1/items", keys["analyst"], head, body)
    path = {"pains": "/v1/pains", "painmap": "/v1/painmap", "items_get": "/v1/items?limit=20"}[kind]
    return f"GET {path} HTTP/1.1\r\n{head}X-API-Key: {keys['reader']}\r\n\r\n".encode()


def _post(path: str, key: str, head: str, body: bytes) -> bytes:
    lines = f"POST {path} HTTP/1.1\r\n{head}X-API-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    return lines.encode() + body


async def load(port: int, keys: dict, texts: list[bytes], rate: float, seconds: float, connections: int = 48):
    """Open-loop mixed load → (kinds, latencies ms, statuses) per request."""
    n = int(rate * seconds)
    rng = np.random.default_rng(0)
    kinds = rng.choice([k for k, _ in MIX], size=n, p=[w for _, w in MIX])
    latencies, statuses = np.full(n, np.nan), np.zeros(n, dtype=int)
    queue: asyncio.Queue = asyncio.Queue()
    run_id = int(time.time())

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (job := await queue.get()) is not None:
                i, due = job
                raw = _raw(str(kinds[i]), keys, texts[i % len(texts)], run_id * 10_000_000 + i)
                try:
                    statuses[i] = await _request(reader, writer, raw)
                except (OSError, asyncio.IncompleteReadError, StopIteration):
                    statuses[i] = -1  # the connection broke: a failed request
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies[i] = (time.perf_counter() - due) * 1000
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter() + 0.2
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, start + i / rate))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return kinds, latencies, statuses


def middle_events(url: str, keys: dict, other_model: str, seconds: float, log: dict) -> None:
    """At 50 %: a pains refresh followed to its end; at 60 %: promote the other model. A failure is recorded,
    not raised (the figures say it)."""
    try:
        _middle_events(url, keys, other_model, seconds, log)
    except httpx.HTTPError as exc:
        log["error"] = repr(exc)


def _middle_events(url: str, keys: dict, other_model: str, seconds: float, log: dict) -> None:
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=120) as client:
        time.sleep(seconds * 0.5)
        job = client.post("/v1/pains/refresh", headers={"X-API-Key": keys["admin"]}, json={}).json()
        t0 = time.monotonic()
        log["refresh_started_s"] = round(t0 - started, 1)
        while True:
            state = client.get(f"/v1/jobs/{job['id']}", headers={"X-API-Key": keys["reader"]}).json()
            if state["status"] in ("done", "failed"):
                break
            time.sleep(1)
        log["refresh"] = {"status": state["status"], "seconds": round(time.monotonic() - t0, 1)}
        time.sleep(max(0.0, seconds * 0.6 - (time.monotonic() - started)))
        promoted = client.post(
            "/v1/models", headers={"X-API-Key": keys["admin"]}, json={"model_id": other_model}
        )
        log["promote"] = {"status": promoted.status_code, "model_id": other_model,
                          "at_s": round(time.monotonic() - started, 1)}
        if promoted.status_code != 200:
            log["promote"]["detail"] = promoted.text[:300]


def stall_stacks(
    url: str, pid: int, stop: threading.Event, out: Path, limit: int = 6, threshold: float = 0.5
) -> None:
    """When a health probe takes over 0.5 s, the Python stacks of every server process (py-spy, where the
    bench environment has it) go to `out`: what a stalled worker was doing. The probes go through 8 kept
    connections, which the kernel spreads over the workers: a frozen worker accepts no new connection, so a
    probe on a fresh one always reached the other worker."""
    spy = ROOT / ".bench-venv" / "bin" / "py-spy"
    if not spy.exists():
        return
    clients = [httpx.Client(base_url=url, timeout=60) for _ in range(8)]
    dumps = 0
    try:
        while dumps < limit and not stop.wait(3):
            waited = 0.0
            for client in clients:
                t0 = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    client.get("/healthz")
                waited = max(waited, time.monotonic() - t0)
            if waited < threshold:
                continue
            dumps += 1
            pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
            with out.open("a") as fh:
                fh.write(f"\n===== a probe waited {waited:.1f} s at {time.strftime('%H:%M:%S')} =====\n")
                for one in pids:
                    command = [str(spy), "dump", "--pid", str(one)]
                    dump = subprocess.run(command, capture_output=True, text=True)
                    fh.write(f"--- pid {one}\n{dump.stdout}{dump.stderr}\n")
    finally:
        for client in clients:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="запросов в секунду")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model-dir", type=Path, default=BENCH / "soak-models")
    parser.add_argument("--window", type=int, default=30, help="окно для p99 по времени, с")
    parser.add_argument("--train-rows", type=int, default=8000, help="строк SPb train на каждую модель")
    args = parser.parse_args()
    seconds = args.minutes * 60

    champion = spb_model(args.model_dir, args.train_rows)
    other = second_model(args.model_dir, args.train_rows)
    texts = [json.dumps(t, ensure_ascii=False).encode() for t in dev_texts(7000)]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'soak.db'}",
               "PAINMAP_MODEL_DIR": str(args.model_dir)}
        cli = [sys.executable, "-m", "service.cli"]
        subprocess.run([*cli, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        keys = {
            role: subprocess.run([*cli, "keys", "create", "--role", role], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
            for role in ("reader", "analyst", "admin")
        }
        port = free_port()
        server_log = (Path(tmp) / "server.log").open("wb")
        server = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, server)
            _seed(url, keys["analyst"], texts[5000:7000])
            asyncio.run(load(port, keys, texts, rate=50, seconds=4))  # warm-up
            rss: list[tuple[float, float]] = []
            stop = threading.Event()

            def sample() -> None:
                t0 = time.monotonic()
                while not stop.wait(10):
                    rss.append((round(time.monotonic() - t0), process_tree_rss_mb(server.pid)))

            events: dict = {}
            stacks = BENCH / "soak-stacks.txt"
            stacks.unlink(missing_ok=True)
            threads = [threading.Thread(target=sample, daemon=True),
                       threading.Thread(target=middle_events, args=(url, keys, other, seconds, events)),
                       threading.Thread(target=stall_stacks, args=(url, server.pid, stop, stacks),
                                        daemon=True)]
            for thread in threads:
                thread.start()
            kinds, latencies, statuses = asyncio.run(load(port, keys, texts[:5000], args.rate, seconds))
            stop.set()
            threads[1].join(timeout=300)
            if threads[1].is_alive():
                events.setdefault("error", "пересчёт или смена модели не закончились за 5 мин после нагрузки")
            log = (Path(tmp) / "server.log").read_text(errors="replace")
            (BENCH / "soak-server.log").write_text(log)  # kept: what the server said during the run
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            with contextlib.suppress(ProcessLookupError):  # workers a killed master would leave behind
                os.killpg(server.pid, signal.SIGKILL)
            server_log.close()
    report(args, champion, other, kinds, latencies, statuses, rss, events, log)


def _seed(url: str, key: str, texts: list[bytes]) -> None:
    with httpx.Client(base_url=url, timeout=120, headers={"X-API-Key": key}) as client:
        for start in range(0, len(texts), 100):
            items = [
                {"text": json.loads(t), "external_id": f"seed-{start + i}", "created_at": SEED_DATE}
                for i, t in enumerate(texts[start : start + 100])
            ]
            client.post("/v1/items", json={"items": items}).raise_for_status()


def report(args, champion, other, kinds, latencies, statuses, rss, events, log) -> None:  # noqa: ANN001
    failed = int(((statuses < 200) | (statuses >= 400)).sum())
    p50, p95, p99 = np.nanpercentile(latencies, [50, 95, 99])
    per_kind = {
        str(k): {"requests": int((kinds == k).sum()),
                 "failed": int(((statuses[kinds == k] < 200) | (statuses[kinds == k] >= 400)).sum()),
                 "p99_ms": round(float(np.nanpercentile(latencies[kinds == k], 99)), 1)}
        for k, _ in MIX
    }
    # Latency over time, by `--window` seconds (30): where a slow stretch began and whether it drained.
    due = np.arange(len(statuses)) / args.rate
    bad = (statuses < 200) | (statuses >= 400)
    timeline = []
    for t0 in range(0, int(due[-1]) + 1 if len(due) else 0, args.window):
        window = (due >= t0) & (due < t0 + args.window)
        p99_window = float(np.nanpercentile(latencies[window], 99))
        by_kind = {
            str(k): round(float(np.nanpercentile(latencies[window & (kinds == k)], 99)), 1)
            for k, _ in MIX if (window & (kinds == k)).any()
        }
        timeline.append({"from_s": t0, "p99_ms": round(p99_window, 1), "failed": int(bad[window].sum()),
                         "p99_ms_by_kind": by_kind})
    base = next((mb for t, mb in rss if t >= 120), rss[0][1] if rss else float("nan"))
    end = rss[-1][1] if rss else float("nan")
    growth = (end - base) / base if base else float("nan")
    figures = {
        "minutes": args.minutes, "rate_rps": args.rate, "workers": args.workers,
        "models": {"champion_at_start": champion, "promoted": other},
        "requests": len(statuses), "failed": failed,
        "statuses": {str(s): int((statuses == s).sum()) for s in np.unique(statuses)},
        "latency_ms": {"p50": round(p50, 1), "p95": round(p95, 1), "p99": round(p99, 1)},
        "per_kind": per_kind, "events": events, "timeline": timeline,
        "rss_mb": {"minute_2": round(base, 1), "end": round(end, 1), "growth": round(growth, 4),
                   "series": rss},
        "server_tracebacks": log.count("Traceback"),
        "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
    }
    BENCH.mkdir(exist_ok=True)
    (BENCH / "soak.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"{len(statuses)} запросов за {args.minutes:g} мин, {args.rate:.0f} запр/с, "
          f"{args.workers} процесса; неудачных {failed} (цель 0), "
          f"трассировок в журнале {figures['server_tracebacks']}")
    print(f"задержка, мс: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f} "
          f"(цель ≤ {P99_TARGET_MS:.0f}: отношение {p99 / P99_TARGET_MS:.2f})")
    for kind, row in per_kind.items():
        print(f"  {kind:<11} {row['requests']:6d} запросов, неудачных {row['failed']}, "
              f"p99 {row['p99_ms']} мс")
    print(f"в середине: пересчёт болей {events.get('refresh')}, смена модели {events.get('promote')}"
          + (f"; ошибка: {events['error']}" if "error" in events else ""))
    print(f"p99 по {args.window}-секундным окнам, мс: " + " ".join(f"{w['p99_ms']:.0f}" for w in timeline))
    if figures["server_tracebacks"]:
        print("журнал сервера (конец):\n" + log[-3000:])
    busy = [line for line in log.splitlines() if "база занята" in line]
    if busy:
        print(f"503 «база занята» в журнале: {len(busy)}; первые:\n" + "\n".join(busy[:8]))
    print(f"RSS сервера (все процессы), МБ: 2-я минута {base:.0f}, конец {end:.0f}, рост {growth:.1%} "
          f"(цель < {RSS_GROWTH_TARGET:.0%})")


if __name__ == "__main__":
    main()
