"""Class shares in a period, corrected for classifier error, each with a 95 % interval.

Methods: ``cc`` classify-and-count (Wilson interval), ``pcc`` mean of probabilities, ``acc`` / ``pacc``
counts adjusted by the holdout confusion matrix (hard / probabilistic; solved with non-negative least
squares), ``sacc`` ACC with the holdout error rates shrunk toward the identity, ``em``
Saerens–Latinne–Decaestecker prior adjustment of the posteriors.

Why ``sacc``: with many classes the holdout's error-rate matrix is noisy (SPb: 124 reasons, 5–7 k holdout
rows, a few dozen per rare reason) and it describes the model fitted before the holdout, which is weaker than
the one refitted on all rows; inverting it overshoots (plain ACC: 19.0 pp Σ|err| on April reasons against
6.1 for CC, with metadata). Shrinking it by ``SHRINK`` keeps the direction of the correction and damps
its size. ``SHRINK`` was chosen on the March dev split (model fitted on October–February; reasons with
metadata: 6.73 vs CC 7.06 pp, text only 10.39 vs 10.33); April figures are in the README.

Intervals of everything but ``cc`` come from a bootstrap over the period's items. The classifier's holdout
(newest training rows) stands in for a labelled dev set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from models.intervals import wilson_interval

METHODS = ("cc", "pcc", "acc", "pacc", "sacc", "em")
SHRINK = 0.85  # sacc: weight of the identity in the error-rate matrix (0: plain ACC, 1: CC)


def _adjust(observed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Shares p ≥ 0 with rates.T @ p ≈ observed (rates[i, j] = P(pred j | true i)), renormalised to 1."""
    p, _ = nnls(rates.T, observed)
    total = p.sum()
    return p / total if total > 0 else observed


def _em(proba: np.ndarray, train_prior: np.ndarray, max_iter: int = 200, tol: float = 1e-6) -> np.ndarray:
    prior = train_prior.copy()
    safe_train = np.where(train_prior > 0, train_prior, 1e-12)
    for _ in range(max_iter):
        w = proba * (prior / safe_train)
        w /= np.clip(w.sum(axis=1, keepdims=True), 1e-300, None)
        new = w.mean(axis=0)
        if np.abs(new - prior).sum() < tol:
            return new
        prior = new
    return prior


def _rates(matrix: np.ndarray) -> np.ndarray:
    """Row-normalise a (true × predicted) matrix; classes absent from the holdout keep an identity row."""
    rows = matrix.sum(axis=1, keepdims=True)
    out = np.divide(matrix, rows, out=np.zeros_like(matrix, dtype=np.float64), where=rows > 0)
    empty = rows[:, 0] == 0
    out[empty, :] = np.eye(len(matrix))[empty]
    return out


def shares(method: str, proba: np.ndarray, stats: dict | None, shrink: float = SHRINK) -> np.ndarray:
    """Point estimate of the class shares by one method (``stats``: the model's holdout_stats_[head];
    ``shrink``: see ``SHRINK``, used by ``sacc``)."""
    pred = proba.argmax(axis=1)
    n_classes = proba.shape[1]
    cc = np.bincount(pred, minlength=n_classes) / max(len(pred), 1)
    if method == "cc":
        return cc
    if method == "pcc":
        return proba.mean(axis=0)
    if stats is None:
        raise ValueError(f"method {method!r} needs the classifier's holdout statistics (fit with a holdout)")
    if method == "acc":
        return _adjust(cc, _rates(stats["confusion"].astype(np.float64)))
    if method == "sacc":
        if not 0.0 <= shrink <= 1.0:
            raise ValueError(f"shrink must be within [0, 1], got {shrink}")
        rates = _rates(stats["confusion"].astype(np.float64))
        return _adjust(cc, (1.0 - shrink) * rates + shrink * np.eye(n_classes))
    if method == "pacc":
        return _adjust(proba.mean(axis=0), _rates(stats["proba_by_true"]))
    if method == "em":
        # The prior the posteriors are calibrated to is their own holdout mean, not the holdout label shares:
        # with the label shares, rare holdout classes got ratios of ~100 and EM ran away (SPb: 43 pp error).
        mean_posterior = stats["proba_by_true"].sum(axis=0)
        return _em(proba, mean_posterior / mean_posterior.sum())
    raise ValueError(f"unknown prevalence method {method!r}; choose from {METHODS}")


def estimate_shares(proba: np.ndarray, classes: Sequence[str], stats: dict | None = None,
                    methods: Sequence[str] = METHODS, n_boot: int = 100, seed: int = 0,
                    shrink: float = SHRINK) -> pd.DataFrame:
    """Shares per class and method with a 95 % interval: columns class, method, share, low, high."""
    n = len(proba)
    rng = np.random.default_rng(seed)
    boots = [rng.integers(0, n, n) for _ in range(n_boot)] if n else []
    frames = []
    for method in methods:
        est = shares(method, proba, stats, shrink)
        if method == "cc":
            low, high = wilson_interval(est * n, n, z=1.96)
        else:
            samples = (
                np.array([shares(method, proba[b], stats, shrink) for b in boots]) if boots else est[None, :]
            )
            low, high = np.quantile(samples, 0.025, axis=0), np.quantile(samples, 0.975, axis=0)
        frames.append(pd.DataFrame({"class": list(classes), "method": method, "share": est,
                                    "low": low, "high": high}))
    return pd.concat(frames, ignore_index=True)


def estimate_prevalence(model, texts: Sequence[str], head: str, methods: Sequence[str] = METHODS,
                        n_boot: int = 100, seed: int = 0) -> pd.DataFrame:
    """Class shares of ``head`` among ``texts`` using a fitted MultiHeadClassifier."""
    proba = model.predict_proba(texts)[head]
    stats = getattr(model, "holdout_stats_", {}).get(head)
    return estimate_shares(proba, model.classes_[head], stats, methods, n_boot, seed)


def total_abs_error(estimates: pd.DataFrame, true_labels: Sequence[str]) -> dict[str, float]:
    """Σ|estimate − truth| in percentage points per method (classes absent from ``estimates`` count fully)."""
    truth = pd.Series(list(true_labels)).value_counts(normalize=True)
    out: dict[str, float] = {}
    for method, part in estimates.groupby("method", sort=False):
        est = part.set_index("class")["share"]
        idx = est.index.union(truth.index)
        diff = est.reindex(idx, fill_value=0.0) - truth.reindex(idx, fill_value=0.0)
        out[str(method)] = float(100 * diff.abs().sum())
    return out
