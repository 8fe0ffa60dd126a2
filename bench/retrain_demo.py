"""Retrain demo on SPb (issue #4): a champion trained on October–January, February added as the new quarter.

    .venv/bin/python bench/retrain_demo.py [--keep DIR]

Runs the real CLI (`painmap train`, then `painmap retrain --new`) on CSV files cut from
../shared/external/spb-gorod-appeals and prints what it prints: the champion vs challenger comparison on the
newest part of February and the promotion decision.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SPB = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"
HEADS = ["--head", "category=category", "--head", "reason=reason"]


def painmap(*args: str) -> float:
    started = time.perf_counter()
    cmd = [str(ROOT / ".venv" / "bin" / "painmap"), *args]
    print("$ painmap " + " ".join(args), flush=True)
    subprocess.run(cmd, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the data and the registry in this folder")
    args = parser.parse_args()
    parts = sorted(SPB.glob("appeals.part*.csv.gz"))
    if not parts:
        raise SystemExit(f"нет данных SPb в {SPB}")
    cols = ["id", "created_at", "category", "reason", "text"]
    frame = pd.concat((pd.read_csv(p, usecols=cols, dtype=str) for p in parts), ignore_index=True).fillna("")
    frame = frame.sort_values("created_at", kind="stable")
    month = frame["created_at"].str[:7]
    old, new = frame[month < "2021-02"], frame[month == "2021-02"]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        old.to_csv(work / "spb_oct_jan.csv", index=False)
        new.to_csv(work / "spb_feb.csv", index=False)
        print(f"Oct–Jan: {len(old)} rows; February: {len(new)} rows", flush=True)
        registry = work / "models"
        train_s = painmap("train", "--data", str(work / "spb_oct_jan.csv"), "--text-col", "text", *HEADS,
                          "--time-col", "created_at", "--model-dir", str(registry), "--promote")
        retrain_s = painmap("retrain", "--new", str(work / "spb_feb.csv"), "--model-dir", str(registry))
        print(f"train {train_s:.0f} s, retrain (challenger + comparison) {retrain_s:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
