"""Turning linear-model scores into probabilities and probabilities into abstention thresholds.

Both are fitted on a held-out slice (the newest rows), so a model refitted on all rows keeps thresholds that
were measured on texts it had not seen.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from models.intervals import wilson_interval


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """Temperature T minimising the held-out log loss of softmax(scores / T).

    One parameter, so it cannot overfit the holdout; it keeps the argmax and only spreads or sharpens."""
    rows = np.arange(len(y_idx))

    def nll(log_t: float) -> float:
        p = softmax(scores.astype(np.float64), float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, y_idx], 1e-12, None)).mean())

    res = minimize_scalar(nll, bounds=(np.log(1e-3), np.log(10.0)), method="bounded")
    return float(np.exp(res.x))


def precision_threshold(proba: np.ndarray, correct: np.ndarray, target: float, z: float = 0.0) -> float:
    """Lowest probability t such that the predictions with proba ≥ t reach ``target`` precision.

    With ``z`` > 0 the Wilson lower bound of that precision must reach the target, not the point estimate:
    the lowest threshold whose holdout precision only just touches the target is the one most flattered by
    chance (and a small class's holdout says little). Returns +inf (always review) when even the most
    confident predictions miss the target.
    """
    if len(proba) == 0:
        return float("inf")
    order = np.argsort(-proba, kind="stable")
    hits = np.cumsum(correct[order])
    n = np.arange(1, len(order) + 1)
    precision = wilson_interval(hits, n, z)[0] if z > 0 else hits / n
    ok = np.flatnonzero(precision >= target)
    if len(ok) == 0:
        return float("inf")
    return float(proba[order][ok[-1]])


def class_thresholds(pred_idx: np.ndarray, proba: np.ndarray, y_idx: np.ndarray, n_classes: int,
                     target: float, min_support: int = 20, z: float = 0.0) -> np.ndarray:
    """Per predicted class thresholds for ``target`` precision (``z``: see `precision_threshold`); classes
    predicted fewer than ``min_support`` times on the holdout share the head-wide threshold (a per-class one
    would be noise)."""
    correct = pred_idx == y_idx
    pooled = precision_threshold(proba, correct, target, z)
    out = np.full(n_classes, pooled, dtype=np.float64)
    for c in range(n_classes):
        mask = pred_idx == c
        if mask.sum() >= min_support:
            out[c] = precision_threshold(proba[mask], correct[mask], target, z)
    return out


def holdout_stats(y_idx: np.ndarray, pred_idx: np.ndarray, proba: np.ndarray, n_classes: int) -> dict:
    """What prevalence correction needs: confusion counts (true × predicted), summed probabilities
    per true class, and class counts of the holdout."""
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (y_idx, pred_idx), 1)
    proba_by_true = np.zeros((n_classes, n_classes), dtype=np.float64)
    np.add.at(proba_by_true, y_idx, proba)
    return {"confusion": confusion, "proba_by_true": proba_by_true,
            "true_counts": np.bincount(y_idx, minlength=n_classes)}
