"""Clustering each group of a period on its own: a pain never mixes groups (a survey's process, the topic a
trained classifier predicted), and the pain budget is shared out by group weight."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from models.pain_clusters import NOISE, MergedKMeansClusterer


class GroupedClusterer(ClusterMixin, BaseEstimator):
    """Clusters each group of rows on its own (e.g. the items' process, or the topic a trained classifier
    predicted), so a pain never mixes groups; the pain budget is shared out by group weight.

    `fit(X, sample_weight=None, groups=None)` sets `labels_`, `centroids_`, `similarity_`, `weight_` like
    `MergedKMeansClusterer` plus `group_of_` (the group of each pain). Groups lighter than `min_group_share`
    of the total, and those beyond the `max_groups` heaviest, are clustered together as one rest group
    whose fragments need `rest_min_similarity` to join a pain: the rest mixes unrelated small groups, and a
    loose threshold there made one big mixed pain of them (SPb April: 717 items of 40 reasons).
    `base` is cloned per group with `max_clusters` set to the group's budget and `min_share` rescaled so
    the smallest pain has the same absolute size in every group. Within a group the centroids are merged
    uncentred (`centre_merge`, `merge_similarity`): what a group's members share is its topic, which is the
    point of grouping (SPb April within the predicted reasons: NMI 0.662 uncentred at 0.3, 0.638 centred at
    0.25 with 60 pains, the cap).
    """

    def __init__(
        self,
        base: MergedKMeansClusterer | None = None,
        max_clusters: int = 60,
        min_group_share: float = 0.003,
        max_groups: int = 45,
        rest_min_similarity: float = 0.35,
        centre_merge: bool = False,
        merge_similarity: float = 0.3,
    ) -> None:
        self.centre_merge = centre_merge
        self.merge_similarity = merge_similarity
        self.base = base
        self.max_clusters = max_clusters
        self.min_group_share = min_group_share
        self.max_groups = max_groups
        self.rest_min_similarity = rest_min_similarity

    def _parts(self, groups: np.ndarray, weight: np.ndarray) -> list[tuple[object, np.ndarray]]:
        """(group, row indices) heaviest first; light groups pooled into one rest part (group None)."""
        keys, inverse = np.unique(groups.astype(str), return_inverse=True)
        group_weight = np.bincount(inverse, weights=weight, minlength=len(keys))
        order = np.argsort(-group_weight, kind="stable")
        own = [g for g in order if group_weight[g] >= self.min_group_share * weight.sum()]
        own = own[: max(1, min(self.max_groups, self.max_clusters - 1))]
        parts: list[tuple[object, np.ndarray]] = [(keys[g], np.flatnonzero(inverse == g)) for g in own]
        rest = np.flatnonzero(~np.isin(inverse, own))
        if len(rest):
            parts.append((None, rest))
        return parts

    def _budgets(self, part_weights: np.ndarray, has_rest: bool) -> np.ndarray:
        share = part_weights / part_weights.sum()
        budgets = np.maximum(1, np.floor(self.max_clusters * share)).astype(int)
        if has_rest:
            # The rest mixes many small groups: a proportional budget would force unrelated ones together.
            budgets[-1] = max(budgets[-1], self.max_clusters - int(budgets[:-1].sum()))
        while budgets.sum() > self.max_clusters and (budgets > 1).any():
            budgets[np.argmax(np.where(budgets > 1, budgets, -1))] -= 1
        return budgets

    def fit(self, X: np.ndarray, y=None, sample_weight=None, groups=None) -> GroupedClusterer:
        from sklearn.base import clone

        X = np.asarray(X, dtype=np.float32)
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        groups = np.zeros(len(X), dtype=int) if groups is None else np.asarray(groups, dtype=object)
        base = self.base if self.base is not None else MergedKMeansClusterer()
        self.labels_ = np.full(len(X), NOISE)
        self.similarity_ = np.zeros(len(X), dtype=np.float32)
        centroids, weights, group_of = [], [], []
        parts = self._parts(groups, weight) if len(X) else []
        part_weights = np.array([weight[idx].sum() for _, idx in parts])
        budgets = self._budgets(part_weights, parts[-1][0] is None) if parts else []
        total = weight.sum()
        for (group, idx), budget in zip(parts, budgets, strict=True):
            part_share = weight[idx].sum() / total
            model = clone(base).set_params(
                max_clusters=int(budget),
                min_share=min(1.0, base.min_share / part_share),
                centre_merge=self.centre_merge,
                merge_similarity=self.merge_similarity,
            )
            if group is None:
                model.set_params(min_similarity=max(base.min_similarity, self.rest_min_similarity))
            model.fit(X[idx], sample_weight=weight[idx])
            found = model.labels_ != NOISE
            self.labels_[idx[found]] = model.labels_[found] + len(group_of)
            self.similarity_[idx] = model.similarity_
            centroids.append(model.centroids_)
            weights.append(model.weight_)
            group_of.extend([group] * len(model.centroids_))
        width = X.shape[1] if X.ndim == 2 else 0
        self.centroids_ = np.vstack(centroids) if centroids else np.zeros((0, width), dtype=np.float32)
        self.weight_ = np.concatenate(weights) if weights else np.zeros(0)
        self.group_of_ = group_of
        return self

