"""Prevalence estimators on synthetic data whose true shares are known."""

from __future__ import annotations

import numpy as np
import pytest

from models.prevalence import estimate_shares, shares, total_abs_error, wilson_interval


def test_wilson_interval_matches_the_formula():
    low, high = wilson_interval(np.array([0, 5]), 10)
    assert low[0] == 0.0 and high[0] == pytest.approx(0.2775, abs=1e-3)
    assert low[1] == pytest.approx(0.2366, abs=1e-3) and high[1] == pytest.approx(0.7634, abs=1e-3)


def _posteriors(labels: np.ndarray, train_prior: np.ndarray, rng) -> np.ndarray:
    """Exact posteriors under ``train_prior`` for two 1-D Gaussian classes at −1 and +1."""
    x = rng.normal(np.where(labels == 1, 1.0, -1.0), 1.0)
    like = np.column_stack([np.exp(-((x + 1) ** 2) / 2), np.exp(-((x - 1) ** 2) / 2)]) * train_prior
    return like / like.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def shifted():
    rng = np.random.default_rng(0)
    train_prior = np.array([0.5, 0.5])
    hold_y = rng.integers(0, 2, 4000)
    hold_p = _posteriors(hold_y, train_prior, rng)
    pred = hold_p.argmax(axis=1)
    confusion = np.zeros((2, 2))
    np.add.at(confusion, (hold_y, pred), 1)
    proba_by_true = np.zeros((2, 2))
    np.add.at(proba_by_true, hold_y, hold_p)
    stats = {"confusion": confusion, "proba_by_true": proba_by_true, "true_counts": np.bincount(hold_y)}
    test_y = (rng.random(5000) < 0.2).astype(int)  # shifted: 80 % class 0
    return _posteriors(test_y, train_prior, rng), test_y, stats


@pytest.mark.parametrize(("method", "at_most"), [("acc", 0.5), ("pacc", 0.5), ("em", 0.5), ("sacc", 0.95)])
def test_corrected_methods_beat_classify_and_count_under_shift(shifted, method, at_most):
    """Errors as a share of CC's; sacc (shrunk toward CC on purpose) corrects less, but in the right way."""
    proba, truth, stats = shifted
    true_share = np.bincount(truth, minlength=2) / len(truth)
    cc_err = np.abs(shares("cc", proba, stats) - true_share).sum()
    err = np.abs(shares(method, proba, stats) - true_share).sum()
    assert err < cc_err * at_most


def test_intervals_cover_the_estimate_and_errors_are_in_points(shifted):
    proba, truth, stats = shifted
    est = estimate_shares(proba, ["a", "b"], stats, n_boot=30)
    assert set(est.method) == {"cc", "pcc", "acc", "pacc", "sacc", "em"}
    assert ((est.low <= est.share + 1e-9) & (est.share <= est.high + 1e-9)).all()
    errors = total_abs_error(est, np.array(["a", "b"])[truth])
    assert errors["em"] < errors["cc"]
    assert total_abs_error(est[est.method == "cc"], ["a"] * 3) == {"cc": pytest.approx(200 * est.share[1])}


def test_shrunk_acc_runs_from_acc_to_classify_and_count(shifted):
    """shrink 0 is plain ACC, 1 is CC; in between the correction is damped, not reversed."""
    proba, truth, stats = shifted
    acc, cc = shares("acc", proba, stats), shares("cc", proba, stats)
    np.testing.assert_allclose(shares("sacc", proba, stats, shrink=0.0), acc)
    np.testing.assert_allclose(shares("sacc", proba, stats, shrink=1.0), cc)
    half = shares("sacc", proba, stats, shrink=0.5)
    assert min(acc[0], cc[0]) < half[0] < max(acc[0], cc[0])
    with pytest.raises(ValueError, match="shrink"):
        shares("sacc", proba, stats, shrink=1.5)


def test_adjusted_methods_need_holdout_stats(shifted):
    with pytest.raises(ValueError, match="holdout"):
        shares("acc", shifted[0], None)
