"""Cluster-then-classify: a period's pains redrawn by a linear classifier trained on the pains themselves.

k-means and centroid merging draw a pain's border where averages of vectors meet; which problem a short
appeal names («надписи на торце дома», «мусор у парковки во дворе») hinges on one or two words that an
average dilutes. A linear model (LinearSVC) fitted to the clusters' own rows learns those words — character
n-grams, so «газон» / «газоне» / a typo count alike, lemma uni/bigrams and the row's own e5 vector — and each
row is predicted by a model that never saw it (cross-fitted folds), so a row moves only where the rest of the
period says it belongs elsewhere. Three rounds; noise stays noise; no pain is made, one may empty.
A period (or a `cluster_by` group) of fewer than `min_rows` texts keeps the clusterer's pains: with a handful
of texts per pain the classifier favours the big ones (79 sample appeals of a quarter: 11 pains became 5, the
largest holding 44).

Borrowed e5 vectors (a large period's rows share their lexical group's mean, `SemanticVectorizer`) only
repeat the lexical over-clusters and made the refinement worse (SPb April 0.521 → 0.498), so the refiner
embeds every row itself through the embedder's cache: cold, that is ~45 short appeals a second on 2 cores
(a period of 7,000 distinct appeals ≈ 2.5 min once; a re-run or refresh embeds nothing). Periods of more
than `max_rows` distinct rows keep the clusterer's pains.

Appeals and reviews only (`PainFinder`, whole texts); chosen on SPb March (dev) and two train months
(February 2021, November 2020), Благоустройство + Содержание МКД without the classifier, against the portal's
reason: mean NMI 0.556 → 0.577 (merge at 0.45 with the refiner; e5 weight 0.7 and lemma weight 1.0 best of
0.5–1.5); April (test, seen once) 0.515 → 0.547, AMI 0.501 → 0.529.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from models.pain_clusters import NOISE, MergedKMeansClusterer


class ClassifierRefiner(BaseEstimator):
    """`refine(labels, texts, semantic=None, weight=None, groups=None, lemmas=None)` → new labels of the
    same rows (same pain ids, -1 = noise).

    `semantic`: each row's own e5 vector (None: embedded with `embedder`, or left out without one);
    `weight`: each row's count; `groups`: rows of different groups (`cluster_by`) never trade places, each
    group is refined on its own; `lemmas`: each row's lemma list."""

    def __init__(
        self,
        embedder=None,
        max_rows: int = 10_000,
        rounds: int = 3,
        folds: int = 3,
        C: float = 0.1,
        char_ngrams: tuple[int, int] = (2, 5),
        word_weight: float = 1.0,
        semantic_weight: float = 0.7,
        min_rows: int = 1_000,
        random_state: int = 0,
    ) -> None:
        self.embedder = embedder
        self.max_rows = max_rows
        self.rounds = rounds
        self.folds = folds
        self.C = C
        self.char_ngrams = char_ngrams
        self.word_weight = word_weight
        self.semantic_weight = semantic_weight
        self.min_rows = min_rows
        self.random_state = random_state

    def refine(
        self,
        labels: np.ndarray,
        texts: Sequence[str],
        semantic: np.ndarray | None = None,
        weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
        lemmas: Sequence[Sequence[str]] | None = None,
    ) -> np.ndarray:
        labels = np.asarray(labels).copy()
        if len(labels) > self.max_rows:  # cost grows with the rows: such a period keeps the clusterer's pains
            return labels
        weight = np.ones(len(labels)) if weight is None else np.asarray(weight, dtype=np.float64)
        groups = np.zeros(len(labels), dtype=int) if groups is None else np.asarray(groups)
        member = labels != NOISE
        eligible = []  # each group's rows, where there are enough of them and more than one pain
        for group in np.unique(groups):
            rows = np.flatnonzero((groups == group) & member)
            if len(rows) >= self.min_rows and len(np.unique(labels[rows])) >= 2:
                eligible.append(rows)
        if not eligible:
            return labels
        if semantic is None and self.embedder is not None and self.semantic_weight > 0:
            needed = np.concatenate(eligible)
            vectors = np.asarray(self.embedder.embed([texts[i] for i in needed]), dtype=np.float32)
            semantic = np.zeros((len(labels), vectors.shape[1]), dtype=np.float32)
            semantic[needed] = vectors
        for rows in eligible:
            features = self._features(
                [texts[i] for i in rows],
                None if semantic is None else semantic[rows],
                None if lemmas is None else [" ".join(lemmas[i]) for i in rows],
            )
            labels[rows] = self._rounds(features, labels[rows], weight[rows])
        return labels

    def _features(self, texts: list[str], semantic: np.ndarray | None, words: list[str] | None):
        parts = [_tfidf(texts, analyzer="char_wb", ngram_range=self.char_ngrams, min_df=3)]
        if words is not None and self.word_weight > 0:
            parts.append(_tfidf(words, ngram_range=(1, 2), min_df=2, token_pattern=r"\S+") * self.word_weight)
        if semantic is not None and self.semantic_weight > 0:
            centred = normalize(semantic - semantic.mean(axis=0)) * self.semantic_weight
            parts.append(csr_matrix(centred))
        return hstack(parts).tocsr()

    def _rounds(self, X, labels: np.ndarray, weight: np.ndarray) -> np.ndarray:
        folds = KFold(min(self.folds, len(labels)), shuffle=True, random_state=self.random_state)
        for _ in range(self.rounds):
            new = labels.copy()
            for train, test in folds.split(X):
                if len(np.unique(labels[train])) < 2:
                    continue
                # liblinear shuffles with its random_state: unset, two runs could differ
                model = LinearSVC(C=self.C, random_state=self.random_state)
                model.fit(X[train], labels[train], sample_weight=weight[train])
                new[test] = model.predict(X[test])
            if (new == labels).all():
                break
            labels = new
        return labels


