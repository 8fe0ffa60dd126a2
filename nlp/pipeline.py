"""Preprocessor: the configured chain of stages, shared by training, batch scoring and the API.

Two paths over the same normalisation:

- ``features(text)`` — the fast modelling path: ``model_text`` → regex tokens → lemmas with domain overrides →
  stopwords dropped → negation joined (``не работает → не_работать``). No NER, no razdel.
- ``__call__(text)`` / ``pipe(texts)`` — the full ``Doc``: the readable text (HTML leftovers out, all else
  verbatim) with personal data masked (regex + natasha NER), razdel sentences and tokens and complaint
  fragments of its normalised form, and ``lemmas == features(text)``.

>>> p = Preprocessor(ner=False)
>>> p.features("Здравствуйте! Во дворе не работает фонарь, ямы на дороге.")
['двор', 'не_работать', 'фонарь', 'яма', 'дорога']
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from nlp.doc import Doc
from nlp.lemmatize import Lemmatizer, Lexicon, expand_abbreviation, pymorphy_lemma
from nlp.normalize import clean_text, model_text
from nlp.tokenize import feature_tokens, sentences

# Bump the major when features change in a way a saved model would notice (the registry compares it);
# the lexicon digest and stage flags are appended per instance, so editing data/lexicon/ changes the version.
CODE_VERSION = "1.1.0"
_LETTERS = frozenset("абвгдежзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyz")
_MAX_NEGATION_GAP = 2  # stopwords allowed between «не»/«нет» and the word it negates («нет у нас света»)


class _Version:
    """``Preprocessor.version`` is the code version; an instance's adds the lexicon digest and stage flags."""

    def __get__(self, obj: Preprocessor | None, objtype: type | None = None) -> str:
        return CODE_VERSION if obj is None else obj.full_version()


_READY_LOCK = threading.Lock()  # first use of any Preprocessor's lemmatiser (rare: once per process)


@lru_cache(maxsize=8)
def _stop_lemmas(entries: frozenset[str], lexicon_digest: str) -> frozenset[str]:
    """Stopword entries may be forms («прошу») or lemmas («просить»): keep both, plus single letters."""
    return frozenset(entries) | {pymorphy_lemma(e) for e in entries if e.isalpha()} | _LETTERS


