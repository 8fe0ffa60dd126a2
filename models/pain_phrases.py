"""Pain labels as short problem statements that many members share, not one author's clause.

Candidates are word spans (2–6 words) of the pain's central fragments that neither start nor end with a
function word and hold no digit, placeholder or proper name. A candidate's key is the sequence of its content
lemmas («ожидание в очереди» and «ожидания в очередях» are one key); its coverage is the weight of the
members whose lemmas contain every lemma of the key. The label is the surface form most members wrote of
the best key: wide coverage first, then specificity (more content words), then closeness to the centre.

Boilerplate is excluded twice: by the formula lexicon (data/lexicon/pain_cues.yaml `formulas`, e.g.
«прошу принять меры», «на основании изложенного») and by spread — a key that covers members of many pains
evenly («просьба принять», «обратная связь») says how people write, not what is wrong
(`BoilerplateFilter`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.phrase_grammar import KEEP_EDGE as _KEEP_EDGE
from models.phrase_grammar import LETTERS as _LETTERS
from models.phrase_grammar import WORD as _WORD
from models.phrase_grammar import is_request, reads_as_statement, word_info

# A licence plate («А123ВС»): never part of a label (digits, hence dates and house numbers, break a span).
_PLATE = re.compile(r"\b[АВЕКМНОРСТУХ]\s?\d{3}\s?[АВЕКМНОРСТУХ]{2}\b", re.I)
_NEGATION = re.compile(r"(?i)(?<![а-яё])(не|нет)(?![а-яё])")
_EDGE_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO"}
# A span with one of these says what happens (or does not), so it states a problem by itself.
_PREDICATE = {"VERB", "INFN", "PRTS", "ADJS", "PRED", "PRTF"}
# Verbs that place or describe, not what is wrong («Дерево находится», «Фото сделаны»).
_STATIVE = {"находиться", "являться", "иметься", "располагаться", "представить", "сделать", "быть",
            "расположить", "находящийся", "сделанный"}
_NO_END_LEMMAS = {"быть", "мочь", "смочь", "хотеть", "стать", "начать", "пытаться", "нужно", "надо", "можно",
                  "приходиться", "невозможно", "нельзя", "возможно", "требовать", "нуждаться"}
_NO_END = {"ADJF", "PRTF", "NUMR"}  # «Ждала два», «Нет горячей»: cut mid-phrase
# Degree and time words qualify what follows: «Лифт не доезжает до этажа примерно» is cut mid-phrase.
_NO_END_WORDS = {"примерно", "почти", "очень", "уже", "еще", "ещё", "даже", "более", "менее", "около",
                 "просто", "вообще", "слишком", "так", "пор"}  # «Заблокировали карту до сих пор»
# Lemmas of «до сих пор»: an adverb, not what the phrase is about.
_IDIOM_LEMMAS = {"сей", "пора"}
_COORDINATORS = {"и", "или"}
_NEGATORS = {"не", "нет", "ни"}
_VERBAL = {"VERB", "INFN", "PRTS"}
# Words that point outside the span («Установить их на место», «Лифт тоже сломан», «Включительно на каждом
# этаже»): what they refer to is in another sentence, so a span holding one names no problem by itself.
_REFERRING = {"также", "тоже", "включительно", "там", "тут", "здесь", "туда", "сюда", "оттуда", "потом",
              "поэтому", "тогда", "затем", "далее", "причем", "притом", "вышеуказанный", "данный",
              "указанный", "такой", "этот", "тот"}  # «Столкнулись с такими сложностями»
_NEGATIVE_PRONOUNS = {"никто", "ничто", "нечего", "некого"}  # «Никто не убирает» names its problem


@lru_cache(maxsize=200_000)
def _can_start(word: str) -> bool:
    """A label may start with this word: a noun or adjective only in the nominative («Горячей воды» and
    «Управляющую компанию» are cut out of a clause; «Нет горячей воды», «Лифт не работает» are not)."""
    from nlp.lemmatize import morph_analyzer

    parses = morph_analyzer().parse(word)[:2]
    if parses[0].tag.POS not in ("NOUN", "ADJF", "PRTF", "NUMR", "NPRO"):
        # «Установив полусферы», «Не оставляя следов»: a gerund leans on a clause that is not there
        return parses[0].tag.POS not in ("PREP", "CONJ", "GRND")
    # An archaic nominative («Дерева», «деревья» in old texts) is no reading of a modern label's first word,
    # nor is another word's («Банка» of «банк» is no jar).
    nominative = any(
        "nomn" in p.tag and "Arch" not in p.tag and p.normal_form == parses[0].normal_form for p in parses
    )
    return nominative and parses[0].tag.POS != "NUMR"




@lru_cache(maxsize=200_000)
def _genitive(word: str) -> bool:
    """The word may be a genitive («освещения», «парадной»)."""
    from nlp.lemmatize import morph_analyzer

    return any(p.tag.case in ("gent", "gen2") for p in morph_analyzer().parse(word))


def _predicate(lemma: str, pos: str) -> bool:
    """The word says what happens (or does not): a verb or participle that is not merely stative."""
    return pos in _PREDICATE and lemma not in _STATIVE


def states_problem(phrase: str, problem_lemmas: frozenset[str] = frozenset()) -> bool:
    """The phrase says what is wrong: a predicate, a negation or a problem word («Третий этаж» does not)."""
    for word in _WORD.findall(phrase):
        if not _LETTERS.match(word):
            continue
        if word.lower() in _KEEP_EDGE:
            return True
        lemma, pos, _ = word_info(word)
        if _predicate(lemma, pos) or lemma in problem_lemmas:
            return True
    return False


def lemma_key(phrase: str) -> tuple[str, ...]:
    """Content lemmas of a phrase in order (prepositions, conjunctions, particles dropped)."""
    out = []
    for word in _WORD.findall(phrase):
        if _LETTERS.match(word):
            lemma, pos, _ = word_info(word)
            if pos not in _EDGE_POS:
                out.append(lemma)
    return tuple(out)


@dataclass(frozen=True)
class Candidate:
    key: tuple[str, ...]
    surface: str
    coverage: float
    closeness: float
    problem: bool = False  # holds a negation or a problem word («не», «сломан», «заблокировать»)
    request: bool = False  # starts with an infinitive: what the writer asks for («Убрать мусор»)


def _spans(text: str, stop: frozenset[str], max_words: int = 6):
    """(key, surface) of every admissible span of one fragment."""
    tokens = _WORD.findall(text)
    words: list[tuple[str, str, str, bool]] = []  # surface, lemma, POS, ok
    for tok in tokens:
        if not _LETTERS.match(tok) or (len(tok) == 1 and tok.lower() not in "вксоуиая"):
            words.append((tok, "", "", False))  # a digit, placeholder, mark or a slip («н») breaks a span
            continue
        lemma, pos, proper = word_info(tok)
        refers = lemma in _REFERRING or (pos == "NPRO" and lemma not in _NEGATIVE_PRONOUNS)
        words.append((tok, lemma, pos, not proper and not refers))
    # Words of a «чтобы» clause, up to the next mark: a purpose, never a problem statement.
    purpose, inside = [], False
    for tok, lemma, _, _ in words:
        if tok.lower() == "чтобы":
            inside = True
        elif not lemma and not tok.isalnum():
            inside = False
        purpose.append(inside)
    for i in range(len(words)):
        first = words[i][0].lower()
        if not words[i][3] or (words[i][2] in _EDGE_POS and first not in _KEEP_EDGE):
            continue
        if first not in _KEEP_EDGE and not _can_start(words[i][0]):
            continue
        if first in _KEEP_EDGE and i + 1 < len(words) and words[i + 1][2] == "GRND":
            continue
        if i and words[i - 1][2] == "PREP":
            continue  # «в выходной банк не работает»: «Выходной банк» reads as a bank that is a day off
        if i and words[i - 1][0].lower() in _NEGATORS:
            continue  # «(не) убран мусор»: the negation belongs to the span, which starts with it
        if purpose[i]:
            continue  # «…, чтобы лужа не образовалась»: what the writer wants, not what is wrong
        after_verb = bool(i) and words[i - 1][2] in ("INFN", "VERB")
        if i and words[i - 1][2] == "NOUN" and words[i][2] == "NOUN" and _genitive(words[i][0]):
            continue  # «(опоры) освещения от рекламы»: a noun's genitive cut from the noun it depends on
        for j in range(i + 1, min(len(words), i + max_words)):
            if not words[j][3]:
                break
            if words[j][0][:1].isupper() and not words[j][0].isupper():
                break  # a capital mid-span (not a name: those are not ok) starts a new sentence
            if words[j][2] in _EDGE_POS or words[j][2] in _NO_END or words[j][0].lower() in _KEEP_EDGE:
                continue
            if words[j][1] in _NO_END_LEMMAS:  # «Пожилые люди не могут» stops before what they cannot do
                continue
            if words[j][0].lower() in _NO_END_WORDS:
                continue
            span = words[i : j + 1]
            key = tuple(
                w[1] for w in span if w[1] not in stop and w[2] not in _EDGE_POS and w[1] not in _IDIOM_LEMMAS
            )
            if not reads_as_statement([w[0] for w in words[i : j + 1]]) or _cut_conjunct(span):
                continue
            if after_verb and any(w[0].lower() == "от" for w in span) and not any(
                _predicate(w[1], w[2]) for w in span
            ):
                continue  # «(Очистить) дорожный знак от рекламы»: the object of a request cut from its verb
            if len(key) >= 2 and len(set(key)) == len(key):  # «очередь очередь» repeats, not states
                states = first in _KEEP_EDGE or any(_predicate(w[1], w[2]) for w in span)
                # «Лифт не работает» and «Лифт работает» say opposite things: the negation is in the key
                # wherever it stands.
                negated = any(w[0].lower() in _KEEP_EDGE for w in span)
                key = ("не",) + key if negated else key
                yield key, " ".join(w[0] for w in span), states


def _cut_conjunct(span: list[tuple[str, str, str, bool]]) -> bool:
    """The span ends inside a second clause: «Не позвонили и смс» (… и смс не прислали) joins a verb to a
    noun that has no verb of its own."""
    last = max((k for k, w in enumerate(span) if w[0].lower() in _COORDINATORS), default=None)
    if last is None or last == 0 or last + 1 >= len(span):
        return False
    after = span[last + 1 :]
    return (
        span[last - 1][2] in _VERBAL
        and after[0][2] in ("NOUN", "ADJF")
        and not any(_predicate(w[1], w[2]) or w[0].lower() in _KEEP_EDGE for w in after)
    )


def candidates(
    texts: Sequence[str],
    counts: np.ndarray,
    similarity: np.ndarray,
    stop: frozenset[str],
    formulas: Sequence[tuple[str, ...]] = (),
    problem_lemmas: frozenset[str] = frozenset(),
    # Spans come from this many central members: with 40, the shared problem of a pain of long reviews was
    # often said only further out and one author's clause labelled it («Подали заявку» → on the bank
    # reviews «Очередь в банке», «График платежей не предоставили»; ~10 % slower labels).
    n_central: int = 120,
    n_members: int = 300,
) -> list[Candidate]:
    """Label candidates of one pain, best first (see the module docstring)."""
    if not len(texts):
        return []
    order = np.argsort(-(similarity + 0.02 * np.log1p(counts)), kind="stable")
    members = order[:n_members]
    bags = []
    for i in members:
        lemmas = {word_info(w)[0] for w in _WORD.findall(texts[i]) if _LETTERS.match(w)}
        if re.search(r"(?i)\bне\b|\bнет\b", texts[i]):
            lemmas.add("не")
        bags.append(lemmas)
    weights = counts[members].astype(float)
    total = float(weights.sum()) or 1.0
    surfaces: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    closeness: dict[tuple[str, ...], float] = {}
    stated: set[tuple[str, ...]] = set()  # keys written with a predicate or a leading negation
    for i in order[:n_central]:
        for key, surface, states in _spans(texts[i], stop):
            # «Лестничные площадки», «Управляющая компания» name a place or a party, not what is wrong.
            if not (states or problem_lemmas.intersection(key)) or any(_contains(key, f) for f in formulas):
                continue
            if states:
                stated.add(key)
            surfaces[key][surface] += float(counts[i])
            closeness[key] = max(closeness.get(key, -1.0), float(similarity[i]))
    out = []
    for key, forms in surfaces.items():
        need = set(key)
        covered = sum(w for bag, w in zip(bags, weights, strict=True) if need <= bag)
        says_wrong = bool(problem_lemmas & need)  # «Невозможно дозвониться» is a problem without «не»
        if "не" not in need and not says_wrong and key in stated:
            # «Лифт работает» is not said by the members who wrote «лифт не работает».
            covered -= sum(w for bag, w in zip(bags, weights, strict=True) if need | {"не"} <= bag)
        surface = max(forms.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]
        if _PLATE.search(surface):
            continue
        # A negation anywhere says something is not as it should be («УК не реагирует на заявки»).
        problem = key[0] == "не" or bool(problem_lemmas.intersection(key)) or bool(_NEGATION.search(surface))
        request = is_request(surface)
        out.append(Candidate(key, surface, covered / total, closeness[key], problem, request))
    # Orders of the same words («мусор на газоне», «газон от мусора») are covered alike: the one that opens
    # with what is wrong reads as a statement, the other is cut out of «очистить газон от мусора».
    opens_with_problem = {frozenset(c.key) for c in out if c.key[0] in problem_lemmas}
    out = [c for c in out if c.key[0] in problem_lemmas or frozenset(c.key) not in opens_with_problem]
    out.sort(key=lambda c: (-score(c), c.surface))
    return out


def score(c: Candidate) -> float:
    """Coverage first; more content words (specific beats generic), closeness to the centre and a negation
    or problem word add a little."""
    specific = min(sum(w != "не" for w in c.key), 4) - 1  # a negation is no more specific
    return c.coverage + 0.04 * specific + 0.05 * c.closeness + 0.06 * c.problem


def _contains(key: tuple[str, ...], formula: tuple[str, ...]) -> bool:
    """True when the formula's lemmas all occur in the key (in any order)."""
    return bool(formula) and set(formula) <= set(key)


