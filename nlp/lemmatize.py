"""Lemmas: pymorphy3 (dawg2 backend) behind a per-process cache, corrected by the domain lexicon.

The lexicon lives in ``data/lexicon/`` as plain text so analysts can fix a lemma without touching code:

- ``lemma_overrides.tsv`` — ``form → lemma`` for word forms pymorphy gets wrong in appeals (``ямы → яма``,
  ``пухто → пухто``, ``управляйка → ук``); a line starting with ``=`` remaps a pymorphy *lemma* instead
  (``=ям → яма`` fixes every form pymorphy reduces to «ям»);
- ``abbreviations.tsv`` — ``form, expansion, context``: ``д`` is «дом» only before a number, ``г`` is «год»
  after one; context is ``any``, ``num`` (next token is a number), ``word`` (next is a word) or ``after_num``;
- ``stopwords.txt`` — general Russian plus appeal boilerplate (forms or lemmas; both are matched);
- ``negation.txt`` — words joined to the next content lemma (``не работает → не_работать``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.resources import data_dir

LEXICON_DIR = data_dir() / "lexicon"
LEXICON_FILES = ("lemma_overrides.tsv", "abbreviations.tsv", "stopwords.txt", "negation.txt")
CONTEXTS = ("any", "num", "word", "after_num")
_YO = str.maketrans("ёЁ", "еЕ")
MASKED = "<masked>"  # the feature for data a source already masked (runs of «x»)


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and line."""


@lru_cache(maxsize=1)
def morph_analyzer() -> Any:
    """The pymorphy3 analyser, loaded once per process (≈15 MB of dictionaries)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def uses_dawg_extension() -> bool:
    """True when pymorphy3 reads its dictionaries with the compiled dawg2 extension (fast path)."""
    import pymorphy3.dawg

    return bool(pymorphy3.dawg.EXTENSION_AVAILABLE)


def pymorphy_lemma(word: str) -> str:
    """pymorphy3's most probable normal form (``parse(word)[0].normal_form``), with ё→е.

    Shortcut, same result: when every dictionary analysis of a lower-case word shares one normal form, the
    ranking ``parse`` would do (tags, probabilities) cannot change it, so it is skipped. That halves the
    cold-cache cost, which dominates the first pass over a corpus.
    """
    morph = morph_analyzer()
    if len(word) > 1 and word.islower():
        dictionary = morph.dictionary
        forms = {
            dictionary.build_normal_form(para_id, idx, fixed)
            for fixed, analyses in dictionary.words.similar_items(word, morph.char_substitutes)
            for para_id, idx in analyses
        }
        if len(forms) == 1:
            return forms.pop().replace("ё", "е")
        if not forms:
            guess = _unknown_word_lemma(morph, word)
            if guess is not None:
                return guess.replace("ё", "е")
    return morph.parse(word)[0].normal_form.replace("ё", "е")  # str.replace: far cheaper than translate


# pymorphy3's units that answer only for a word in the dictionary (already found empty here) or of another
# shape: a single letter (initials), digits, punctuation, Latin or Roman letters, a hyphen. None of them
# parses a lower-case Cyrillic word of two or more letters, so such a word skips them.
_SHAPE_UNITS = frozenset({
    "DictionaryAnalyzer", "AbbreviatedFirstNameAnalyzer", "AbbreviatedPatronymicAnalyzer", "NumberAnalyzer",
    "PunctuationAnalyzer", "RomanNumberAnalyzer", "LatinAnalyzer", "HyphenSeparatedParticleAnalyzer",
    "HyphenAdverbAnalyzer", "HyphenatedWordsAnalyzer",
})
_CYRILLIC_WORD = re.compile(r"[а-яё]{2,}")


@lru_cache(maxsize=4)
def _word_units(morph: Any) -> tuple[Any, ...]:
    """`morph`'s units without the shape units, in their order."""
    return tuple(unit for unit in morph._units if type(unit[0]).__name__ not in _SHAPE_UNITS)


def _unknown_word_lemma(morph: Any, word: str) -> str | None:
    """``parse(word)[0].normal_form`` for a word the dictionary lacks, without building every guess.

    ``parse`` concatenates the analyses of its units in order and re-ranks them only when P(tag|word) is
    known for the word, which it never is for a word outside the corpus statistics (checked). So its first
    analysis is the first one of the first unit that has any: the later, costlier guessers need not run.
    None when pymorphy's internals differ from what this relies on (the caller then asks ``parse``).
    """
    units = getattr(morph, "_units", None)
    estimator = morph.prob_estimator
    if not units or (estimator is not None and estimator.p_t_given_w.has_keys_with_prefix(word + ":")):
        return None
    if _CYRILLIC_WORD.fullmatch(word):  # the shape units cannot answer: start at the guessers (30 → 22.5 µs)
        units = _word_units(morph)
    seen: set = set()
    for unit in units:
        found = unit[0].parse(word, word, seen)
        if found:
            return found[0][2]
    return None


@dataclass(frozen=True, slots=True)
class AbbreviationRule:
    expansion: str
    context: str  # one of CONTEXTS


