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
    """razdel tokens of ``text`` (words, numbers and punctuation); masking placeholders such as «[ФИО]»
    stay one token instead of razdel's «[», «ФИО», «]».

    >>> tokens("Звонил [ФИО], не [ок]")
    ['Звонил', '[ФИО]', ',', 'не', '[', 'ок', ']']
    """
    found = list(tokenize(text))
    out: list[str] = []
    i = 0
    while i < len(found):
        window = found[i : i + 3]
        if (
            len(window) == 3
            and window[0].text == "["
            and window[2].text == "]"
            and window[1].text.isupper()
            and window[0].stop == window[1].start
            and window[1].stop == window[2].start
        ):
            out.append(text[window[0].start : window[2].stop])
            i += 3
        else:
            out.append(found[i].text)
            i += 1
    return out


def feature_tokens(text: str) -> list[str]:
    """Words, ``<num>``-style placeholders and single punctuation marks of a ``model_text`` string.

    >>> feature_tokens("не работает лифт, пр-т мира <num>")
    ['не', 'работает', 'лифт', ',', 'пр-т', 'мира', '<num>']
    """
    return _FEATURE_TOKEN.findall(text)
