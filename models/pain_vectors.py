"""Fragment vectors for pain clustering: TF-IDF over lemma n-grams → truncated SVD → unit length.

Input rows are lemma lists (from `Preprocessor.features`), so the vectoriser never re-tokenises and the
same lemmas drive clustering, keywords and cross-period signatures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

# Below this length a row's SVD projection is numerical residue (TF-IDF rows are unit length).
RESIDUE = 1e-4


@lru_cache(maxsize=1)
def _navec():
    """natasha's bundled news embeddings (250K words × 300, ~25 MB): synonyms TF-IDF cannot see
    («сайт» ~ «портал», «очередь» ~ «ожидание»). Loaded once, never pickled."""
    import natasha
    from navec import Navec

    path = os.path.join(
        os.path.dirname(natasha.__file__), "data", "emb", "navec_news_v1_1B_250K_300d_100q.tar"
    )
    return Navec.load(path)


def _identity(tokens: list[str]) -> list[str]:
    """Module-level so the vectoriser pickles (rows are already lemma lists)."""
    return tokens


class LemmaSvdVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF over lemma uni/bigrams, reduced by SVD and L2-normalised (cosine = dot product).

    `fit(rows, sample_weight=None)`; `transform(rows) -> ndarray (n, n_components)`;
    `tfidf(rows)` gives the sparse TF-IDF used for keywords. With `navec_weight > 0` the IDF-weighted mean
    of navec word vectors is appended (that share of the squared norm), so synonyms land close together.
    """

    def __init__(
        self,
        n_components: int = 100,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        max_features: int | None = 50_000,
        navec_weight: float = 0.5,
        char_ngrams: tuple[int, int] | None = None,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.navec_weight = navec_weight
        self.char_ngrams = char_ngrams
        self.random_state = random_state

    def fit(self, rows: Sequence[list[str]], y=None, sample_weight=None) -> LemmaSvdVectorizer:
        rows = list(rows)
        min_df = self.min_df if len(rows) >= 50 else 1
        self.tfidf_ = TfidfVectorizer(
            analyzer=_identity,
            min_df=min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        # n-grams are added here because `analyzer` bypasses the vectoriser's own n-gram step.
        matrix = self.tfidf_.fit_transform([self._ngrams(r) for r in rows])
        n_components = min(self.n_components, matrix.shape[1] - 1, matrix.shape[0] - 1)
        if n_components < 1:  # one or two distinct fragments: nothing to reduce
            self.svd_ = None
            return self
        # ARPACK converges to the same axes whatever the seed (randomised SVD does not): stable pain ids.
        self.svd_ = TruncatedSVD(
            n_components=n_components, algorithm="arpack", random_state=self.random_state
        )
        if sample_weight is not None:
            # Frequent fragments should pull the axes; sqrt keeps boilerplate from dominating.
            weights = np.sqrt(np.asarray(sample_weight, dtype=np.float32))[:, None]
            self.svd_.fit(matrix.multiply(weights).tocsr())
        else:
            self.svd_.fit(matrix)
        return self

    def _ngrams(self, lemmas: list[str]) -> list[str]:
        low, high = self.ngram_range
        grams = list(lemmas) if low <= 1 else []
        for n in range(max(2, low), high + 1):
            grams.extend(" ".join(lemmas[i : i + n]) for i in range(len(lemmas) - n + 1))
        if self.char_ngrams:
            # Character n-grams inside lemmas tie together typos and compounds («мусор»/«мусорка»).
            cmin, cmax = self.char_ngrams
            for lemma in lemmas:
                padded = f" {lemma} "
                for n in range(cmin, cmax + 1):
                    grams.extend("#" + padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams

    def tfidf(self, rows: Sequence[list[str]]):
        check_is_fitted(self, "tfidf_")
        return self.tfidf_.transform([self._ngrams(r) for r in rows])

    def transform(self, rows: Sequence[list[str]]) -> np.ndarray:
        check_is_fitted(self, "tfidf_")
        matrix = self.tfidf(rows)
        reduced = np.asarray(matrix.toarray() if self.svd_ is None else self.svd_.transform(matrix))
        # TF-IDF rows have unit length, so a projection this short is SVD round-off, not a direction:
        # normalising it would invent a random one (or leave a near-zero row that breaks cosine merging).
        reduced[np.linalg.norm(reduced, axis=1) < RESIDUE] = 0.0
        reduced = normalize(reduced)
        if self.navec_weight > 0:
            dense = self._navec_mean(rows)
            reduced = np.hstack(
                [reduced * np.sqrt(1 - self.navec_weight), dense * np.sqrt(self.navec_weight)]
            )
        return normalize(reduced).astype(np.float32)

    def _navec_mean(self, rows: Sequence[list[str]]) -> np.ndarray:
        navec = _navec()
        idf = dict(zip(self.tfidf_.get_feature_names_out(), self.tfidf_.idf_, strict=True))
        default_idf = float(self.tfidf_.idf_.max())
        out = np.zeros((len(rows), navec.pq.dim), dtype=np.float32)
        for i, lemmas in enumerate(rows):
            for lemma in lemmas:
                word = lemma.rsplit("_", 1)[-1]  # «не_работать» → «работать»: negation stays in TF-IDF
                if word in navec:
                    out[i] += idf.get(lemma, default_idf) * navec[word]
        return normalize(out)

    def feature_names(self) -> np.ndarray:
        check_is_fitted(self, "tfidf_")
        return self.tfidf_.get_feature_names_out()
