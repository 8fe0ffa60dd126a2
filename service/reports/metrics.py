"""Statistics behind the quarterly report: shares with Wilson intervals, NPS with its multinomial
interval, CSAT and wait times. Pure functions over numbers and pandas Series; no I/O, no item schema."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from models.intervals import Z95, wilson_bounds


def _round(x: float | None, digits: int = 4) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def share(k: int, n: int) -> dict:
    """{'count', 'total', 'share', 'ci_low', 'ci_high'} for k of n (share None when n == 0)."""
    low, high = wilson_bounds(k, n)
    return {
        "count": int(k),
        "total": int(n),
        "share": _round(k / n) if n else None,
        "ci_low": _round(low) if n else None,
        "ci_high": _round(high) if n else None,
    }


def nps(scores: pd.Series, z: float = Z95) -> dict:
    """Net Promoter Score in points (−100…100): % promoters (9–10) minus % detractors (0–6).

    The interval uses the multinomial variance of the difference of two shares of one sample,
    Var(p₊ − p₋) = (p₊ + p₋ − (p₊ − p₋)²) / n, clipped to [−100, 100].
    """
    s = pd.to_numeric(scores, errors="coerce").dropna()
    n = int(s.size)
    promoters = int((s >= 9).sum())
    detractors = int((s <= 6).sum())
    out = {
        "respondents": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "nps": None,
        "ci_low": None,
        "ci_high": None,
    }
    if n == 0:
        return out
    p_plus, p_minus = promoters / n, detractors / n
    diff = p_plus - p_minus
    half = z * math.sqrt(max(p_plus + p_minus - diff * diff, 0.0) / n)
    out.update(
        nps=_round(100 * diff, 2),
        ci_low=_round(max(-100.0, 100 * (diff - half)), 2),
        ci_high=_round(min(100.0, 100 * (diff + half)), 2),
    )
    return out


def csat(ratings: pd.DataFrame) -> dict:
    """CSAT over 1–5 rating columns: share of 4–5 per parameter and pooled over all given ratings.

    The pooled interval treats every rating as one trial; ratings of one respondent are correlated, so read it
    as a lower bound of the uncertainty. Each parameter also gets its mean and the number of ratings.
    """
    params = {}
    pooled_k = pooled_n = 0
    for col in ratings.columns:
        values = pd.to_numeric(ratings[col], errors="coerce").dropna()
        k, n = int((values >= 4).sum()), int(values.size)
        pooled_k += k
        pooled_n += n
        params[col] = {"mean": _round(values.mean(), 3) if n else None, **share(k, n)}
    return {"overall": share(pooled_k, pooled_n), "parameters": params}


def wait_time(created: pd.Series, answered: pd.Series, deadline_days: float = 30) -> dict:
    """Wait from creation to answer, in days: median and p90 of answered items, and the share of all items
    answered within `deadline_days` (unanswered items count as not answered in time)."""
    created = pd.to_datetime(created, errors="coerce")
    answered = pd.to_datetime(answered, errors="coerce")
    days = (answered - created).dt.total_seconds() / 86400.0
    valid = days.dropna()
    valid = valid[valid >= 0]  # an answer before creation is a data error, not a fast answer
    total = int(created.notna().sum())
    within = int((valid <= deadline_days).sum())
    return {
        "deadline_days": deadline_days,
        "answered": int(valid.size),
        "unanswered": total - int(valid.size),
        "median_days": _round(float(np.median(valid)), 2) if valid.size else None,
        "p90_days": _round(float(np.quantile(valid, 0.9)), 2) if valid.size else None,
        "mean_days": _round(float(valid.mean()), 2) if valid.size else None,
        "within_deadline": share(within, total),
    }


def counts_with_shares(values: pd.Series, top: int | None = None, missing: str = "не указано") -> list[dict]:
    """Value counts as [{'name', 'count', 'share', 'ci_low', 'ci_high'}], largest first; shares of all rows.

    Missing and blank values are counted under `missing`.
    """
    filled = values.astype("object").where(values.notna(), missing)
    filled = filled.map(lambda v: missing if str(v).strip() == "" else str(v))
    counts = filled.value_counts(sort=True)
    n = int(counts.sum())
    rows = [{"name": str(name), **share(int(c), n)} for name, c in counts.items()]
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows[:top] if top else rows