class Preprocessor:
    """Russian text → ``Doc``; picklable (dictionaries and NER reload lazily; the lexicon travels, and the
    cached lemmas too after ``keep_lemmas_when_pickled``)."""

    version = _Version()

    def __init__(
        self,
        ner: bool = True,
        mask_pii: bool = True,
        stopwords: bool = True,
        negation: bool = True,
        lexicon_dir: str | Path | None = None,
        cache_size: int = 200_000,
    ) -> None:
        self.ner = ner
        self.mask_pii = mask_pii
        self.stopwords = stopwords
        self.negation = negation
        self.lexicon_dir = lexicon_dir
        self.cache_size = cache_size
        self._lexicon: Lexicon | None = None
        self._warm_limit = 0
        self._warm: dict[str, str] = {}
        self._reset_runtime()

    def _reset_runtime(self) -> None:
        self._lemmatizer: Lemmatizer | None = None
        self._stop: frozenset[str] = frozenset()
        self._negations: frozenset[str] = frozenset()
        self._name_tagger: Any = None

    # -- pickling: settings + lexicon data; never pymorphy or NER; cached lemmas only when asked ------
    def __getstate__(self) -> dict[str, Any]:
        state = {
            "ner": self.ner,
            "mask_pii": self.mask_pii,
            "stopwords": self.stopwords,
            "negation": self.negation,
            "lexicon_dir": self.lexicon_dir,
            "cache_size": self.cache_size,
            "lexicon": self.lexicon,
        }
        if self._warm_limit:
            state["warm"] = (self._warm_limit, self.cached_lemmas(self._warm_limit))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        lexicon = state.pop("lexicon", None)
        warm = state.pop("warm", None)
        self.__init__(**state)
        self._lexicon = lexicon
        if warm is not None:
            self._warm_limit, self._warm = warm

    def keep_lemmas_when_pickled(self, limit: int = 100_000) -> None:
        """Pickle up to `limit` cached lemmas with the settings (0: none, the default).

        A trained model asks for it: its training vocabulary is already lemmatised, so every process that
        loads it (API workers, batch-scoring and Dask workers) starts warm instead of redoing that work.
        """
        self._warm_limit = limit

    def cached_lemmas(self, limit: int | None = None) -> dict[str, str]:
        """Word form → lemma pairs this preprocessor has computed or was loaded with (first `limit`)."""
        cache = self._lemmatizer._cache if self._lemmatizer is not None else self._warm
        if limit is None or len(cache) <= limit:
            return dict(cache)
        return dict(islice(cache.items(), limit))

    def __repr__(self) -> str:
        return (
            f"Preprocessor(ner={self.ner}, mask_pii={self.mask_pii}, stopwords={self.stopwords}, "
            f"negation={self.negation})"
        )

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon.load(Path(self.lexicon_dir) if self.lexicon_dir is not None else None)
        return self._lexicon

    def full_version(self) -> str:
        stages = (("n", self.ner), ("m", self.mask_pii), ("s", self.stopwords), ("g", self.negation))
        flags = "".join(flag for flag, on in stages if on)
        return f"{CODE_VERSION}+lex.{self.lexicon.digest}.{flags or '-'}"

    def _ready(self) -> Lemmatizer:
        lemmatizer = self._lemmatizer
        if lemmatizer is not None:
            return lemmatizer
        # The service's threads (and a Dask worker's) share one model: a thread must never see the lemmatiser
        # before the stop words and negations, or it reads its first texts without them.
        with _READY_LOCK:
            if self._lemmatizer is None:
                lexicon = self.lexicon
                lemmatizer = Lemmatizer(lexicon, cache_size=self.cache_size)
                lemmatizer._cache.update(self._warm)
                stop = _stop_lemmas(lexicon.stopwords, lexicon.digest) if self.stopwords else frozenset()
                self._stop = stop
                self._negations = lexicon.negations if self.negation else frozenset()
                self._warm = {}
                self._lemmatizer = lemmatizer  # published last
            return self._lemmatizer

    # -- the fast modelling path ---------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """Lower-case text with ``<url> <email> <phone> <num>`` placeholders, for char n-grams."""
        return model_text(_as_text(text, "normalize"))

    def analyze(self, text: str) -> tuple[str, list[str]]:
        """``(normalize(text), features(text))`` with the normalisation done once."""
        normalized = model_text(_as_text(text, "analyze"))
        return normalized, self._features_of(normalized)

    def features(self, text: str) -> list[str]:
        """Lemma features of one text (see the module docstring); equals ``self(text).lemmas``."""
        return self._features_of(model_text(_as_text(text, "features")))

    def _features_of(self, normalized: str) -> list[str]:
        lemma_of = self._ready()
        cache = lemma_of._cache  # inlined cache lookup: this loop runs for every token of 50k texts
        stop, negations, abbreviations = self._stop, self._negations, self.lexicon.abbreviations
        toks = feature_tokens(normalized)
        out: list[str] = []
        pending = ""  # a negation waiting for its word
        gap = 0

        for i, tok in enumerate(toks):
            rules = abbreviations.get(tok)
            if rules is None:
                lemma = cache.get(tok) or lemma_of(tok)
            else:
                lemma = expand_abbreviation(rules, toks, i) or lemma_of(tok)
            is_mark = len(lemma) == 1 and not lemma.isalnum()
            if is_mark or lemma[0] == "<":  # punctuation or a placeholder: the negation's reach ends
                if pending:
                    if pending not in stop:
                        out.append(pending)
                    pending = ""
                if not is_mark:
                    out.append(lemma)
                continue
            if lemma in negations:
                if pending and pending not in stop:
                    out.append(pending)
                pending, gap = lemma, 0
            elif lemma in stop:
                if pending:
                    gap += 1
                    if gap > _MAX_NEGATION_GAP:
                        if pending not in stop:
                            out.append(pending)
                        pending = ""
            elif pending:
                out.append(f"{pending}_{lemma}")
                pending = ""
            else:
                out.append(lemma)
        if pending and pending not in stop:
            out.append(pending)
        return out

    # -- the full document ---------------------------------------------------------------------------
    def __call__(self, text: str) -> Doc:
        return self._docs([text])[0]

    def pipe(self, texts: Iterable[str], batch_size: int = 256, n_jobs: int = 1) -> Iterator[Doc]:
        """Docs in input order; ``n_jobs > 1`` processes batches in joblib worker processes."""
        batch_size = max(1, int(batch_size))
        batches = _batched(texts, batch_size)
        if n_jobs == 1:
            for batch in batches:
                yield from self._docs(batch)
            return
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        for docs in parallel(delayed(_docs_of)(self, batch) for batch in batches):
            yield from docs

    def _docs(self, texts: Sequence[str]) -> list[Doc]:
        checked = [_as_text(t, f"item {i} of the batch") for i, t in enumerate(texts)]
        docs = []
        for text, (masked_text, pii) in zip(checked, self._masked(checked), strict=True):
            # What analysts read stays as written (`masked_text`); sentences and fragments are cut from
            # its normalised form, the modelling path.
            normalised = clean_text(masked_text)
            sents = sentences(normalised)
            docs.append(
                Doc(
                    text=text,
                    masked_text=masked_text,
                    sentences=sents,
                    lemmas=self.features(text),
                    fragments=_split_fragments(sents),
                    pii=pii,
                )
            )
        return docs

    def _masked(self, texts: list[str]) -> list[tuple[str, list]]:
        """The readable text with personal data masked (``nlp.pii.mask_texts``, one NER pass per batch)."""
        from nlp.pii import NameTagger, mask_texts
        from nlp.readable import readable_text

        if not self.mask_pii:
            return [(readable_text(t), []) for t in texts]
        if self.ner and self._name_tagger is None:
            self._name_tagger = NameTagger()
        return mask_texts(texts, ner=self._name_tagger if self.ner else False)


def _as_text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"Preprocessor ({where}): expected str, got {type(value).__name__} {value!r:.40}")


def _split_fragments(sents: list[str]) -> list[str]:
    from nlp.fragments import split_fragments

    return split_fragments(sents)


def _docs_of(preprocessor: Preprocessor, texts: Sequence[str]) -> list[Doc]:
    """Module-level so joblib can pickle the call."""
    return preprocessor._docs(texts)


def _batched(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while batch := list(islice(iterator, size)):
        yield batch
