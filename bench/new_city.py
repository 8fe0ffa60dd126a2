"""A classifier for a new city: small labelled data, many classes, a long tail (issue «A topic classifier
that carries to a new city»). painmap's `MultiHeadClassifier` against a char TF-IDF + logistic regression
baseline in the same run, trained and tested on the same rows:

- `bank` — the bank reviews (../shared/external/gpb-bank-reviews-2025) by `product_type`, time split: the
  newest 20 % (by review date) are the test;
- `spb2k` — 2,000 SPb appeals drawn from the train split (seed 0), reasons as labels (with their category as a
  coarser head, so a rare reason backs off to it), tested on the April test split (Благоустройство +
  Содержание МКД and the rest alike; `--test-rows` draws a sample).

Per set: accuracy and macro-F1 of both; painmap's coverage (not sent to review) and the precision of what it
covers; for both, the largest coverage at which precision stays ≥ 0.9 (most confident first); rows whose label
the training never had; time.

    .venv/bin/python bench/new_city.py                 # both sets
    .venv/bin/python bench/new_city.py spb2k --train-rows 3000
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "external"
GENITIVE_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")
MONTHS = {m: i + 1 for i, m in enumerate(GENITIVE_MONTHS)}


def bank() -> tuple[pd.DataFrame, pd.DataFrame, list[str], str]:
    frame = pd.read_csv(SHARED / "gpb-bank-reviews-2025" / "gpb_reviews_by_product.csv.gz")
    frame = frame.assign(text=frame["text"].fillna("").astype(str), when=frame["review_date"].map(_date))
    frame = frame[frame["text"].str.strip() != ""].sort_values("when", kind="stable").reset_index(drop=True)
    cut = int(len(frame) * 0.8)
    return frame.iloc[:cut], frame.iloc[cut:], ["product_type"], "product_type"


def _date(value) -> pd.Timestamp:
    text = str(value)
    found = re.match(r"(\d{1,2})\s+([а-я]+)(?:\s+(\d{4}))?", text)
    if found and found.group(2) in MONTHS:  # «15 сентября»: the site's own year, 2025
        return pd.Timestamp(int(found.group(3) or 2025), MONTHS[found.group(2)], int(found.group(1)))
    parsed = pd.to_datetime(text, dayfirst=True, errors="coerce")
    return parsed if not pd.isna(parsed) else pd.Timestamp("2000-01-01")


def spb2k(train_rows: int, test_rows: int | None) -> tuple[pd.DataFrame, pd.DataFrame, list[str], str]:
    parts = sorted((SHARED / "spb-gorod-appeals").glob("appeals.part*.csv.gz"))
    frame = pd.concat((pd.read_csv(p, usecols=["split", "category", "reason", "text"]) for p in parts),
                      ignore_index=True)
    frame = frame.assign(text=frame["text"].fillna("").astype(str))
    frame = frame[frame["text"].str.strip() != ""]
    train = frame[frame["split"] == "train"].sample(train_rows, random_state=0).reset_index(drop=True)
    test = frame[frame["split"] == "test"]
    if test_rows and len(test) > test_rows:
        test = test.sample(test_rows, random_state=0)
    return train, test.reset_index(drop=True), ["category", "reason"], "reason"


def coverage_at(precision: float, confidence: np.ndarray, correct: np.ndarray) -> float:
    """The largest share of rows, most confident first, whose precision stays ≥ `precision`."""
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(running >= precision)
    return float((ok[-1] + 1) / len(order)) if len(ok) else 0.0


def baseline(train: pd.DataFrame, test: pd.DataFrame, head: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                 max_features=300_000, lowercase=True)
    X = vectorizer.fit_transform(train["text"])
    model = LogisticRegression(C=10.0, max_iter=2000).fit(X, train[head])
    proba = model.predict_proba(vectorizer.transform(test["text"]))
    return model.classes_[proba.argmax(axis=1)], proba.max(axis=1)


def painmap(train: pd.DataFrame, test: pd.DataFrame, heads: list[str], head: str, semantic: float = 0.0):
    from models.classify import MultiHeadClassifier
    from models.features import TextFeatures

    features = TextFeatures(semantic_weight=semantic)
    model = MultiHeadClassifier(n_jobs=-1, validate_taxonomy=False, features=features)
    model.fit(train["text"].tolist(), train[heads])
    table = model.predict_table(test["text"].tolist())
    columns = (head, f"{head}_proba", f"{head}_review")
    return model, *(table[c].to_numpy() for c in columns)


def run(name: str, train: pd.DataFrame, test: pd.DataFrame, heads: list[str], head: str) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    from models.rare_labels import RARE_LABEL

    truth = test[head].astype(str).to_numpy()
    seen = set(train[head].astype(str))
    counts = train[head].value_counts()
    unseen = int((~np.isin(truth, list(seen))).sum())
    print(f"== {name}: train {len(train)} rows, {train[head].nunique()} labels ({int((counts < 5).sum())} "
          f"with < 5 examples); test {len(test)} rows, {unseen} of them with a label the training never had "
          f"({len(set(truth) - seen)} labels)")
    started = time.perf_counter()
    predicted, confidence = baseline(train, test, head)
    seconds = time.perf_counter() - started
    base_acc = accuracy_score(truth, predicted)
    print(f"  char TF-IDF + LR   acc {base_acc:.3f}  macro-F1 "
          f"{f1_score(truth, predicted, average='macro', zero_division=0):.3f}  coverage at precision 0.9 "
          f"{coverage_at(0.9, confidence, predicted == truth):.1%}  {seconds:.1f} s")
    from service.modelling.training import SEMANTIC_WEIGHT  # the weight `painmap train --semantic` uses

    for semantic in (0.0, SEMANTIC_WEIGHT):
        started = time.perf_counter()
        model, predicted, confidence, review = painmap(train, test, heads, head, semantic)
        seconds = time.perf_counter() - started
        labels = sorted((set(truth) | set(predicted)) - {RARE_LABEL})
        acc = accuracy_score(truth, predicted)
        kept = ~review
        covered = (predicted[kept] == truth[kept]).mean() if kept.any() else float("nan")
        name = "painmap --semantic" if semantic else "painmap"
        macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        at90 = coverage_at(0.9, confidence, predicted == truth)
        print(f"  {name:18} acc {acc:.3f}  macro-F1 {macro:.3f}  coverage at precision 0.9 {at90:.1%}  "
              f"own coverage {kept.mean():.1%} at precision {covered:.3f}  {seconds:.1f} s; "
              f"Δ accuracy {100 * (acc - base_acc):+.1f} pts")
        if semantic:
            print(f"  share of the neighbours' vote chosen on the holdout: {model.neighbour_weight_}")
    unlearned = getattr(model, "unlearned_", {}).get(head, [])
    print(f"  labels not learned (< {model.min_examples} examples, sent to review): {len(unlearned)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="*", help="bank, spb2k (default: both)")
    parser.add_argument("--train-rows", type=int, default=2000)
    parser.add_argument("--test-rows", type=int, default=None)
    args = parser.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"нет данных в {SHARED}: нужны ../shared/external (банк и SPb)")
    if unknown := set(args.sets) - {"bank", "spb2k"}:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))} (bank, spb2k)")
    for name in args.sets or ["bank", "spb2k"]:
        data = bank() if name == "bank" else spb2k(args.train_rows, args.test_rows)
        run(name, *data)


if __name__ == "__main__":
    main()
