"""A period's problem fragments: which clauses (or whole texts) carry a problem, their lemmas, and the
unique rows the clusterer sees (models.pains).

Slips are corrected to the period's own words first (`nlp.spelling`), so «нардоу много» and «народу много»
are one row; the text shown and quoted stays verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp.spelling import SpellingFixer, plain_case

# Mask placeholders («[ФИО]», «[ТЕЛЕФОН]») say a name was there, not what is wrong: never a lemma of a pain.
_PLACEHOLDER = re.compile(r"\[[A-ZА-ЯЁ_]+\]")


@dataclass
class FragmentRows:
    """A period's unique problem fragments: lemmas, the text shown for each and the one embedded, the item
    text it is quoted from, (item, row) occurrences, the count of each row and its group (`cluster_by`)."""

    lemmas: list[list[str]]
    shown: list[str]
    read: list[str]
    quote_source: list[str]
    occurrences: list[tuple[int, int]]
    counts: np.ndarray
    groups: np.ndarray


def problem_fragments(texts: Sequence[str], preprocessor, cues, whole: bool):
    """Yield (item index, fragment text, lemmas, masked item text, text the sentence model reads: slips
    corrected, capitals lowered) for fragments that carry a problem."""
    if whole:  # appeals and reviews: an organisation's pasted reply is no part of the complaint
        texts = [cues.without_reply(text) for text in texts]
    docs = list(preprocessor.pipe(texts))
    # Slips corrected to the words the period itself uses: «нардоу много» meets «народу много».
    fixer = SpellingFixer.learn(doc.masked_text for doc in docs)

    def problem(fragment: str):
        fixed = fixer.fix_text(fragment)
        lemmas = preprocessor.features(_PLACEHOLDER.sub(" ", fixed))
        content = cues.cluster_lemmas(lemmas)
        return (fixed, content) if content and cues.carries_problem(fixed, lemmas) else None

    per_doc = [
        [(piece, *found) for piece in doc.fragments or [doc.masked_text] if (found := problem(piece))]
        for doc in docs
    ]
    templates = _templates(per_doc) if whole else set()
    for index, doc in enumerate(docs):
        kept = [k for k in per_doc[index] if tuple(k[2]) not in templates]
        if kept and whole:
            # One unit per text, made of its problem clauses only: the greeting, the self-introduction
            # and «прошу разобраться» no longer fill the first 300 characters e5 reads, nor the lemmas.
            text = " ".join(fragment for fragment, _, _ in kept)
            read = plain_case(" ".join(fixed for _, fixed, _ in kept))
            yield index, text, [w for _, _, content in kept for w in content], doc.masked_text, read
            continue
        for fragment, fixed, content in kept:
            yield index, fragment, content, doc.masked_text, plain_case(fixed)
        # Splitting can leave nothing while the whole text still names a problem: keep it whole then. Its
        # lemmas come from the masked text, as the fragments' do (doc.lemmas would carry names into the
        # keywords analysts read).
        if per_doc[index]:  # kept, or nothing but a template
            continue
        found = problem(doc.masked_text)
        if found:
            yield index, doc.masked_text, found[1], doc.masked_text, plain_case(found[0])


# A clause of this many content lemmas, word for word in this share of a period's texts (5 at least), is a
# template — a law one activist quotes in every appeal, a signature, an organisation's pasted reply — not what
# each text is about (appeals and reviews only: survey answers repeat their short problems word for word).
TEMPLATE_LEMMAS = 6
TEMPLATE_SHARE = 0.005


def _templates(per_doc: list[list[tuple]]) -> set[tuple[str, ...]]:
    counts: Counter = Counter()
    for kept in per_doc:
        counts.update({tuple(content) for _, _, content in kept if len(content) >= TEMPLATE_LEMMAS})
    limit = max(5, TEMPLATE_SHARE * len(per_doc))
    return {key for key, n in counts.items() if n >= limit}


def fragment_rows(texts, item_group, whole: bool, preprocessor, cues) -> FragmentRows:
    """The period's problem fragments as unique rows: identical lemma sequences (within a group) are one
    row weighted by their count — faster and steadier clusters — in lemma order, not arrival order:
    pains must not depend on the order the items came in (a database returns a period's rows in no
    fixed order; k-means seeds tie on equal weights)."""
    keys: dict[str, int] = {}
    lemmas: list[list[str]] = []
    shown: list[str] = []
    read: list[str] = []
    quote_source: list[str] = []
    occurrences: list[tuple[int, int]] = []  # (item index, unique row)
    found = problem_fragments(texts, preprocessor, cues, whole)
    for index, fragment, content, masked, text in found:
        key = item_group[index] + "\x00" + " ".join(content)
        row = keys.setdefault(key, len(lemmas))
        if row == len(lemmas):
            lemmas.append(content)
            shown.append(fragment)
            read.append(text)
            quote_source.append(masked)
        elif (fragment, masked) < (shown[row], quote_source[row]):
            # the same text whatever the item order
            shown[row], quote_source[row], read[row] = fragment, masked, text
        occurrences.append((index, row))
    order = sorted(range(len(lemmas)), key=list(keys).__getitem__)
    rank = {old: new for new, old in enumerate(order)}
    lemmas, shown, read, quote_source = (
        [seq[r] for r in order] for seq in (lemmas, shown, read, quote_source)
    )
    occurrences = [(index, rank[row]) for index, row in occurrences]
    counts = np.bincount([r for _, r in occurrences], minlength=len(lemmas)).astype(np.float64)
    groups = np.array([key.split("\x00", 1)[0] for key in sorted(keys)], dtype=object)
    return FragmentRows(lemmas, shown, read, quote_source, occurrences, counts, groups)
