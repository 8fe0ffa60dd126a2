"""Sentences and tokens.

razdel segments the text analysts read (``Doc.sentences``, ``Doc.tokens``). The modelling path
uses ``feature_tokens``: one precompiled regex over ``model_text`` output that yields the same word tokens
as razdel on ordinary words (hyphenated words stay whole: «пр-т», «санкт-петербург») plus punctuation
marks, which the feature builder needs as boundaries for negation and abbreviations. It is far faster than
razdel, which matters when the classifier featurises 50k texts (bench/preprocess.py prints the agreement).
"""

from __future__ import annotations

import re

from razdel import sentenize, tokenize

_FEATURE_TOKEN = re.compile(r"<(?:url|email|phone|num)>|[^\W_]+(?:-[^\W_]+)*|[^\w\s]")


def sentences(text: str) -> list[str]:
    """razdel sentences of ``text``."""
    return [s.text for s in sentenize(text)]


def tokens(text: str) -> list[str]:
    """razdel tokens of ``text`` (words, numbers and punctuation)."""
    return [t.text for t in tokenize(text)]


def feature_tokens(text: str) -> list[str]:
    """Words, ``<num>``-style placeholders and single punctuation marks of a ``model_text`` string.

    >>> feature_tokens("не работает лифт, пр-т мира <num>")
    ['не', 'работает', 'лифт', ',', 'пр-т', 'мира', '<num>']
    """
    return _FEATURE_TOKEN.findall(text)
