"""How the review thresholds are chosen on the holdout, compared on SPb (issue #4, abstention).

One fit captures the holdout's (prediction, probability, truth) per head; every rule then picks its
per-class thresholds from those arrays and is judged on the evaluation split: coverage (share not sent to
review) and precision of what is kept, against the target. Rules: the point estimate of the holdout
precision (z = 0, what the classifier did until this bench), its Wilson lower bound for a few z, and a
stricter holdout target: the allowed error rate (1 − target) times a factor (0.8: 0.95 is sought as 0.96).

    python bench/thresholds.py --split dev              # tuning: train on train, judge on March dev
    python bench/thresholds.py --split test --metadata  # final: train on train+dev, judge on April test
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import models.classify as classify  # noqa: E402
from bench.spb_eval import TARGETS, load_spb  # noqa: E402
from models.calibration import class_thresholds  # noqa: E402

RULES = ((0.0, 1.0), (0.5, 1.0), (1.0, 1.0), (0.0, 0.8), (0.0, 0.7), (0.0, 0.6), (0.0, 0.5))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=["dev", "test"], default="dev")
    ap.add_argument(
        "--metadata", action="store_true", help="city_object and district written before the text"
    )
    args = ap.parse_args()

    df = load_spb()
    tr = df[df.split.isin(["train"] if args.split == "dev" else ["train", "dev"])]
    te = df[df.split == args.split].reset_index(drop=True)
    heads = ["category", "reason", "process"]

    def texts(part):
        return (
            (part.city_object + ". " + part.district + ". " + part.text).tolist()
            if args.metadata
            else part.text.tolist()
        )

    captured: dict[int, tuple] = {}
    original = classify.class_thresholds

    def capture(pred, top, true_idx, n_classes, target, min_support=20, **kw):
        captured[len(captured)] = (pred, top, true_idx, n_classes, min_support)
        return original(pred, top, true_idx, n_classes, target, min_support, **kw)

    classify.class_thresholds = capture
    model = classify.MultiHeadClassifier(target_precision=TARGETS, n_jobs=-1)
    model.fit(texts(tr), tr[heads])
    classify.class_thresholds = original
    table = model.predict_table(texts(te))
    print(
        f"{args.split}{' + metadata' if args.metadata else ''}: {len(te)} texts, holdout {model.n_holdout_}"
    )
    for i, head in enumerate(heads):
        pred_h, top_h, true_h, n_classes, min_support = captured[i]
        target = TARGETS[head]
        classes = list(model.classes_[head])
        pred = np.array([classes.index(p) for p in table[head]])
        proba = table[f"{head}_proba"].to_numpy()
        correct = table[head].to_numpy() == te[head].to_numpy()
        for z, factor in RULES:
            sought = 1 - (1 - target) * factor
            thresholds = class_thresholds(pred_h, top_h, true_h, n_classes, sought, min_support, z=z)
            kept = proba >= thresholds[pred]
            precision = correct[kept].mean() if kept.any() else float("nan")
            mark = "✓" if precision >= target else "✗"
            print(
                f"  {head:8s} z={z:.1f} sought {sought:.3f}: coverage {kept.mean():6.1%}, "
                f"precision {precision:.3f} (target {target}) {mark}"
            )


if __name__ == "__main__":
    main()
