"""Person names for personal-data masking: patterns («Иванов И.И.», role + surname) and natasha NER,
filtered so streets, places and organisations named after people stay.

``find_person_spans(text, ner)`` gives [start, end) offsets; ``nlp.pii`` replaces them with «[ФИО]».
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from threadpoolctl import ThreadpoolController

from nlp.pii_words import (
    ROLES_FILE,
    SURNAME_ENDING,
    could_be_name,
    is_initial,
    is_role,
    lowercase_names,
    morph,
    name_like,
    not_names,
    role_stems,
    word_list,
)
from nlp.resources import data_dir

NameFinder = Callable[[str], list[tuple[int, int]]]  # text → [start, end) of person names

# Names by pattern, found even without NER: «Иванов И.И.», «И.И. Иванов», «(Иванова) Мария Петровна».
_CAP = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_INITIALS = r"[А-ЯЁ]\.\s?[А-ЯЁ]\."
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:(?:ович|евич|ьич|инич)(?:а|у|ем|е)?|(?:овн|евн|ичн|иничн)(?:а|ы|е|у|ой))"
PERSON_RE = re.compile(
    rf"\b{_CAP}\s+{_INITIALS}(?!\s?[А-ЯЁ][а-яё])|\b{_INITIALS}\s?{_CAP}\b|(?:\b{_CAP}\s+)?\b{_CAP}\s+{_PATRONYMIC}\b"
)
# «Колесник А.»: a surname with one initial (not «ул. Ленина Д. 5», not «Вход А. Петров»).
SURNAME_INITIAL_RE = re.compile(rf"\b{_CAP}\s+[А-ЯЁ]\.(?!\s?[А-ЯЁ][а-яё]|\s?[А-ЯЁ]\.|\s?\d)")
# A self-introduction or a signature: the capitalised words after it are the writer's name.
SELF_INTRO_RE = re.compile(
    r"(?i:\bменя\s+зовут|\bмоя\s+фамилия|\bс\s+уважением,?|\bзаявитель:?)\s+"
    rf"(?P<name>{_CAP}(?:\s+(?:{_CAP}|[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.)?)){{0,2}})"
)


@lru_cache(maxsize=1)
def _role_name_re() -> re.Pattern[str]:
    """«мастер Петров», «председатель ТСЖ Лысенко»: a capitalised word right after a role word."""
    stems = word_list(ROLES_FILE)
    return re.compile(
        rf"\b(?i:{'|'.join(sorted(stems, key=len, reverse=True))})[а-яё]{{0,4}}\s+(?:[А-ЯЁ]{{2,}}[\w-]*\s+)?"
        rf"(?P<name>{_CAP})\b"
    )


CONTEXT_FILE = data_dir() / "lexicon" / "pii_context.yaml"
_IMENI = re.compile(r"\b(?:[Ии]м\.|[Ии]мени)\s+(?:[А-ЯЁ][а-яё]*\.?\s*){0,5}$")  # titles are capitalised
_HOUSE_AFTER = re.compile(r"^\s*,?\s*(?:д(?:ом)?\.?\s*)?№?\s*\d")
# «от Писарева до Глинки»: both are streets.
_FROM_BEFORE = re.compile(r"\b[Оо]т\s+$")
_TO_AFTER = re.compile(r"^\s+до\s+[А-ЯЁ]")
_FROM_TO_BEFORE = re.compile(r"\b[Оо]т\s+[А-ЯЁ][\w-]*(?:\s+[А-ЯЁ][\w-]*)?\s+до\s+$")


@dataclass(frozen=True)
class _Context:
    """Patterns over the text before a candidate name that make it a street, place or organisation."""

    named_after: re.Pattern[str]  # «ул. Маршала Жукова», «сквер Чкалова»
    street_title: re.Pattern[str]  # «улица подводника Кузьмина»
    address: re.Pattern[str]  # «дома Ногина 4», «по Чичеринской»
    street_and: re.Pattern[str]  # «ул. Ботаническая и Шахматова»
    org: re.Pattern[str]  # «компании Скайнет», «ЖК «Граф Орлов»»
    title: re.Pattern[str]  # «улица Адмирала Коновалова»


@lru_cache(maxsize=1)
def _context() -> _Context:
    try:
        data = yaml.safe_load(CONTEXT_FILE.read_text(encoding="utf-8"))
        streets, after, address = data["street_words"], data["named_after"], data["address_before"]
        crossings, orgs, titles = data["crossing_words"], data["org_before"], data["titles"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ValueError(f"{CONTEXT_FILE}: cannot read personal-data context words ({exc!r})") from exc

    def alt(words: list[str]) -> str:
        return "|".join(sorted(words, key=len, reverse=True))

    cap = r"[А-ЯЁ][\w-]*"
    return _Context(
        named_after=re.compile(rf"\b(?i:{alt(streets + after)})\.?\s*$"),
        street_title=re.compile(rf"\b(?i:{alt(streets)})\s+[а-яё]+\s+$"),
        address=re.compile(rf"\b(?i:{alt(address + crossings)})\.?\s*$"),
        street_and=re.compile(
            rf"\b(?i:{alt(streets + crossings)})\.?\s*(?:[А-ЯЁ]\.\s?)?{cap}(?:\s+{cap})?\s+и\s+$"
        ),
        org=re.compile(rf"(?:\b(?i:{alt(orgs)})\.?\s+|[«\"„]\s*[\w\s-]{{0,20}})$"),
        title=re.compile(rf"\b(?i:{alt(titles)})\s+$"),
    )


_NER_TRIGGER = re.compile(r"(?<!^)(?<![.!?…]\s)(?<![.!?…])\b[А-ЯЁ][а-яё]{1,}")
_SENTENCE_START_WORD = re.compile(r"(?:^|[.!?…])\s*([А-ЯЁ][а-яё]+)")


@lru_cache(maxsize=1)
def _load_ner() -> Any:
    """natasha's news NER (slovnet + navec, shipped in the package); loaded once per process."""
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """Inspecting the loaded BLAS libraries takes ~2 ms; do it once, not per call."""
    return ThreadpoolController()


