"""Clustering of fragment vectors into pains with a noise bucket.

Over-cluster with k-means (many small, tight groups), then merge the groups whose centroids are similar
(average-linkage agglomeration on the centroids). Merging on centroids is deterministic, so a different
k-means seed mostly reshuffles the small groups but yields the same merged pains. Fragments far from their
pain's centroid and pains too small to matter go to the noise bucket (label -1) instead of being forced in,
and so do the members of a loose pain (mean cosine to its centroid below `min_cohesion`): such a pain mixes
unrelated problems under one specific label, the failure an analyst cannot see from the label alone.
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
        n_over: int = 300,
        merge_similarity: float = 0.25,
        max_clusters: int = 60,
        min_similarity: float = 0.2,
        min_cohesion: float = 0.35,
        min_share: float = 0.002,
        min_size: int = 3,
        absorb_share: float = 0.01,
        absorb_max: float = 25.0,
        absorb_similarity: float = 0.2,
        link_share: float = 0.15,
        link_k: int = 5,
        link_lift: float = 2.0,
        minibatch_above: int = 50_000,
        centre_merge: bool = True,
        random_state: int = 0,
    ) -> None:
        self.centre_merge = centre_merge
        self.n_over = n_over
        self.merge_similarity = merge_similarity
        self.max_clusters = max_clusters
        self.min_similarity = min_similarity
        self.min_cohesion = min_cohesion
        self.min_share = min_share
        self.min_size = min_size
        self.absorb_share = absorb_share
        self.absorb_max = absorb_max
        self.absorb_similarity = absorb_similarity
        self.link_share = link_share
        self.link_k = link_k
        self.link_lift = link_lift
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
        if self.centre_merge:
            # What every centroid shares (one domain's vocabulary: every bank review names the bank, the
            # card, the money) says nothing about which problem a group is; left in, it lifted all cosines
            # over the threshold and 5,000 bank reviews merged into 2 pains.
            centroids = centroids.copy()
            centroids[alive] = normalize(centroids[alive] - centroids[alive].mean(axis=0))
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
        self._drop_loose(weight)
        self._absorb_small(X, weight)
        self._join_linked(X, weight)
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

    def _absorb_small(self, X: np.ndarray, weight: np.ndarray) -> None:
        """A small pain close to a bigger one is a wording of it («окон мало» next to «очередь»): it joins
        the most similar bigger pain, smallest first, so one problem is counted once."""
        if self.absorb_share <= 0 or len(self.centroids_) < 2:
            return
        labels, centroids = self.labels_.copy(), self.centroids_.copy()
        n = len(centroids)
        mask = labels != NOISE
        size = np.bincount(labels[mask], weights=weight[mask], minlength=n)
        # Slivers are small in absolute terms too: on SPb a 1 % pain (~90 appeals) is a portal reason.
        limit = min(self.absorb_share * weight.sum(), self.absorb_max)
        alive = np.ones(n, dtype=bool)
        for p in np.argsort(size, kind="stable"):
            if size[p] >= limit:
                break
            sims = centroids @ centroids[p]
            bigger = alive & (size > size[p]) | alive & (size == size[p]) & (np.arange(n) < p)
            bigger[p] = False
            if not bigger.any():
                continue
            target = int(np.argmax(np.where(bigger, sims, -np.inf)))
            if sims[target] < self.absorb_similarity:
                continue
            labels[labels == p] = target
            size[target] += size[p]
            size[p], alive[p] = 0, False
            members = labels == target
            centroids[target] = self._centroids(
                X[members], weight[members], np.zeros(int(members.sum()), dtype=int), 1
            )[0]
        if alive.all():
            return
        new_index = np.where(alive, np.cumsum(alive) - 1, NOISE)
        self.centroids_ = centroids[alive]
        self.labels_ = np.where(labels != NOISE, new_index[np.maximum(labels, 0)], NOISE)
        sims = X @ self.centroids_.T
        self.similarity_ = np.where(
            self.labels_ != NOISE, sims[np.arange(len(X)), np.maximum(self.labels_, 0)], self.similarity_
        ).astype(np.float32)

    def _join_linked(self, X: np.ndarray, weight: np.ndarray) -> None:
        """Join pains whose members are each other's nearest neighbours: wordings of one problem meet at
        their edges (typos, mixed phrasings), different problems rarely do. Pains p and q are linked when the
        share of p's and q's neighbour links (`link_k` nearest rows outside the own pain) that go to each
        other is at least `link_share` for the smaller of the two."""
        if self.link_share <= 0 or len(self.centroids_) < 2:
            return
        member = np.flatnonzero(self.labels_ != NOISE)
        if len(member) > 5_000:
            return  # neighbours of every row cost n²; large periods rely on merging and absorption
        Xm, lab, w = X[member], self.labels_[member], weight[member]
        n = len(self.centroids_)
        sims = Xm @ Xm.T
        np.fill_diagonal(sims, -np.inf)
        k = min(self.link_k, len(Xm) - 1)
        near = np.argpartition(-sims, k, axis=1)[:, :k]
        links = np.zeros((n, n))
        np.add.at(links, (np.repeat(lab, k), lab[near.ravel()]), np.repeat(w, k))
        size = np.bincount(lab, weights=w, minlength=n)
        groups = self._greedy_joins(links, size, k)
        if len(set(groups)) == n:
            return
        _, new_index = np.unique(groups, return_inverse=True)
        mask = self.labels_ != NOISE
        self.labels_ = np.where(mask, new_index[np.maximum(self.labels_, 0)], NOISE)
        self.centroids_ = self._centroids(X[mask], weight[mask], self.labels_[mask], int(new_index.max()) + 1)
        sims_all = X @ self.centroids_.T
        self.similarity_ = np.where(
            mask, sims_all[np.arange(len(X)), np.maximum(self.labels_, 0)], self.similarity_
        ).astype(np.float32)

    def _greedy_joins(self, links: np.ndarray, size: np.ndarray, k: int) -> np.ndarray:
        """Group id of each pain: the most linked pair is joined first and the links of the joined pair are
        summed before the next choice, so a chain of weak links (A~B, B~C) does not pull unrelated pains
        into one (a union of every pair over the threshold did: one lower threshold joined four problems)."""
        n = len(size)
        links = links.copy()
        np.fill_diagonal(links, 0.0)
        sym = links + links.T
        size = size.astype(np.float64).copy()
        groups = np.arange(n)
        alive = np.ones(n, dtype=bool)
        total = size.sum()
        while alive.sum() > 1:
            small = np.minimum(size[:, None], size[None, :])
            share = sym / np.maximum(2 * k * small, 1e-9)
            # A big pain draws every small one's outside links by its size alone (in a period of 80
            # appeals one pain swallowed 76): a join needs the links to beat the other pain's share of the
            # period `link_lift` times over.
            big = np.maximum(size[:, None], size[None, :])
            share[share < self.link_lift * big / max(total, 1e-9)] = 0.0
            share[~alive, :] = -1.0
            share[:, ~alive] = -1.0
            np.fill_diagonal(share, -1.0)
            p, q = np.unravel_index(int(np.argmax(share)), share.shape)
            if share[p, q] < self.link_share:
                break
            p, q = min(p, q), max(p, q)
            sym[p] += sym[q]
            sym[:, p] += sym[:, q]
            sym[p, p] = 0.0
            sym[q], sym[:, q] = 0.0, 0.0
            size[p] += size[q]
            alive[q] = False
            groups[groups == q] = p
        return groups

    def _drop_loose(self, weight: np.ndarray) -> None:
        """Drop pains whose members lie loosely around the centroid (see module docstring), then reassign.
        Thresholds are on the hybrid (lexical + e5) cosine, lower than a lexical one: with 0.2 / 0.35 the
        SPb pains within the classifier's reasons drop 10 % of items to noise instead of 19–21 % (March dev
        NMI 0.73 → 0.79; the lexical-only values were 0.30 / 0.5)."""
        mask = self.labels_ != NOISE
        if not mask.any() or self.min_cohesion <= 0:
            return
        n = len(self.centroids_)
        total = np.bincount(self.labels_[mask], weights=weight[mask], minlength=n)
        close = np.bincount(self.labels_[mask], weights=(weight * self.similarity_)[mask], minlength=n)
        cohesion = np.divide(close, total, out=np.ones(n), where=total > 0)
        keep = cohesion >= self.min_cohesion
        if not keep.all():
            # Members go to noise rather than to their next-nearest pain, which would blur that one.
            new_index = np.where(keep, np.cumsum(keep) - 1, NOISE)
            self.centroids_ = self.centroids_[keep]
            self.labels_ = np.where(mask, new_index[np.maximum(self.labels_, 0)], NOISE)

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
