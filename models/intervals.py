"""Wilson score intervals: pain prevalence, class shares, review thresholds and the quarterly report."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes of n, elementwise (k and n arrays or numbers); (0, 1) where
    n == 0. It stays inside [0, 1] and behaves at k = 0 or k = n, where the normal approximation collapses."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    some = n > 0
    m = np.where(some, n, 1.0)
    p = np.where(some, k / m, 0.0)  # where n == 0 the result is (0, 1) whatever k is
    denom = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
    low = np.where(some, np.clip(centre - half, 0, 1), 0.0)
    return low, np.where(some, np.clip(centre + half, 0, 1), 1.0)


def wilson_bounds(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """`wilson_interval` of one share, as Python floats."""
    low, high = wilson_interval(k, n, z)
    return float(low), float(high)
