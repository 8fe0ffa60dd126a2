"""Evaluation of a multi-head classifier: per-class scores, abstention coverage, confusions, duplicates.

Short boilerplate texts («мусор», «снег на дороге») recur verbatim across periods, so every report is given
twice: on all test items and on those whose text (case/whitespace-normalised) never occurs in training.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

_SPACES = re.compile(r"\s+")


def duplicate_key(text: object) -> str:
    """The key under which two texts count as the same: lower case, collapsed whitespace."""
    return _SPACES.sub(" ", str(text) if isinstance(text, str) else "").strip().lower()


def coverage_at_precision(proba: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Largest share of items auto-accepted (most confident first) while keeping ``target`` precision."""
    if len(proba) == 0:
        return 0.0
    order = np.argsort(-np.asarray(proba), kind="stable")
    prec = np.cumsum(np.asarray(correct)[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(prec >= target)
    return float((ok[-1] + 1) / len(order)) if len(ok) else 0.0


def evaluate_head(y_true: Sequence[str], y_pred: Sequence[str], proba: Sequence[float] | None = None,
                  review: Sequence[bool] | None = None, target_precision: float = 0.95,
                  top_confusions: int = 10) -> dict:
    """Scores of one head. ``proba``: probability of each prediction; ``review``: the model's abstentions."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = np.isin(labels, np.unique(y_true))  # macro over classes that occur in the truth
    correct = y_true == y_pred
    out: dict = {
        "n": int(len(y_true)),
        "accuracy": float(correct.mean()) if len(y_true) else 0.0,
        "macro_f1": float(f[present].mean()) if present.any() else 0.0,
        "macro_precision": float(p[present].mean()) if present.any() else 0.0,
        "macro_recall": float(r[present].mean()) if present.any() else 0.0,
        "weighted_f1": float(np.average(f, weights=s)) if s.sum() else 0.0,
        "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                            "support": int(s[i])} for i, lab in enumerate(labels)},
    }
    if proba is not None:
        out["target_precision"] = target_precision
        out["oracle_coverage_at_target"] = coverage_at_precision(np.asarray(proba), correct, target_precision)
    if review is not None:
        accepted = ~np.asarray(review, dtype=bool)
        out["coverage"] = float(accepted.mean()) if len(accepted) else 0.0
        out["precision_accepted"] = float(correct[accepted].mean()) if accepted.any() else 0.0
    pairs = pd.Series(list(zip(y_true[~correct], y_pred[~correct], strict=True))).value_counts()
    out["most_confused"] = [{"true": t, "pred": pr, "count": int(c)}
                            for (t, pr), c in pairs.head(top_confusions).items()]
    return out


def evaluation_report(model, texts: Sequence[str], y: pd.DataFrame, train_texts: Sequence[str] | None = None,
                      target_precision: float | dict[str, float] | None = None,
                      table: pd.DataFrame | None = None,
                      duplicate_texts: Sequence[str] | None = None) -> dict:
    """Evaluate every head of ``model`` present in ``y``, on all items and without train duplicates.

    ``table``: the model's ``predict_table(texts)`` when the caller already has it. ``duplicate_texts``: what
    is compared with ``train_texts`` when the model input is more than the text (metadata + text).
    """
    table = model.predict_table(list(texts)) if table is None else table.reset_index(drop=True)
    y = pd.DataFrame(y).reset_index(drop=True).astype(str)
    subsets = {"all": np.ones(len(y), dtype=bool)}
    if train_texts is not None:
        seen = {duplicate_key(t) for t in train_texts}
        keys = texts if duplicate_texts is None else duplicate_texts
        subsets["no_train_duplicates"] = np.array([duplicate_key(t) not in seen for t in keys], dtype=bool)
    report: dict = {"n": int(len(y)), "heads": {}}
    if train_texts is not None:
        report["n_train_duplicates"] = int((~subsets["no_train_duplicates"]).sum())
    for h in [c for c in y.columns if c in model.heads_]:
        if isinstance(target_precision, dict):
            target = target_precision.get(h, 0.95)
        elif target_precision is not None:
            target = target_precision
        else:
            target = model._target(h) if hasattr(model, "_target") else 0.95
        report["heads"][h] = {
            name: evaluate_head(y[h][mask], table[h][mask], table[f"{h}_proba"][mask],
                                table[f"{h}_review"][mask], target)
            for name, mask in subsets.items()
        }
    return report


def _markdown(report: dict) -> str:
    lines = ["# Оценка классификатора", "", f"Объектов: {report['n']}"]
    if "n_train_duplicates" in report:
        lines.append(f"; из них дословно встречаются в обучении: {report['n_train_duplicates']}")
    lines += ["", "| поле | выборка | accuracy | macro-F1 | weighted-F1 | покрытие | точность принятых |",
              "|---|---|---|---|---|---|---|"]
    for h, subsets in report["heads"].items():
        for name, m in subsets.items():
            cov = f"{m['coverage']:.1%}" if "coverage" in m else "—"
            pa = f"{m['precision_accepted']:.3f}" if "precision_accepted" in m else "—"
            lines.append(f"| {h} | {name} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} "
                         f"| {m['weighted_f1']:.3f} | {cov} | {pa} |")
    for h, subsets in report["heads"].items():
        m = subsets["all"]
        lines += ["", f"## {h}: по классам", "", "| класс | precision | recall | F1 | support |",
                  "|---|---|---|---|---|"]
        for lab, c in sorted(m["per_class"].items(), key=lambda kv: -kv[1]["support"]):
            lines.append(f"| {lab} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
                         f"| {c['support']} |")
        lines += ["", f"### {h}: частые ошибки", "", "| истинный | предсказанный | число |", "|---|---|---|"]
        lines += [f"| {c['true']} | {c['pred']} | {c['count']} |" for c in m["most_confused"]]
    return "\n".join(lines) + "\n"


def write_report(report: dict, json_path: Path | str, md_path: Path | str | None = None) -> None:
    """Write the report as JSON (machine) and Markdown (analysts)."""
    Path(json_path).write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    if md_path is not None:
        Path(md_path).write_text(_markdown(report), "utf-8")
