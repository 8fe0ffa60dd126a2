"""Classifier and batch-scoring benchmark on the SPb appeals (../shared/external/spb-gorod-appeals).

Prints: training time on the full train split, bundle size, in-process single-doc latency, batch throughput,
and the batch-scoring figures of issue #6 (`painmap score` on an N-row CSV built from SPb texts: docs/s,
wall time, peak RSS; Dask LocalCluster with 1 and 2 workers and their ratio).

    .venv/bin/python bench/classify.py                       # everything, 1,000,000-row file
    .venv/bin/python bench/classify.py --big-rows 200000 --skip-dask
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SPB = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"
sys.path.insert(0, str(ROOT))


def load_spb() -> pd.DataFrame:
    parts = sorted(SPB.glob("appeals.part*.csv.gz"))
    if not parts:
        raise SystemExit(f"нет данных SPb в {SPB}")
    frame = pd.concat(
        (pd.read_csv(p, usecols=["id", "created_at", "split", "category", "reason", "text"]) for p in parts),
        ignore_index=True,
    )
    frame["text"] = frame["text"].fillna("").astype(str)
    return frame


def heads_frame(frame: pd.DataFrame) -> pd.DataFrame:
    y = frame[["category", "reason"]].astype(str).copy()
    try:
        from models.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
        y["process"] = [taxonomy.process_of(c, r) for c, r in zip(y["category"], y["reason"], strict=True)]
    except (ImportError, AttributeError, KeyError) as exc:
        print(f"(голова process пропущена: {exc})")
    return y


def child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_score(big: Path, model_dir: Path, out: Path, *extra: str) -> tuple[float, str]:
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "score",
        str(big),
        "--text-col",
        "text",
        "--model-dir",
        str(model_dir),
        "--out",
        str(out),
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"painmap score завершилась с ошибкой:\n{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="строк в файле для painmap score")
    parser.add_argument("--dask-rows", type=int, default=200_000, help="строк для сравнения Dask 1 и 2")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--model-dir", type=Path, help="взять чемпиона этого реестра вместо обучения на train"
    )
    args = parser.parse_args()

    from models.classify import MultiHeadClassifier
    from models.registry import ModelRegistry

    data = load_spb()
    train = data[data["split"] == "train"].reset_index(drop=True)
    dev = data[data["split"] == "dev"].reset_index(drop=True)
    y = heads_frame(train)
    print(f"SPb: train {len(train)}, dev {len(dev)}; головы: {', '.join(y.columns)}; CPU: {os.cpu_count()}")
    print(f"нагрузка машины (loadavg 1 мин): {os.getloadavg()[0]:.1f}")

    with tempfile.TemporaryDirectory(prefix="bench-classify-") as tmp:
        tmp_path = Path(tmp)
        if args.model_dir:
            registry = ModelRegistry(args.model_dir)
            model_id = registry.load().model_id
            print(f"модель {model_id} из {args.model_dir} (обучение пропущено)")
        else:
            started = time.perf_counter()
            model = MultiHeadClassifier(hierarchy=("category", "reason")).fit(train["text"].tolist(), y)
            print(f"обучение на train: {time.perf_counter() - started:.1f} с")
            registry = ModelRegistry(tmp_path / "models")
            model_id = registry.save(model, {"training_data": {"rows": len(train)}})
            registry.promote(model_id)
        size = sum(p.stat().st_size for p in (registry.root / model_id).iterdir())
        print(f"бандл: {size / 2**20:.1f} МБ")
        started = time.perf_counter()
        model = registry.load().estimator
        print(f"загрузка бандла (проверка sha256 + joblib): {time.perf_counter() - started:.2f} с")

        texts = dev["text"].tolist()
        single = getattr(model, "predict_one", None) or (lambda t: model.predict_table([t]))
        for text in texts[:50]:
            single(text)  # warm caches
        timings = []
        for text in texts[:1000]:
            t0 = time.perf_counter()
            single(text)
            timings.append(time.perf_counter() - t0)
        ms = np.array(timings) * 1000
        print(f"один документ в процессе: медиана {np.median(ms):.2f} мс, p99 {np.percentile(ms, 99):.2f} мс")

        started = time.perf_counter()
        model.predict_table(texts)
        seconds = time.perf_counter() - started
        print(f"пакет dev ({len(texts)}): {len(texts) / seconds:,.0f} док/с (1 процесс)")

        if not args.skip_big or not args.skip_dask:
            rows = max(args.big_rows, args.dask_rows)
            pool = data[["id", "text"]]
            big = pool.sample(n=rows, replace=True, random_state=0).reset_index(drop=True)
            big["id"] = np.arange(rows)
            big_path = tmp_path / "big.csv"
            big.to_csv(big_path, index=False)
        if not args.skip_big:
            path = big_path
            if args.big_rows != rows:
                path = tmp_path / "big_main.csv"
                big.head(args.big_rows).to_csv(path, index=False)
            seconds, line = run_score(path, registry.root, tmp_path / "scored.csv")
            print(
                f"painmap score {args.big_rows:,} строк: {seconds:.1f} с, "
                f"{args.big_rows / seconds:,.0f} строк/с, пик RSS {child_peak_rss_mb():.0f} МБ"
            )
            print(f"  {line}")
        if not args.skip_dask:
            path = tmp_path / "dask.csv"
            big.head(args.dask_rows).to_csv(path, index=False)
            rates = {}
            for workers in (1, 2):
                seconds, _ = run_score(
                    path,
                    registry.root,
                    tmp_path / f"dask{workers}.csv",
                    "--engine",
                    "dask",
                    "--workers",
                    str(workers),
                    "--chunksize",
                    "5000",
                )
                rates[workers] = args.dask_rows / seconds
                print(
                    f"Dask LocalCluster, {workers} worker(s): {seconds:.1f} с, {rates[workers]:,.0f} строк/с"
                )
            print(f"ускорение 2 / 1 worker: {rates[2] / rates[1]:.2f}×")


if __name__ == "__main__":
    main()
