"""Fragment vectors that see meaning: lemma TF-IDF (+ navec) joined with multilingual-e5-small vectors.

Lexical vectors split one problem by its wording («очередь» / «ждала два часа» / «окон мало» share no lemma);
e5 puts paraphrases together but blurs close problems of one domain, and does not know that «холодно в
квартире» and «батареи еле тёплые» are one problem. The hybrid keeps all three views: each row is
`[√((1−c)a) · lexical, √((1−c)(1−a)) · e5, √c · areas]`, unit length, so a cosine is the weighted sum of
the three cosines; `areas` are the problem areas the row's lemmas name (`models.pain_concepts`,
data/lexicon/pain_concepts.yaml). Areas at c = 0.3: planted МФЦ 8 → 10 of 10 problems found, ЖКХ 7 → 10,
SPb dev appeals NMI 0.50 → 0.54; bank reviews against their product 0.23 → 0.19 (a review's problem
area — the app, the hotline — cuts across products).
c = 0.45 since slips are corrected and the lexicon's entries lemmatised (`nlp.spelling`): planted МФЦ within
±2 pp 7 → 9 of 10, ЖКХ 8 → 9, social 5 of 8 either way; SPb dev appeals NMI 0.540 at 0.3, 0.537 at 0.45.
The e5 part is centred on the period's mean (raw e5 cosines of any two Russian texts sit at 0.8–0.9) and
re-normalised.

e5 costs ~7–30 ms a text on 2 cores, so a period with more distinct fragments than `embed_all_below` is
first over-clustered on the lexical vectors (`n_fine` groups) and only the `per_group` most central
fragments of each group are embedded; every fragment of the group borrows their mean. A survey's period
(hundreds of distinct answers) is embedded whole; 2,000 SPb appeals borrow (NMI 0.567 / 0.548 on two
samples against 0.570 / 0.551 embedded whole, a third of the embeddings on a cold cache). Borrowed vectors
carry less of their own, so the lexical part weighs `borrowed_lexical_weight` then (SPb March appeals NMI
0.528 → 0.543 at 0.6; the bank reviews collapsed into 2–7 pains at 0.6–0.7 before the merge was centred,
see `models.pain_clusters`). Either way vectors come through the embedder's cache (by text hash), so a
refresh or a re-run embeds nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.preprocessing import normalize

from models.pain_vectors import LemmaSvdVectorizer


class SemanticVectorizer(TransformerMixin, BaseEstimator):
    """`fit(rows, sample_weight=)`, `transform(rows, texts=, sample_weight=)` → hybrid unit vectors;
    `tfidf(rows)` and `feature_names()` as `LemmaSvdVectorizer` (keywords stay lexical).

    `embedder`: anything with `embed(texts) -> (n, d)`; None means lexical vectors only. `subject_share`:
    areas named by more than this share of the rows are left out (`PainConcepts.vectors`); None keeps all."""

    needs_texts = True

    def __init__(
        self,
        embedder=None,
        lexical: LemmaSvdVectorizer | None = None,
        lexical_weight: float = 0.4,
        borrowed_lexical_weight: float = 0.6,
        concepts=None,
        concept_weight: float = 0.45,
        embed_all_below: int = 1000,
        n_fine: int = 300,
        per_group: int = 2,
        random_state: int = 0,
        subject_share: float | None = None,
    ) -> None:
        self.embedder = embedder
        self.lexical = lexical
        self.lexical_weight = lexical_weight
        self.borrowed_lexical_weight = borrowed_lexical_weight
        self.concepts = concepts
        self.concept_weight = concept_weight
        self.embed_all_below = embed_all_below
        self.n_fine = n_fine
        self.per_group = per_group
        self.random_state = random_state
        self.subject_share = subject_share

    def fit(self, rows: Sequence[list[str]], y=None, sample_weight=None) -> SemanticVectorizer:
        self.lexical_ = self.lexical or LemmaSvdVectorizer(random_state=self.random_state)
        self.lexical_.fit(rows, sample_weight=sample_weight)
        if self.concept_weight > 0:
            from models.pain_concepts import PainConcepts

            self.concepts_ = self.concepts if self.concepts is not None else PainConcepts.load()
        self.embedded_ = 0
        return self

    def tfidf(self, rows):
        return self.lexical_.tfidf(rows)

    def feature_names(self):
        return self.lexical_.feature_names()

    def transform(self, rows: Sequence[list[str]], texts: Sequence[str] | None = None, sample_weight=None):
        lexical = self.lexical_.transform(rows)
        self.semantic_ = None
        parts = [lexical]
        if self.embedder is not None and texts is not None and len(rows):
            weight = np.ones(len(rows)) if sample_weight is None else np.asarray(sample_weight, np.float64)
            semantic = self._semantic(lexical, list(texts), weight)
            self.semantic_ = semantic  # each row's e5 vector (own or its group's), for the areas
            centre = np.average(semantic, axis=0, weights=weight)
            # Borrowed e5 vectors (a large period) repeat the lexical over-clusters they were averaged over:
            # they carry less of their own, so the lexical part weighs more.
            a = self.lexical_weight if self.embedded_ == len(rows) else self.borrowed_lexical_weight
            parts = [lexical * np.sqrt(a), normalize(semantic - centre) * np.sqrt(1 - a)]
        if self.concept_weight > 0 and len(rows):
            c = self.concept_weight
            parts = [part * np.sqrt(1 - c) for part in parts] + [
                self.concepts_.vectors(rows, subject_share=self.subject_share, sample_weight=sample_weight)
                * np.sqrt(c)
            ]
        if len(parts) == 1:
            return lexical
        # A row with no known lemma has no lexical direction; its e5 part alone still places it.
        return normalize(np.hstack(parts)).astype(np.float32)

    def _semantic(self, lexical: np.ndarray, texts: list[str], weight: np.ndarray) -> np.ndarray:
        if len(texts) <= self.embed_all_below:
            self.embedded_ = len(texts)
            return np.asarray(self.embedder.embed(texts), dtype=np.float32)
        fine = self._fine_groups(lexical, weight)
        picks: list[int] = []
        for group in range(int(fine.max()) + 1):
            members = np.flatnonzero(fine == group)
            if not len(members):
                continue
            centre = normalize(np.average(lexical[members], axis=0, weights=weight[members])[None])[0]
            closeness = lexical[members] @ centre + 1e-3 * np.log1p(weight[members])
            picks.extend(members[np.argsort(-closeness, kind="stable")[: self.per_group]].tolist())
        vectors = np.asarray(self.embedder.embed([texts[i] for i in picks]), dtype=np.float32)
        self.embedded_ = len(picks)
        sums = np.zeros((int(fine.max()) + 1, vectors.shape[1]))
        np.add.at(sums, fine[picks], vectors)
        out = normalize(sums)[fine].astype(np.float32)
        out[picks] = vectors  # an embedded fragment keeps its own vector
        return out

    def _fine_groups(self, lexical: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Deterministic lexical over-clusters: seeds are the most frequent distinct fragments."""
        k = min(self.n_fine, len(lexical))
        init = lexical[np.argsort(-weight, kind="stable")[:k]]
        model = MiniBatchKMeans(
            n_clusters=k, init=init, n_init=1, batch_size=4096, max_iter=30, random_state=self.random_state
        )
        return model.fit_predict(lexical, sample_weight=weight)