@lru_cache(maxsize=100_000)
def _may_be_name(word: str) -> bool:
    return could_be_name(word) or not morph().word_is_known(word.lower())


class NameTagger:
    """Finds person names (PER spans) with natasha NER; the model is loaded on first use, never pickled."""

    def __init__(self, max_chunk_chars: int = 2000) -> None:
        self.max_chunk_chars = max_chunk_chars  # the only state: the model lives in a process-wide cache

    @staticmethod
    def worth_running(text: str) -> bool:
        """NER is slow; run it only where a capitalised word inside a sentence may be a name (a name
        reading in the dictionary, or a word the dictionary does not know: «ул. Караваевская», a known
        adjective, does not count) or a sentence starts with a word whose most likely reading is a name
        («Петров не пришёл»)."""
        if any(_may_be_name(m.group()) for m in _NER_TRIGGER.finditer(text)):
            return True
        return any(could_be_name(m.group(1), True) for m in _SENTENCE_START_WORD.finditer(text))

    def __call__(self, text: str) -> list[tuple[int, int]]:
        """Return [start, end) offsets of person names in ``text``."""
        return self.find_batch([text])[0]

    def find_batch(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Person-name offsets for many texts; texts without a trigger skip the model."""
        results: list[list[tuple[int, int]]] = [[] for _ in texts]
        chunks: list[tuple[int, int, str]] = []  # (text index, offset, chunk)
        for i, text in enumerate(texts):
            if self.worth_running(text):
                chunks.extend((i, off, chunk) for off, chunk in _chunks(text, self.max_chunk_chars))
        if not chunks:
            return results
        tagger = _load_ner()
        # slovnet's matrices are small: multi-threaded BLAS only spins (94 → 6 ms per text on 2 busy cores).
        with _blas_controller().limit(limits=1, user_api="blas"):
            markups = list(tagger.map(c for _, _, c in chunks))
        for (i, off, _), markup in zip(chunks, markups, strict=True):
            results[i].extend((off + s.start, off + s.stop) for s in markup.spans if s.type == "PER")
        return results


def _chunks(text: str, limit: int) -> Iterable[tuple[int, str]]:
    """Split long texts at line or sentence ends so NER input stays bounded."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("! "), window.rfind("? "))
        end = start + (cut + 1 if cut > limit // 4 else limit)
        yield start, text[start:end]
        start = end
    if start < len(text):
        yield start, text[start:]


def find_person_spans(
    text: str, ner: NameFinder | None = None, ner_spans: list[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """Names by pattern plus natasha PER spans (from ``ner`` or precomputed ``ner_spans``), filtered.

    Streets, squares and institutions named after people are excluded.
    """
    found = [_trim_to_name(text, *m.span(), before_initials=True) for m in PERSON_RE.finditer(text)]
    found = [(s, e) for s, e in found if _plausible_pattern_name(text[s:e])]
    for m in _role_name_re().finditer(text):
        if name_like(m.group("name")):
            found.append(m.span("name"))
    for m in SURNAME_INITIAL_RE.finditer(text):
        word = m.group().split()[0]
        if name_like(word) or _role_before(text, m.start()):
            found.append(m.span())
    for m in SELF_INTRO_RE.finditer(text):
        strong = not m.group().lower().startswith(("с ", "заявит"))
        first = m.group("name").split()[0]
        initials = re.search(r"[А-ЯЁ]\.", m.group("name")) is not None
        if (strong and first.lower().replace("ё", "е") not in not_names()) or initials or name_like(first):
            found.append(m.span("name"))
    found += lowercase_names(text)
    if ner_spans is None and ner is not None:
        ner_spans = ner(text)
    if ner_spans:
        for s, e in ner_spans:
            ts, te = _trim_to_name(text, s, e)
            if not (_in_address(text, s, e) or _in_address(text, ts, te)) and _plausible_name(text, ts, te):
                found.append((ts, te))
    found = [(s, e) for s, e in found if not _named_after_person(text[max(0, s - 60) : s])]
    return [_extend_to_neighbours(text, s, e) for s, e in found]


def _role_before(text: str, start: int) -> bool:
    """A role word within the few words before («специалист отдела опеки Колесник А.»)."""
    before = text[max(0, start - 40) : start].lower()
    return any(stem in before for stem in role_stems())


def _extend_to_neighbours(text: str, start: int, end: int) -> tuple[int, int]:
    """NER may take only the first name of «Воробьёва Алёна»: a name-like capitalised word right next
    to a span (one space between) belongs to it."""
    m = re.search(rf"(?<![\w-])({_CAP})\s$", text[max(0, start - 40) : start])
    if m is not None:
        word_start = start - len(m.group())
        # At a sentence start a capital says nothing: the word must be a name in its likeliest reading.
        opening = re.search(r"(?:^|[.!?…])\s*$", text[max(0, word_start - 5) : word_start]) is not None
        if (
            could_be_name(m.group(1), best_parse_only=opening)
            and not is_role(m.group(1))
            and not _named_after_person(text[max(0, word_start - 60) : word_start])
            and not _in_address(text, word_start, end)
        ):
            start = word_start
    m = re.match(rf"\s({_CAP})(?![\w-])", text[end : end + 40])
    if m is not None and could_be_name(m.group(1)) and not _in_address(text, start, end + m.end()):
        end += m.end()
    return start, end


def _in_address(text: str, start: int, end: int) -> bool:
    """SPb appeals name streets without «ул.»: «дома Ногина 4», «со стороны Глинки», «от Писарева до …»."""
    before, after, ctx = text[max(0, start - 40) : start], text[end : end + 12], _context()
    return (
        _HOUSE_AFTER.match(after) is not None
        or ctx.address.search(before[-20:]) is not None
        or (_FROM_BEFORE.search(before) is not None and _TO_AFTER.match(after) is not None)
        or _FROM_TO_BEFORE.search(before) is not None
        or ctx.street_and.search(before) is not None
        or ctx.title.search(before) is not None
        or ctx.org.search(before) is not None
    )


def _named_after_person(before: str) -> bool:
    """«ул. Маршала Жукова», «улица подводника Кузьмина», «гимназия имени Адмирала Флота … Н.Г. Кузнецова»."""
    ctx = _context()
    return (
        ctx.named_after.search(before[-30:]) is not None
        or ctx.street_title.search(before) is not None
        or _IMENI.search(before) is not None
    )


def _trim_to_name(text: str, start: int, end: int, before_initials: bool = False) -> tuple[int, int]:
    """NER spans may take in a role or organisation word («Дворник Фёдоров», «Жилкомсервиса Васильеву»)."""
    words = list(re.finditer(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?\.?", text[start:end]))
    # In «Колесник А. Ю.» (the pattern, not NER) the word before the initials is the surname whatever the
    # dictionary says.
    while (
        len(words) > 1
        and not name_like(words[0].group().rstrip("."))
        and not (before_initials and is_initial(words[1].group()))
    ):
        words.pop(0)
    while len(words) > 1 and len(words[-1].group()) > 2 and not name_like(words[-1].group().rstrip(".")):
        words.pop()
    if not words:
        return start, end
    return start + words[0].start(), start + words[-1].end()


def _plausible_pattern_name(name: str) -> bool:
    """A word beside initials must be a name or unknown to the dictionary.

    «В.О. Дом» is Васильевский остров, «Союза Н.Г.» is the end of an institution's name.
    """
    words = re.sub(r"\s*[А-ЯЁ]\.\s?[А-ЯЁ]\.\s*", " ", name).split()
    if not words:  # trimmed down to bare initials
        return False
    word = words[0]
    if word.lower().replace("ё", "е") in not_names():
        return False
    if re.match(_INITIALS, name) is not None:
        return could_be_name(word)
    # Two initials after a word are strong evidence: a surname that is also a noun («Колесник», «Кузнец»)
    # counts; an adjective («Невского Н.Г.») is the end of an institution's name.
    if re.search(rf"{_INITIALS}\s*$", name) is not None:
        return morph().parse(word)[0].tag.POS not in {"ADJF", "ADJS", "PRTF", "PRTS", "VERB", "INFN"}
    return could_be_name(word) or not morph().word_is_known(word.lower())


def _plausible_name(text: str, start: int, end: int) -> bool:
    """NER tags capitalised nouns and street names as PER; keep a span only if it looks like a person.

    Dropped: spans with no word that the dictionary knows as a first name, surname or patronymic
    («Холлом», «Уборщицу»).
    """
    words = [w for w in re.findall(r"[А-ЯЁа-яё]+", text[start:end]) if len(w) > 1]
    # Inside a sentence the capital letter already says «name» («мастер Зайцев», though зайцев is also
    # «hares»); a lone word opening a sentence must be a name in its likeliest reading («Люк выпирает»).
    at_sentence_start = re.search(r"(?:^|[.!?…])\s*$", text[max(0, start - 5) : start]) is not None
    # A guessed parse of an unknown word («Антена», a misspelt антенна; «Велдберс», a shop) is weak
    # evidence: at a sentence start never enough, inside a sentence only with a surname ending.
    unknown = len(words) == 1 and not morph().word_is_known(words[0].lower())
    if unknown and (at_sentence_start or not SURNAME_ENDING.search(words[0])):
        return False
    return any(could_be_name(w, best_parse_only=len(words) == 1 and at_sentence_start) for w in words)
