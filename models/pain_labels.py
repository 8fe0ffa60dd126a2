"""Readable pain labels, keywords and diverse quotes.

The label is a real phrase people wrote — the most typical short fragment of the pain, normalised
(«Мусор на газоне», «Не работает освещение в подъезде») — so it reads as Russian, never as a bag of lemmas.
Keywords come from class-based TF-IDF (terms frequent in this pain and rare in the others).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

from models.pain_cues import PainCues

_PLACEHOLDER = re.compile(r"\[[A-ZА-ЯЁ_]+\]|X{2,}|Х{2,}")
_BRACKETS = re.compile(r"\([^)]*\)")
_TRAIL = re.compile(r"[\s.,;:!?\-–—…]+$")
# «3 этаж, не работает освещение», «2 парадная: грязно»: where, not what — the label drops it.
_LEAD_PLACE = re.compile(
    r"^(\d+\s*-?(й|я|ий|ая)?\s+(этаж|парадн|подъезд|корпус|секци)\w*\s*[,.:;\-–—]?"
    r"|(\d+\s*-?(й|я|ий|ая)?\s+)?(этаж|парадн|подъезд|корпус|секци)\w*\s*[,.:;\-–—])\s*(?=\w+\s+\w+)",
    re.I,
)
# A clause cut mid-way: «Большая лужа о», «Ненадлежащее состояние парадной, а именно» — the dangling end goes.
_DANGLING = re.compile(
    r"[\s,;:\-–—]+(а именно|именно|а также|так как|потому что|в том числе|для обеспечения|в целях|"
    r"[а-яё]|во|на|об|со|ко|по|за|из|от|до|для|при|под|над|без|про|через|около|возле|но|или|что|как|где|когда|если|чтобы|который|которые|это)$",
    re.I,
)
_LEAD = re.compile(r"^[\s.,;:!?\-–—…•*\d)]+")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_THANKS = re.compile(r"спасибо|благодар", re.I)
_FIRST_CLAUSE = re.compile(r"(?<=[^\s.]{3})[.!?]+\s+|\n+")
# Survey and appeal framing that is not the problem itself: «Единственное — …», «…, прошу исправить».
_LEAD_FRAME = re.compile(
    r"^(единственное|проблема|в целом нормально,? но|здравствуйте|прошу вас|просим вас|прошу|просим|просьба"
    r"|убедительно прошу)\s*[:\-–—,]?\s*(?=\w+\s+\w+)",
    re.I,
)
_TAIL_REQUEST = re.compile(r"[\s,.!;:]+(прошу|просим|просьба|пожалуйста|необходимо|неудобно)\b.*$", re.I)
# Words after which a capital stays: «проспект Мира», «метро Купчино».
_STREET = re.compile(
    r"^((ул|пр|пр-т|пл|пер|наб|б-р)\.?|(улиц|проспект|площад|переул|набережн|бульвар|метро|станци)\w*|шоссе)$",
    re.I,
)
_PROPER_TAGS = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr")
_WORD = re.compile(r"[а-яё]+")


@lru_cache(maxsize=1)
def _default_cues() -> PainCues:
    return PainCues.load()


@dataclass
class PainMembers:
    """The distinct fragments of one pain: text (masked), how many times it occurs, cosine to the centroid,
    its vector, and one masked item text it came from (for quotes)."""

    texts: list[str]
    counts: np.ndarray
    similarity: np.ndarray
    vectors: np.ndarray
    item_texts: list[str]


def normalise_phrase(text: str, max_chars: int = 80) -> str:
    """Tidy a fragment into a label: no placeholders, brackets, framing, end punctuation; capitalised."""
    text = _PLACEHOLDER.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    for _ in range(3):  # «16 этаж 4 парадная, не работает освещение»: one place after another
        shorter = _LEAD.sub("", _LEAD_PLACE.sub("", text))
        if shorter == text:
            break
        text = shorter
    text = _LEAD_FRAME.sub("", text)
    shorter = _TAIL_REQUEST.sub("", text)
    if len(shorter.split()) >= 2:
        text = shorter
    text = _TRAIL.sub("", text)
    for _ in range(3):
        shorter = _TRAIL.sub("", _DANGLING.sub("", text))
        if shorter == text or len(shorter.split()) < 2:
            break
        text = shorter
    if text.isupper():
        text = text.lower()
    text = _lower_inner_capitals(text)
    if len(text) > max_chars:
        cut = text[:max_chars].rsplit(" ", 1)[0]
        text = _TRAIL.sub("", cut) + "…"
    return text[:1].upper() + text[1:]


def _lower_inner_capitals(text: str) -> str:
    """«Крупногабаритный Мусор» → «Крупногабаритный мусор»; names, places, abbreviations keep their case."""
    words = text.split(" ")
    for i, word in enumerate(words[1:], start=1):
        after_street = _STREET.match(words[i - 1]) is not None
        if word[:1].isupper() and word[1:].islower() and not after_street and not _maybe_proper(word):
            words[i] = word.lower()
    return " ".join(words)


def _maybe_proper(word: str) -> bool:
    """A name, a place (capitalised adjectives mid-phrase are mostly places: «на Невском»), an acronym."""
    from nlp.lemmatize import morph_analyzer

    letters = word.strip(".,;:!?()«»\"'")
    if not letters.isalpha():
        return True
    parses = morph_analyzer().parse(letters)
    if parses[0].tag.POS in ("ADJF", "ADJS"):
        return True
    return any(g in p.tag for p in parses for g in _PROPER_TAGS)


def _names_person(term: str) -> bool:
    """A keyword holding a first name, surname or patronymic (in any case)."""
    from models.phrase_grammar import word_info

    return any(word_info(w)[2] for w in term.replace("_", " ").split())


def member_word_counts(texts: list[str]) -> Counter:
    """How many of a pain's fragments use each (lower-case) word: what `misspelt` judges by."""
    return Counter(word for text in texts for word in set(_WORD.findall(text.lower())))


