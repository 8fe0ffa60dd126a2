"""SPb acceptance measurement for the classifier (issue #4): quality, abstention, prevalence, speed.

    python bench/spb_eval.py --split test      # final: train on train+dev, report on April test
    python bench/spb_eval.py --split dev       # tuning: train on train, report on March dev

Prints the figures and writes JSON + Markdown reports to --out (default var/reports/). Needs
../shared/external/spb-gorod-appeals next to the repository.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.classify import LEAF_SEP, MultiHeadClassifier  # noqa: E402
from models.evaluate import duplicate_key, evaluate_head, evaluation_report, write_report  # noqa: E402
from models.features import TextFeatures  # noqa: E402
from models.prevalence import estimate_shares, total_abs_error  # noqa: E402
from models.taxonomy import load_taxonomy  # noqa: E402

SPB = ROOT.parent / "shared" / "external" / "spb-gorod-appeals"
TARGETS = {"category": 0.99, "reason": 0.95, "process": 0.95}


def load_spb() -> pd.DataFrame:
    files = sorted(glob.glob(str(SPB / "appeals.part*.csv.gz")))
    if not files:
        raise SystemExit(f"нет данных SPb: {SPB}/appeals.part*.csv.gz")
    df = pd.concat(pd.read_csv(f, dtype=str) for f in files).fillna("")
    rollup = load_taxonomy().reason_rollup()
    df["process"] = [rollup[(c, r)] for c, r in zip(df.category, df.reason, strict=True)]
    return df.sort_values("created_at", kind="stable").reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--C", type=float, default=0.6)
    ap.add_argument("--class-weight", default="sqrt", help="sqrt (default), balanced or none")
    ap.add_argument("--n-jobs", type=int, default=-1, help="processes for the linear models (-1: all cores)")
    ap.add_argument("--char-weight", type=float, default=1.0)
    ap.add_argument("--calibration-fraction", type=float, default=0.15)
    ap.add_argument("--no-refit", action="store_true")
    ap.add_argument("--flat", action="store_true", help="variant: one model per head, no hierarchy")
    ap.add_argument("--metadata", action="store_true", help="variant: city_object and district + text")
    ap.add_argument("--semantic", type=float, default=0.0,
                    help="quality mode: e5 vectors at this weight (1.0 as `painmap train --semantic`); set "
                    "PAINMAP_CACHE_DIR to keep the vectors")
    ap.add_argument("--neighbour-weight", default="auto",
                    help="quality mode: share of the nearest training texts' vote (models.neighbours; 0 off; "
                    "auto: chosen on the holdout)")
    ap.add_argument("--out", type=Path, default=ROOT / "var" / "reports")
    args = ap.parse_args()

    df = load_spb()
    train_splits = ["train"] if args.split == "dev" else ["train", "dev"]
    tr, te = df[df.split.isin(train_splits)], df[df.split == args.split].reset_index(drop=True)
    heads = ["category", "reason", "process"]

    def texts(part: pd.DataFrame) -> list[str]:
        if not args.metadata:
            return part.text.tolist()
        return (part.city_object + ". " + part.district + ". " + part.text).tolist()

    hierarchy = None if args.flat else ("category", "reason")
    weight = None if args.class_weight == "none" else args.class_weight
    model = MultiHeadClassifier(hierarchy=hierarchy, C=args.C, target_precision=TARGETS, class_weight=weight,
                                n_jobs=args.n_jobs,
                                calibration_fraction=args.calibration_fraction, refit=not args.no_refit,
                                neighbour_weight=args.neighbour_weight if args.neighbour_weight == "auto"
                                else float(args.neighbour_weight),
                                features=TextFeatures(char_weight=args.char_weight,
                                                      semantic_weight=args.semantic))
    load_before = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(texts(tr), tr[heads])
    fit_s, fit_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    load_after = os.getloadavg()
    print(f"fit: {fit_s:.1f} s wall, {fit_cpu_s:.1f} s CPU, load {load_before[0]:.1f} → {load_after[0]:.1f}",
          flush=True)

    t0 = time.perf_counter()
    pred = model.predict_table(texts(te))
    batch_s = time.perf_counter() - t0
    report = evaluation_report(model, texts(te), te[heads], train_texts=tr.text.tolist(), table=pred,
                               duplicate_texts=te.text.tolist())
    # Reason accuracy on the (category, reason) pair: a reason name is unique only within its category.
    seen = {duplicate_key(t) for t in tr.text}
    fresh = np.array([duplicate_key(t) not in seen for t in te.text])
    pair_true = (te.category + LEAF_SEP + te.reason).to_numpy()
    pair_pred = (pred.category + LEAF_SEP + pred.reason).to_numpy()
    report["reason_pair"] = {"all": evaluate_head(pair_true, pair_pred),
                             "no_train_duplicates": evaluate_head(pair_true[fresh], pair_pred[fresh])}
    for part in report["reason_pair"].values():
        part.pop("per_class")

    prevalence = {}
    proba = model.predict_proba(texts(te))
    for h in heads:  # point estimates only: the intervals do not enter the error figure
        est = estimate_shares(proba[h], model.classes_[h], model.holdout_stats_[h], n_boot=0)
        prevalence[h] = total_abs_error(est, te[h])
    report["prevalence_total_abs_error_pp"] = prevalence

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.pkl"
        path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        bundle_mb = path.stat().st_size / 2**20
    sample = te.text.sample(min(1000, len(te)), random_state=0).tolist()
    for t in sample[:50]:
        model.predict_one(t)  # warm the lemma cache like a running service
    lat = []
    for t in sample:
        s = time.perf_counter()
        model.predict_one(t)
        lat.append((time.perf_counter() - s) * 1000)
    report["speed"] = {"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "train_rows": len(tr),
                       "loadavg_before": load_before,
                       "loadavg_after": load_after, "cpus": os.cpu_count(), "bundle_mb_pickle": bundle_mb,
                       "predict_one_ms_median": float(np.median(lat)),
                       "predict_one_ms_p95": float(np.percentile(lat, 95)),
                       "batch_docs_per_s": len(te) / batch_s, "n_features": model.features_.n_features_,
                       "temperature": [g.temperature for g in model.groups_],
                       "neighbour_weight": getattr(model, "neighbour_weight_", None)}
    report["config"] = vars(args) | {"out": str(args.out)}

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"spb_{args.split}" + ("_metadata" if args.metadata else "") + ("_flat" if args.flat else "")
    write_report(report, args.out / f"{stem}.json", args.out / f"{stem}.md")
    print(f"SPb {args.split}: train {len(tr)} rows ({'+'.join(train_splits)}), eval {len(te)} rows, "
          f"{report['n_train_duplicates']} verbatim in train")
    for h in heads:
        for name, m in report["heads"][h].items():
            print(f"  {h:9s} {name:20s} acc {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                  f"coverage {m['coverage']:.1%} @ precision {m['precision_accepted']:.3f} "
                  f"(target {m['target_precision']}; oracle {m['oracle_coverage_at_target']:.1%})")
    for name, m in report["reason_pair"].items():
        print(f"  reason pair {name:20s} acc {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}")
    for h, errs in prevalence.items():
        print(f"  prevalence Σ|err| pp {h:9s} " + "  ".join(f"{k} {v:.2f}" for k, v in errs.items()))
    print("  speed " + json.dumps(report["speed"]))


if __name__ == "__main__":
    main()
