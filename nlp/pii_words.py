"""Words that may be names: the dictionary (pymorphy3), the lexicon lists, lower-case name runs.

Shared by the name finders of ``nlp.pii_names``: whether a word is a first name, surname or patronymic in
some reading, whether it is a role word («мастер», «диспетчер»), and runs of lower-case words that make
a name («сергеева ольга», «иванов иван петрович»).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.resources import data_dir

NOT_NAMES_FILE = data_dir() / "lexicon" / "pii_not_names.txt"

ROLES_FILE = data_dir() / "lexicon" / "pii_roles.txt"
# Lower-case words that may be part of a name: runs of them are checked with the dictionary.
_LOWER_WORD = re.compile(r"(?<![\w-])[а-яё]{2,}(?:-[а-яё]{2,})?(?![\w-])")


# An unknown word guessed to be a name must at least end like a surname («Исмаилова», «Мампория»).
SURNAME_ENDING = re.compile(r"(?:ов|ев|ёв|ин|ын|ск|цк|енк|дзе|швили|ян|ия|их|ых)[а-я]{0,3}$")
_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


@lru_cache(maxsize=1)
def role_stems() -> frozenset[str]:
    return word_list(ROLES_FILE)


def is_role(word: str) -> bool:
    return any(word.lower().startswith(stem) for stem in role_stems())


@lru_cache(maxsize=200_000)
def _name_kinds(word: str) -> frozenset[str]:
    """Name, Surn, Patr readings of a lower-case word (any parse), or a surname guess for an unknown
    or hyphenated word with a surname ending («римская-корсакова»)."""
    if word.replace("ё", "е") in not_names():
        return frozenset()
    kinds = frozenset().union(*(_NAME_GRAMMEMES & p.tag.grammemes for p in morph().parse(word)))
    if not kinds and ("-" in word or not morph().word_is_known(word)) and SURNAME_ENDING.search(word):
        return frozenset({"Surn"})
    return kinds


def lowercase_names(text: str) -> list[tuple[int, int]]:
    """Names written in lower case («сергеева ольга», «иванов иван петрович»): two or three adjacent
    words whose readings make a name — a first name with a surname or a patronymic. One such word alone
    («вера», «роман», «надежда») is an ordinary word."""
    words = list(_LOWER_WORD.finditer(text))
    kinds = [_name_kinds(w.group()) for w in words]
    if not any("Name" in k for k in kinds):  # the usual case: no first name, no lower-case name
        return []
    spans, i = [], 0
    while i < len(words) - 1:
        if not kinds[i]:
            i += 1
            continue
        n = 1  # words in the run: adjacent (one space between), each with a name reading, at most three
        while (
            n < 3
            and i + n < len(words)
            and kinds[i + n]
            and text[words[i + n - 1].end() : words[i + n].start()] == " "
        ):
            n += 1
        best = next(
            (
                m
                for m in range(n, 1, -1)
                if "Name" in set().union(*kinds[i : i + m])
                and {"Surn", "Patr"} & set().union(*kinds[i : i + m])
                and _distinct_roles(kinds[i : i + m])
            ),
            0,
        )
        if best:
            spans.append((words[i].start(), words[i + best - 1].end()))
            i += best
        else:
            i += 1
    return spans


def _distinct_roles(kinds: list[frozenset[str]]) -> bool:
    """Each word can take a different part of a name (not «иван иван»-like repeats of one part)."""
    from itertools import permutations

    roles = ("Name", "Surn", "Patr")
    return any(
        all(r in k for r, k in zip(order, kinds, strict=False)) for order in permutations(roles, len(kinds))
    )


def morph() -> Any:
    """The lemmatiser's analyser: a second MorphAnalyzer would hold another 18 MB of dictionaries."""
    from nlp.lemmatize import morph_analyzer

    return morph_analyzer()


def word_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def not_names() -> frozenset[str]:
    return word_list(NOT_NAMES_FILE)


@lru_cache(maxsize=50_000)
def could_be_name(word: str, best_parse_only: bool = False) -> bool:
    if word.lower().replace("ё", "е") in not_names():
        return False
    parses = morph().parse(word)
    return any(_NAME_GRAMMEMES & p.tag.grammemes for p in (parses[:1] if best_parse_only else parses))


def name_like(word: str) -> bool:
    """A dictionary name, or a surname the dictionary reads otherwise («Кириллова»: the town Кириллов)."""
    if word.lower().replace("ё", "е") in not_names():
        return False
    if could_be_name(word):
        return True
    # «Приморского» ends like a surname but is an adjective (района); a town reading does not exclude a name
    return (
        word[:1].isupper()
        and SURNAME_ENDING.search(word) is not None
        and morph().parse(word)[0].tag.POS not in {"ADJF", "ADJS", "PRTF"}
    )


def is_initial(word: str) -> bool:
    return len(word) == 2 and word.endswith(".") and word[0].isupper()