def misspelt(phrase: str, word_counts: dict[str, int]) -> bool:
    """A word pymorphy does not know and only one fragment of the pain uses («Вечеые лужи»): a typo is a
    poor label. Local words many people write («поребрик») are not typos."""
    from nlp.lemmatize import morph_analyzer

    morph = morph_analyzer()
    return any(
        len(w) > 3 and word_counts.get(w, 0) < 2 and not morph.word_is_known(w)
        for w in _WORD.findall(phrase.lower())
    )


def _only_names(phrase: str) -> bool:
    """«Новый Петергоф»: every word after the first kept its capital — a place or a name, not a problem."""
    words = phrase.split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words[1:])


class CentralPhraseLabeller:
    """Label = the best-scoring distinct fragment: close to the centroid, frequent, short, free of numbers.

    `keywords(tfidf, weights, labels, n_pains, names)` → top terms per pain; `label(members)` → phrase;
    `quotes(members)` → 3–5 diverse masked quotes (maximal marginal relevance over fragment vectors).
    """

    def __init__(
        self,
        n_keywords: int = 8,
        n_quotes: int = 5,
        max_words: int = 7,
        quote_chars: int = 300,
        cues: PainCues | None = None,
        min_coverage: float = 0.12,
        max_sim_gap: float = 0.3,
    ) -> None:
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.max_words = max_words
        self.quote_chars = quote_chars
        self.cues = cues
        self.min_coverage = min_coverage
        self.max_sim_gap = max_sim_gap

    def keywords(
        self, tfidf: sparse.csr_matrix, weights: np.ndarray, labels: np.ndarray, n_pains: int, names
    ) -> list[list[str]]:
        mask = labels >= 0
        if not mask.any():
            return [[] for _ in range(n_pains)]
        rows = sparse.csr_matrix(
            (weights[mask], (labels[mask], np.arange(mask.sum()))), shape=(n_pains, int(mask.sum()))
        )
        per_pain = np.asarray((rows @ tfidf[mask]).todense())
        total = per_pain.sum(axis=0) + 1e-9
        avg = per_pain.sum() / max(n_pains, 1)
        # c-TF-IDF: term share within the pain × how rare the term is across pains.
        scores = (per_pain / (per_pain.sum(axis=1, keepdims=True) + 1e-9)) * np.log1p(avg / total)
        result = []
        for row in scores:
            chosen: list[str] = []
            for j in np.argsort(-row):
                if row[j] <= 0 or len(chosen) >= self.n_keywords:
                    break
                term = str(names[j])
                # Skip a word already inside a chosen bigram and vice versa: keywords should add information.
                if any(term in c.split(" ") or c in term.split(" ") for c in chosen):
                    continue
                if _names_person(term):  # «ольга берггольц» of a street the masking left
                    continue
                chosen.append(term.replace("_", " "))
            result.append(chosen)
        return result

    def label(self, members: PainMembers) -> str:
        ranked = self.candidates(members)
        return ranked[0] if ranked else "Без названия"

    def candidates(self, members: PainMembers, n: int = 10) -> list[str]:
        """Up to `n` label phrases, best first (the caller may skip those another pain already uses)."""
        # Candidates are clauses that name a problem (not «Добрый день»); the same phrase written by many
        # people pools its count.
        cues = self.cues or _default_cues()
        pooled: dict[str, list[float]] = {}
        for text, count, sim in zip(members.texts, members.counts, members.similarity, strict=True):
            clauses = [c for c in _FIRST_CLAUSE.split(text.strip()) if c.strip()]
            # Checked again after tidying: «От жильцов дома [ADDRESS]» is framing once the address is gone.
            tidy = (normalise_phrase(c) for c in clauses if cues.carries_problem(c, c.lower().split()))
            phrase = next((t for t in tidy if cues.carries_problem(t, t.lower().split())), "")
            if phrase:
                entry = pooled.setdefault(phrase.lower(), [0.0, 0.0, phrase])
                entry[0] += float(count)
                entry[1] = max(entry[1], float(sim))
        word_counts = member_word_counts(members.texts)
        # A phrase of a member far from the pain's centre, next to a central one, is an outlier the pain
        # took in («На крыльце скользко» in the pain «Ходишь по кругу»): it never names the pain.
        top = max((sim for _, sim, _ in pooled.values()), default=0.0)
        scored = []
        for count, sim, phrase in pooled.values():
            if sim < top - self.max_sim_gap:
                continue
            words = phrase.split()
            score = sim + 0.08 * np.log1p(count)
            if len(words) > self.max_words:
                score -= 0.08 * (len(words) - self.max_words)
            if sum(len(w) > 2 for w in words) <= 1:
                # A bare noun («Парадная», «Я парадная») names a place, not what is wrong with it.
                score -= 0.3
            if _DIGIT.search(phrase) or _PLACEHOLDER.search(phrase) or phrase.endswith("…"):
                score -= 0.3
            if misspelt(phrase, word_counts):
                score -= 0.2
            if _only_names(phrase):
                score -= 0.3
            if _THANKS.search(phrase):  # «Освещение есть, спасибо» is a reply, not the problem
                score -= 0.3
            scored.append((-score, phrase))
        return [phrase for _, phrase in sorted(scored)[:n]]

    def quotes(self, members: PainMembers, n: int | None = None) -> list[str]:
        n = self.n_quotes if n is None else n
        if not members.texts:
            return []
        candidates = np.argsort(-members.similarity)[:200]
        vectors = members.vectors[candidates]
        relevance = members.similarity[candidates]
        chosen: list[int] = []
        while len(chosen) < min(n, len(candidates)):
            if chosen:
                redundancy = (vectors @ vectors[chosen].T).max(axis=1)
                score = 0.5 * relevance - 0.5 * redundancy
            else:
                score = relevance.copy()
            score[chosen] = -np.inf
            pick = int(np.argmax(score))
            if not np.isfinite(score[pick]):
                break
            chosen.append(pick)
        ordered: list[str] = []
        for pick in chosen:
            quote = members.item_texts[candidates[pick]].strip()
            if len(quote) > self.quote_chars:
                quote = quote[: self.quote_chars].rsplit(" ", 1)[0] + "…"
            if quote not in ordered:
                ordered.append(quote)
        return ordered


def distinct_quotes(labeller, members: list[PainMembers]) -> list[list[str]]:
    """Each pain's quotes (size order), none repeating a quote of a bigger pain."""
    used: set[str] = set()
    out = []
    for member in members:
        quotes = [q for q in labeller.quotes(member, n=labeller.n_quotes + 5) if q not in used]
        quotes = quotes[: labeller.n_quotes]
        used.update(quotes)
        out.append(quotes)
    return out
