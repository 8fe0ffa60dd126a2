"""Preprocessor: the configured chain of stages. TEMPORARY minimal version — being rewritten (issue #3)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from razdel import sentenize, tokenize

from nlp.doc import Doc

_WORD = re.compile(r"[а-яёa-z0-9]", re.I)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


class Preprocessor:
    version = "0.0.1-minimal"

    def __init__(self, ner: bool = False) -> None:
        self.ner = ner
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict:
        return {"ner": self.ner}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def _lemma(self, word: str) -> str:
        lemma = self._cache.get(word)
        if lemma is None:
            lemma = _morph().parse(word)[0].normal_form if word.isalpha() else word
            self._cache[word] = lemma
        return lemma

    def features(self, text: str) -> list[str]:
        text = text.lower().replace("ё", "е")
        return [self._lemma(t.text) for t in tokenize(text) if _WORD.search(t.text)]

    def __call__(self, text: str) -> Doc:
        tokens = [t.text for t in tokenize(text)]
        return Doc(
            text=text,
            masked_text=text,
            sentences=[s.text for s in sentenize(text)],
            tokens=tokens,
            lemmas=self.features(text),
            fragments=[s.text for s in sentenize(text)],
        )

    def pipe(self, texts: Iterable[str], batch_size: int = 256, n_jobs: int = 1) -> Iterator[Doc]:
        for text in texts:
            yield self(text)
