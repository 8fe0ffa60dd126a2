"""The quality mode's second opinion: the training texts nearest in meaning vote for their labels.

A linear model over TF-IDF and e5 columns draws one boundary per class; many appeals are near-repeats of
earlier ones («Мусор во дворе», «Граффити на парадной») whose labels say more than any boundary. Each text's
k nearest training texts by e5 cosine vote for their label with weight exp(similarity / ``SHARPNESS``), and
the classifier mixes that vote into its probabilities; the share is chosen on the classifier's holdout among
``NEIGHBOUR_WEIGHTS`` (0 where the vote does not pay: bank reviews, long and varied). The grid and the
default come from SPb March dev (trained on October–February), flat models over the same features:

    share of the vote      0 / 0.2 / 0.35 / 0.5
    category acc, F1       0.936 0.859 / 0.937 0.867 / 0.939 0.871 / 0.938 0.865     (38k training appeals)
    reason acc, F1         0.758 0.596 / 0.763 0.611 / 0.763 0.609 / 0.761 0.595
    reason acc, F1         0.625 0.366 / 0.633 0.378 / 0.631 0.387 / 0.622 0.387     (2,000 training appeals)

Through the classifier (bench/spb_eval.py --split dev --semantic 1.0; the holdout chose 0.3): category
0.936 / 0.858 → 0.938 / 0.869, reason 0.756 / 0.610 → 0.761 / 0.615.

The vectors are kept as float16 unit vectors (768 bytes a training text: 37 MB for 48,000 SPb appeals in
the bundle; a float32 copy, twice that, is made in memory when the model first scores).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

K = 20  # neighbours that vote
SHARPNESS = 0.05  # temperature of the vote: a neighbour 0.05 closer in cosine counts e times more
NEIGHBOUR_WEIGHTS = (0.0, 0.15, 0.3, 0.45)  # the classifier picks its share of the vote on its holdout
NEIGHBOUR_WEIGHT = 0.3  # the share without a holdout (see the table above)
_CHUNK = 512  # queries per similarity block: 512 × 48k float32 is 100 MB


class NeighbourVote:
    """Unit meaning vectors of the training texts and, per label group, each text's class index."""

    def __init__(self, vectors: np.ndarray, labels: list[np.ndarray], n_classes: list[int], k: int = K,
                 sharpness: float = SHARPNESS) -> None:
        if len(vectors) == 0:
            raise ValueError("no training vectors to vote with")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float16)
        self.labels = [np.asarray(y, dtype=np.int32) for y in labels]
        self.n_classes = list(n_classes)
        self.k = min(k, len(vectors))
        self.sharpness = sharpness

    def neighbours(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, vote weights) of each query's k nearest training texts; weights sum to 1 a row."""
        n = len(queries)
        idx = np.zeros((n, self.k), np.int64)
        weight = np.zeros((n, self.k), np.float64)
        train = self._train32()
        for start in range(0, n, _CHUNK):
            sims = np.asarray(queries[start:start + _CHUNK], np.float32) @ train.T
            top = np.argpartition(-sims, self.k - 1, axis=1)[:, :self.k]
            close = np.take_along_axis(sims, top, axis=1).astype(np.float64)
            w = np.exp((close - close.max(axis=1, keepdims=True)) / self.sharpness)
            idx[start:start + len(top)] = top
            weight[start:start + len(top)] = w / w.sum(axis=1, keepdims=True)
        return idx, weight

    def _train32(self) -> np.ndarray:
        """The vectors as float32 for BLAS (numpy has no fast float16 product), made once per process."""
        train = self.__dict__.get("_float32")
        if train is None:
            train = self.__dict__["_float32"] = self.vectors.astype(np.float32)
        return train

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_float32", None)  # a runtime copy: the bundle keeps float16 only
        return state

    def vote(self, idx: np.ndarray, weight: np.ndarray, group: int) -> np.ndarray:
        """(n_queries, n_classes of ``group``) share of the neighbours' vote for each class."""
        n, n_classes = len(idx), self.n_classes[group]
        cells = np.arange(n)[:, None] * n_classes + self.labels[group][idx]
        counts = np.bincount(cells.ravel(), weights=weight.ravel(), minlength=n * n_classes)
        return counts.reshape(n, n_classes)


def checked_weight(weight: float | str) -> float:
    """A fixed share of the vote, refused outside [0, 1]."""
    try:
        value = float(weight)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"neighbour_weight: 'auto' or a share within [0, 1], got {weight!r}")
    return value


def choose_weight(score: Callable[[float], float]) -> float:
    """The share in ``NEIGHBOUR_WEIGHTS`` that ``score`` (higher: better) rates best; the smaller on a tie."""
    best, best_score = NEIGHBOUR_WEIGHTS[0], -np.inf
    for weight in NEIGHBOUR_WEIGHTS:
        value = score(weight)
        if value > best_score + 1e-9:
            best, best_score = weight, value
    return best
