"""Slips of the keyboard, corrected to the words the same texts use: «нардоу много» → «народу много».

A survey answer is typed fast on a phone: «очеереди», «тлпа народу», «неуобный график». pymorphy3 does not
know such a word, so it gets a lemma of its own that no other answer shares, and no lexicon area, and e5
reads it as noise; one problem splits by its typos. The corrector learns its vocabulary from the period
itself (words pymorphy knows, with their counts) and replaces an unknown word by the vocabulary word one
edit away (a letter dropped, added, changed or two swapped) that the texts use most. A word the period
uses itself again and again (a local name, an abbreviation, slang: «мфц», «госуслуги», «пухто») is not a
slip and stays. Nothing is corrected to a word the texts do not use, so no dictionary guess can turn a
slip into another problem.

    >>> fixer = SpellingFixer.learn(["народу много", "много народу в зале", "нардоу много"])
    >>> fixer.fix_text("Нардоу много!!!")
    'Народу много!!!'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[А-Яа-яЁё]+")
_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
# Short words are too close to each other to guess a slip from one edit («сад»/«сам»/«сан»).
MIN_LENGTH = 4
# A candidate must be this much more frequent than the word it replaces.
MIN_RATIO = 2


def edits1(word: str) -> set[str]:
    """Every string one edit away from `word` (Norvig's edits1 over the Russian alphabet)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + swaps + replaces + inserts)


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


class SpellingFixer:
    """`fix(word)` and `fix_text(text)`; learnt from a set of texts by `learn`."""

    def __init__(self, known: dict[str, tuple[int, int]], unknown: Counter, min_count: int = 2) -> None:
        # folded word pymorphy knows → (how often the texts use its lemma, and the form itself)
        self.known = known
        self.unknown = unknown  # folded word → count, words it does not know
        self.min_count = min_count
        self._fixes: dict[str, str] = {}

    @classmethod
    def learn(cls, texts: Iterable[str], min_count: int = 2) -> SpellingFixer:
        from nlp.lemmatize import morph_analyzer, pymorphy_lemma

        morph = morph_analyzer()
        counts = Counter(_fold(w) for text in texts for w in _WORD.findall(text))
        lemma_of, by_lemma, unknown = {}, Counter(), Counter()
        for word, count in counts.items():
            if morph.word_is_known(word):
                lemma_of[word] = pymorphy_lemma(word)
                by_lemma[lemma_of[word]] += count
            else:
                unknown[word] = count
        # A slip may be of a form nobody else wrote, as long as its word is used: «падуса» → «пандуса»
        # counts every «пандус», «пандусом», «пандуса».
        known = {word: (by_lemma[lemma], counts[word]) for word, lemma in lemma_of.items()}
        return cls(known, unknown, min_count)

    def fix(self, word: str) -> str:
        """The folded correction of `word`, or `word` folded when it is no slip."""
        folded = _fold(word)
        if folded in self._fixes:
            return self._fixes[folded]
        fixed = folded
        own = self.unknown.get(folded, 0)
        if len(folded) >= MIN_LENGTH and own < self.min_count + 1 and self._unknown(folded):
            # A word with the same first letter (slips rarely hit it: «сраз» is «сразу», not «раз»), then
            # the most used word, then its most used form («консультациы» → «консультацию», not «-ия»).
            best = max(
                ((c[0] == folded[0], *self.known[c], c) for c in edits1(folded) if c in self.known),
                default=(False, 0, 0, folded),
            )
            if best[1] >= max(self.min_count, MIN_RATIO * own):
                fixed = best[3]
        self._fixes[folded] = fixed
        return fixed

    def _unknown(self, folded: str) -> bool:
        if folded in self.known:
            return False
        if folded in self.unknown:
            return True
        from nlp.lemmatize import morph_analyzer

        return not morph_analyzer().word_is_known(folded)  # a text it did not learn from

    def fix_text(self, text: str) -> str:
        """`text` with each slip replaced, in the case the slip was written in (Нардоу → Народу)."""
        return _WORD.sub(lambda m: _recase(self.fix(m.group(0)), m.group(0)), text)


def _recase(fixed: str, original: str) -> str:
    if _fold(original) == fixed:
        return original
    if original.isupper():
        return fixed.upper()
    if original[:1].isupper():
        return fixed[:1].upper() + fixed[1:]
    return fixed


def plain_case(text: str) -> str:
    """Text written in capitals («НЕУВАЖИТЕЛЬНОЕ ОТНОШЕНИЕ!!!») in sentence case: a sentence model reads
    shouted words as other tokens, and the answer lands away from its calm paraphrases."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4 or sum(c.isupper() for c in letters) < 0.6 * len(letters):
        return text
    lowered = text.lower()
    return lowered[:1].upper() + lowered[1:]