class BoilerplateFilter:
    """Keys that cover members of many pains evenly are boilerplate. `fit(per_pain_candidates)`, then
    `is_boilerplate(key)`. A key counts in a pain when it covers ≥ `min_coverage` of its members; it is
    boilerplate when it counts in ≥ `min_pains` pains and ≥ `min_share` of them."""

    def __init__(self, min_coverage: float = 0.05, min_pains: int = 4, min_share: float = 0.2) -> None:
        self.min_coverage = min_coverage
        self.min_pains = min_pains
        self.min_share = min_share

    def fit(self, per_pain: Sequence[Sequence[Candidate]]) -> BoilerplateFilter:
        seen: Counter = Counter()
        for found in per_pain:
            seen.update({c.key for c in found if c.coverage >= self.min_coverage})
        limit = max(self.min_pains, self.min_share * len(per_pain))
        self.keys_ = {key for key, n in seen.items() if n >= limit}
        # Words of the whole domain: in a wide phrase of most pains («банк», the bank's name in every review).
        lemmas: Counter = Counter()
        for found in per_pain:
            lemmas.update({w for c in found if c.coverage >= self.min_coverage for w in c.key})
        half = max(self.min_pains, len(per_pain) / 2)
        self.domain_ = {w for w, n in lemmas.items() if n >= half} - {"не"}
        return self

    def is_boilerplate(self, key: tuple[str, ...], problems: frozenset[str] = frozenset()) -> bool:
        """The key itself is spread: «управляющая компания» may be (it is named in many complaints) while
        «управляющая компания не реагирует на заявки» still names one problem. A key holding a problem word
        (`problems`) is spread because its problem is («Мусор на газонах» over the litter pains of one
        spring), not because it is how people write. A key of nothing but the domain's words and a negation
        («Банка нет Газпромбанк») is boilerplate either way."""
        spread = key in self.keys_ and not problems.intersection(key)
        return spread or not set(key) - self.domain_ - {"не"}