def _tfidf(texts: list[str], **params):
    """Sublinear TF-IDF of `texts`; no column when no term is frequent enough (a handful of rows)."""
    try:
        return TfidfVectorizer(sublinear_tf=True, **params).fit_transform(texts)
    except ValueError:
        return csr_matrix((len(texts), 0))


def settle_pains(
    X: np.ndarray, labels: np.ndarray, weight: np.ndarray, groups: np.ndarray, clusterer
) -> tuple[np.ndarray, np.ndarray]:
    """Pains after a refinement: one left with fewer rows than the clusterer keeps (`min_size`, `min_share` of
    its group) gives them to the nearest other pain of their group (noise below the clusterer's
    `min_similarity`); ids are made dense and each row's cosine to its pain's centroid recomputed."""
    base = getattr(clusterer, "base", clusterer)
    _, group_of = np.unique(groups, return_inverse=True)
    row_floor = np.maximum(
        getattr(base, "min_size", 1), getattr(base, "min_share", 0.0) * np.bincount(group_of, weights=weight)
    )[group_of]
    least = getattr(base, "min_similarity", 0.0)

    def dense(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out, member = labels.copy(), labels != NOISE
        _, out[member] = np.unique(labels[member], return_inverse=True)
        n = int(out[member].max()) + 1 if member.any() else 0
        centroids = MergedKMeansClusterer._centroids(X[member], weight[member], out[member], n)
        return out, centroids, np.bincount(out[member], weights=weight[member], minlength=n)

    out, centroids, size = dense(labels)
    while True:
        floor = np.zeros(len(size))
        floor[out[out != NOISE]] = row_floor[out != NOISE]
        small = size < floor
        if not small.any() or small.all():
            break
        moving = (out != NOISE) & small[np.maximum(out, 0)]
        pain_group = np.empty(len(size), dtype=groups.dtype)
        pain_group[out[out != NOISE]] = groups[out != NOISE]
        allowed = ~small[None, :] & (pain_group[None, :] == groups[moving][:, None])
        sims = np.where(allowed, X[moving] @ centroids.T, -np.inf)
        out[moving] = np.where(sims.max(axis=1) >= least, sims.argmax(axis=1), NOISE)
        out, centroids, size = dense(out)
    if not len(centroids):
        return out, np.zeros(len(labels))
    similarity = np.einsum("ij,ij->i", X, centroids[np.maximum(out, 0)])
    return out, np.where(out != NOISE, similarity, 0.0)