def merge_by_meaning(
    labels: np.ndarray, weight: np.ndarray, semantic: np.ndarray, similarity: float = 0.33
) -> np.ndarray:
    """Pains whose members mean the same thing are one: average-linkage agglomeration of the pains' e5
    centroids (rows centred on the period's mean, as in `transform`), joined above `similarity`. The hybrid
    vectors dilute e5 with the lexical and area parts, so wordings that share neither a lemma nor a known
    area («Негде поставить машину», «Нет мест для стоянки у входа») stayed two pains although e5 put their
    centroids closer (0.40) than those of any two different problems of the period. Survey answers only
    (`PainFinder`; a period too big to embed whole compares its borrowed vectors): planted «reception»
    2 → 3 of 8 problems within ±2 pp, social NMI 0.861 → 0.878,
    ЖКХ 0.918 → 0.926, МФЦ unchanged; at 0.30 ЖКХ lost two problems' prevalence."""
    member = labels != -1
    n = int(labels[member].max()) + 1 if member.any() else 0
    if n < 2 or similarity >= 1:
        return labels
    from sklearn.cluster import AgglomerativeClustering

    from models.pain_clusters import UNIT_MIN, MergedKMeansClusterer

    centred = normalize(semantic - np.average(semantic, axis=0, weights=weight))
    centroids = MergedKMeansClusterer._centroids(centred[member], weight[member], labels[member], n)
    if (np.linalg.norm(centroids, axis=1) <= UNIT_MIN).any():  # members that cancel out: no direction
        return labels
    groups = AgglomerativeClustering(
        n_clusters=None, distance_threshold=1.0 - similarity, metric="cosine", linkage="average"
    ).fit_predict(centroids)
    # Each pain goes to the first pain of its group, then ids are made dense: the largest pain of a group
    # keeps its place.
    _, first = np.unique(groups, return_index=True)
    out = labels.copy()
    _, out[member] = np.unique(first[groups[labels[member]]], return_inverse=True)
    return out
