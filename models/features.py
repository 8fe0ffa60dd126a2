"""Shared text features for every head: word TF-IDF over lemmas and char n-grams over normalised text.

Texts are analysed once by the Preprocessor (``features`` for lemmas with negation tokens,
``normalize`` for the char view) and both views are vectorised; heads then share one sparse matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted


def _tokens_as_given(tokens: list[str]) -> list[str]:
    """Analyzer for pre-lemmatised input (module level so the vectoriser pickles)."""
    return tokens


def _word_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


class AnalyzedText:
    """Both views of a batch of texts, computed once and reused by fit, calibration and refit."""

    __slots__ = ("lemmas", "normalized")

    def __init__(self, lemmas: list[list[str]], normalized: list[str]) -> None:
        self.lemmas = lemmas
        self.normalized = normalized

    def __len__(self) -> int:
        return len(self.normalized)

    def take(self, idx: np.ndarray) -> AnalyzedText:
        return AnalyzedText([self.lemmas[i] for i in idx], [self.normalized[i] for i in idx])


def analyze(preprocessor, texts: Sequence[str]) -> AnalyzedText:
    """Run the preprocessor's fast paths over ``texts`` (None/NaN become empty strings)."""
    clean = [t if isinstance(t, str) else "" for t in texts]
    normalize = getattr(preprocessor, "normalize", None)
    # Adapter: the interim Preprocessor has no normalize(); lower case is its closest equivalent.
    normalized = [normalize(t) for t in clean] if normalize else [t.lower() for t in clean]
    return AnalyzedText([preprocessor.features(t) for t in clean], normalized)


class TextFeatures(TransformerMixin, BaseEstimator):
    """Word 1–2-gram TF-IDF over lemmas ⊕ char_wb n-gram TF-IDF over normalised text (sublinear tf, bounded).

    Input is an ``AnalyzedText``; output a CSR float32 matrix.
    """

    def __init__(self, word_ngrams: int = 2, char_ngrams: tuple[int, int] = (1, 5), word_min_df: int = 2,
                 char_min_df: int = 3, max_word_features: int = 200_000, max_char_features: int = 300_000,
                 char_weight: float = 1.0) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.char_weight = char_weight

    def fit(self, docs: AnalyzedText, y=None) -> TextFeatures:
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs: AnalyzedText, y=None) -> sp.csr_matrix:
        analyzer = _word_bigrams if self.word_ngrams >= 2 else _tokens_as_given
        self.word_ = TfidfVectorizer(analyzer=analyzer, min_df=self.word_min_df, sublinear_tf=True,
                                     max_features=self.max_word_features, dtype=np.float32)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams), lowercase=False,
                                     min_df=self.char_min_df, sublinear_tf=True,
                                     max_features=self.max_char_features, dtype=np.float32)
        xw = self.word_.fit_transform(docs.lemmas)
        xc = self.char_.fit_transform(docs.normalized)
        return self._stack(xw, xc)

    def transform(self, docs: AnalyzedText) -> sp.csr_matrix:
        check_is_fitted(self, "word_")
        return self._stack(self.word_.transform(docs.lemmas), self.char_.transform(docs.normalized))

    def _stack(self, xw: sp.spmatrix, xc: sp.spmatrix) -> sp.csr_matrix:
        if self.char_weight != 1.0:
            xc = xc * np.float32(self.char_weight)
        return sp.hstack([xw, xc], format="csr", dtype=np.float32)

    def transform_one(self, lemmas: list[str], normalized: str) -> tuple[np.ndarray, np.ndarray]:
        """One text → (column indices, values) of its feature row, without sklearn's per-call validation.

        Same arithmetic as ``transform`` (sublinear tf × idf, L2 per view); used by the single-document path.
        """
        check_is_fitted(self, "word_")
        analyzer = _word_bigrams if self.word_ngrams >= 2 else _tokens_as_given
        w_idx, w_val = _tfidf_row(analyzer(lemmas), self.word_)
        c_idx, c_val = _tfidf_row(self.char_.build_analyzer()(normalized), self.char_)
        c_val *= np.float32(self.char_weight)
        return np.concatenate([w_idx, c_idx + len(self.word_.vocabulary_)]), np.concatenate([w_val, c_val])

    @property
    def n_features_(self) -> int:
        return len(self.word_.vocabulary_) + len(self.char_.vocabulary_)


def _tfidf_row(terms: list[str], vectorizer: TfidfVectorizer) -> tuple[np.ndarray, np.ndarray]:
    vocab = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for t in terms:
        j = vocab.get(t)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    idx = np.fromiter(counts.keys(), np.int64, len(counts))
    val = (1.0 + np.log(np.fromiter(counts.values(), np.float64, len(counts)))) * vectorizer.idf_[idx]
    val /= np.sqrt((val * val).sum())
    return idx, val.astype(np.float32)
