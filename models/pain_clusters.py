"""Clustering of fragment vectors into pains with a noise bucket.

Over-cluster with k-means (many small, tight groups), then merge the groups whose centroids are similar
(average-linkage agglomeration on the centroids). Merging on centroids is deterministic, so a different
k-means seed mostly reshuffles the small groups but yields the same merged pains. Fragments far from their
pain's centroid and pains too small to matter go to the noise bucket (label -1) instead of being forced in.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

NOISE = -1
# Rows and centroids are unit length or degenerate; below this norm a vector has no direction.
UNIT_MIN = 0.5


class MergedKMeansClusterer(ClusterMixin, BaseEstimator):
    """k-means over-clustering + centroid merging + noise bucket. Rows of X must be unit length.

    `fit(X, sample_weight=None)` sets `labels_` (-1 = noise), `centroids_` (unit rows, cluster order =
    descending weight), `similarity_` (cosine of each row to its centroid); `predict(X)` assigns new rows.
    """

    def __init__(
        self,
        n_over: int = 200,
        merge_similarity: float = 0.35,
        max_clusters: int = 60,
        min_similarity: float = 0.30,
        min_share: float = 0.002,
        min_size: int = 3,
        minibatch_above: int = 50_000,
        random_state: int = 0,
    ) -> None:
        self.n_over = n_over
        self.merge_similarity = merge_similarity
        self.max_clusters = max_clusters
        self.min_similarity = min_similarity
        self.min_share = min_share
        self.min_size = min_size
        self.minibatch_above = minibatch_above
        self.random_state = random_state

    def _over_cluster(self, X: np.ndarray, weight: np.ndarray) -> np.ndarray:
        # Small periods (a few hundred answers) get proportionally fewer seed clusters.
        k = int(min(self.n_over, len(X), max(2, 3 * np.sqrt(len(X)))))
        # Deterministic seeds: the k most frequent distinct fragments. Random k-means++ seeds made a third of
        # the items change pain between two seeds; the most frequent complaints are the natural centres.
        init = X[np.argsort(-weight, kind="stable")[:k]]
        if len(X) > self.minibatch_above:
            model = MiniBatchKMeans(
                n_clusters=k,
                init=init,
                batch_size=4096,
                n_init=1,
                random_state=self.random_state,
                max_iter=50,
            )
        else:
            model = KMeans(n_clusters=k, init=init, n_init=1, random_state=self.random_state, max_iter=100)
        return model.fit_predict(X, sample_weight=weight)

    @staticmethod
    def _centroids(X: np.ndarray, weight: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
        sums = np.zeros((n, X.shape[1]), dtype=np.float64)
        np.add.at(sums, labels, X * weight[:, None])
        return normalize(sums).astype(np.float32)

    def _merge(self, centroids: np.ndarray) -> np.ndarray:
        """Group ids of the fine centroids; NOISE for a degenerate (zero) centroid, which cosine linkage
        rejects («X contains zero vectors»): its members' directions cancelled out, so it names no problem."""
        groups = np.full(len(centroids), NOISE)
        alive = np.flatnonzero(np.linalg.norm(centroids, axis=1) > UNIT_MIN)
        if len(alive) < 2:
            groups[alive] = 0
            return groups
        merged = AgglomerativeClustering(
            n_clusters=None,
            distance_threshold=1.0 - self.merge_similarity,
            metric="cosine",
            linkage="average",
        ).fit_predict(centroids[alive])
        if merged.max() + 1 > self.max_clusters:
            merged = AgglomerativeClustering(
                n_clusters=self.max_clusters, metric="cosine", linkage="average"
            ).fit_predict(centroids[alive])
        groups[alive] = merged
        return groups

    def fit(self, X: np.ndarray, y=None, sample_weight=None) -> MergedKMeansClusterer:
        X = np.asarray(X, dtype=np.float32)
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if len(X) == 0:
            self.labels_ = np.zeros(0, dtype=int)
            self.centroids_ = np.zeros((0, X.shape[1] if X.ndim == 2 else 0), dtype=np.float32)
            self.similarity_ = np.zeros(0, dtype=np.float32)
            return self
        # Rows with no known term are zero vectors (or numerically so): they cannot join any pain.
        usable = np.linalg.norm(X, axis=1) > UNIT_MIN
        self.centroids_ = np.zeros((0, X.shape[1]), dtype=np.float32)
        if usable.any():
            fine = np.full(len(X), NOISE)
            fine[usable] = self._over_cluster(X[usable], weight[usable])
            _, fine[usable] = np.unique(fine[usable], return_inverse=True)  # k-means may leave clusters empty
            n_fine = int(fine.max()) + 1
            groups = self._merge(self._centroids(X[usable], weight[usable], fine[usable], n_fine))
            labels = np.where(usable, groups[np.maximum(fine, 0)], NOISE)
            self.centroids_ = self._surviving_centroids(X, weight, labels)
        self.labels_, self.similarity_ = self._assign(X)
        # One refinement step: centroids of the final members, then reassign.
        mask = self.labels_ != NOISE
        if mask.any():
            refined = self._centroids(X[mask], weight[mask], self.labels_[mask], len(self.centroids_))
            alive = np.linalg.norm(refined, axis=1) > UNIT_MIN
            self.centroids_ = np.where(alive[:, None], refined, self.centroids_)
            self.labels_, self.similarity_ = self._assign(X)
        # A pain that lost every fragment to another one is dropped, so pain ids stay 0..n-1 with members.
        mask = self.labels_ != NOISE
        weight_of = np.bincount(self.labels_[mask], weights=weight[mask], minlength=len(self.centroids_))
        if (weight_of == 0).any():
            self.centroids_ = self.centroids_[weight_of > 0]
            self.labels_, self.similarity_ = self._assign(X)
            mask = self.labels_ != NOISE
            weight_of = np.bincount(self.labels_[mask], weights=weight[mask], minlength=len(self.centroids_))
        self.weight_ = weight_of
        return self

    def _surviving_centroids(self, X: np.ndarray, weight: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Unit centroids of the merged groups big enough to be pains, heaviest first."""
        member = labels != NOISE
        if not member.any():
            return np.zeros((0, X.shape[1]), dtype=np.float32)
        n = int(labels.max()) + 1
        centroids = self._centroids(X[member], weight[member], labels[member], n)
        # Drop pains too small to matter (their fragments may still join a surviving pain if close enough)
        # and merged centroids that cancelled out to zero.
        sizes = np.bincount(labels[member], weights=weight[member], minlength=n)
        keep = (sizes >= max(self.min_size, self.min_share * weight.sum())) & (
            np.linalg.norm(centroids, axis=1) > UNIT_MIN
        )
        order = np.argsort(-sizes[keep], kind="stable")
        return centroids[keep][order]

    def _assign(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(self.centroids_) == 0:  # nothing recurring enough to be a pain: everything is noise
            return np.full(len(X), NOISE), np.zeros(len(X), dtype=np.float32)
        sims = X @ self.centroids_.T
        best = sims.argmax(axis=1)
        best_sim = sims[np.arange(len(X)), best]
        labels = np.where(best_sim >= self.min_similarity, best, NOISE)
        return labels.astype(int), best_sim.astype(np.float32)

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "centroids_")
        return self._assign(np.asarray(X, dtype=np.float32))[0]