@dataclass(frozen=True)
class Lexicon:
    """The domain data the lemmatiser and the feature builder use; small, so it is pickled with models."""

    form_lemmas: dict[str, str] = field(default_factory=dict)
    lemma_remap: dict[str, str] = field(default_factory=dict)
    abbreviations: dict[str, tuple[AbbreviationRule, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    negations: frozenset[str] = frozenset()
    digest: str = "empty"

    @classmethod
    def load(cls, directory: Path | None = None) -> Lexicon:
        directory = Path(directory) if directory is not None else LEXICON_DIR
        texts = {}
        for name in LEXICON_FILES:
            path = directory / name
            if not path.is_file():
                raise LexiconError(f"{path}: lexicon file is missing")
            texts[name] = path.read_text(encoding="utf-8")
        overrides = texts["lemma_overrides.tsv"]
        form_lemmas, lemma_remap = _parse_overrides(overrides, directory / LEXICON_FILES[0])
        return cls(
            form_lemmas=form_lemmas,
            lemma_remap=lemma_remap,
            abbreviations=_parse_abbreviations(texts["abbreviations.tsv"], directory / LEXICON_FILES[1]),
            stopwords=frozenset(_lines(texts["stopwords.txt"])),
            negations=frozenset(_lines(texts["negation.txt"])),
            digest=hashlib.sha256("\0".join(texts[n] for n in LEXICON_FILES).encode()).hexdigest()[:12],
        )


def _lines(text: str) -> list[str]:
    return [line for _, line in _numbered(text)]


def _numbered(text: str) -> list[tuple[int, str]]:
    """(line number, content) of non-empty lines without ``#`` comments, lower case, ё→е."""
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower().translate(_YO)
        if line:
            rows.append((number, line))
    return rows


def _parse_overrides(text: str, path: Path) -> tuple[dict[str, str], dict[str, str]]:
    forms: dict[str, str] = {}
    remap: dict[str, str] = {}
    for number, line in _numbered(text):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip("=") or not parts[1]:
            raise LexiconError(
                f"{path}, line {number}: expected 'form<TAB>lemma' or '=lemma<TAB>lemma', got {line!r}"
            )
        key, lemma = parts[0].strip(), parts[1].strip()
        if key.startswith("="):
            remap[key[1:]] = lemma
        else:
            forms[key] = lemma
    return forms, remap


def _parse_abbreviations(text: str, path: Path) -> dict[str, tuple[AbbreviationRule, ...]]:
    rules: dict[str, list[AbbreviationRule]] = {}
    for number, line in _numbered(text):
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 3 or not parts[0] or not parts[1] or parts[2] not in CONTEXTS:
            raise LexiconError(
                f"{path}, line {number}: expected 'form<TAB>expansion<TAB>context' "
                f"with context in {CONTEXTS}, got {line!r}"
            )
        rules.setdefault(parts[0], []).append(AbbreviationRule(parts[1], parts[2]))
    return {form: tuple(r) for form, r in rules.items()}


def is_number(token: str) -> bool:
    return token == "<num>" or token.isdigit()


def is_word(token: str) -> bool:
    return token[:1].isalnum()


def expand_abbreviation(rules: Sequence[AbbreviationRule], tokens: Sequence[str], i: int) -> str | None:
    """Expansion of ``tokens[i]`` by the first matching rule, else None; a «.» after it is skipped."""
    j = i + 1
    if j < len(tokens) and tokens[j] == ".":
        j += 1
    nxt = tokens[j] if j < len(tokens) else ""
    prev = tokens[i - 1] if i > 0 else ""
    for rule in rules:
        if (
            rule.context == "any"
            or (rule.context == "num" and is_number(nxt))
            or (rule.context == "word" and is_word(nxt) and not is_number(nxt))
            or (rule.context == "after_num" and is_number(prev))
        ):
            return rule.expansion
    return None


class Lemmatizer:
    """Word form → lemma with the lexicon's overrides; results cached per process (bounded, not pickled)."""

    def __init__(self, lexicon: Lexicon, cache_size: int = 200_000) -> None:
        self.lexicon = lexicon
        self.cache_size = cache_size
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"lexicon": self.lexicon, "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __call__(self, word: str) -> str:
        lemma = self._cache.get(word)
        if lemma is None:
            lemma = self.lemma_uncached(word)
            if len(self._cache) >= self.cache_size:
                self._cache.clear()  # a crude bound; appeals re-fill the hot words within a few hundred texts
            self._cache[word] = lemma
        return lemma

    def lemma_uncached(self, word: str) -> str:
        """Lower-case lemma of one token; punctuation and placeholders are returned unchanged."""
        word = word.lower().replace("ё", "е")
        override = self.lexicon.form_lemmas.get(word)
        if override is not None:
            return override
        if not word[:1].isalpha():
            return word
        if len(word) > 1 and not word.strip("x"):  # «XXXX»: the SPb portal's own personal-data mask
            return MASKED
        try:
            lemma = pymorphy_lemma(word)
        except (KeyError, ValueError):  # pymorphy3's shape check fails on letters unicodedata cannot name
            return word
        return self.lexicon.lemma_remap.get(lemma, lemma)
