"""Personal-data masking: regexes for numbers and flat addresses, natasha NER for person names.

``mask_personal_data(text, ner)`` returns the text with every found span replaced by a typed placeholder
(«[ТЕЛЕФОН]», «[ФИО]», …) and the spans (offsets into the *input* text). Everything else stays verbatim:
organisations, street names without a house+flat part, dates and amounts are not personal data.

>>> mask_personal_data("Звоните 8 (921) 123-45-67, кв. 5")[0]
'Звоните [ТЕЛЕФОН], [АДРЕС]'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from threadpoolctl import ThreadpoolController

from nlp.doc import PiiSpan

NameFinder = Callable[[str], list[tuple[int, int]]]  # text → [start, end) of person names

NOT_NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicon" / "pii_not_names.txt"

PLACEHOLDERS: dict[str, str] = {
    "PHONE": "[ТЕЛЕФОН]",
    "EMAIL": "[EMAIL]",
    "SNILS": "[СНИЛС]",
    "PASSPORT": "[ПАСПОРТ]",
    "INN": "[ИНН]",
    "ADDRESS": "[АДРЕС]",
    "PERSON": "[ФИО]",
}

_SEP = r"[ \t\u00a0\-\u2010-\u2015]{0,3}"  # spaces, non-breaking spaces and dashes between digit groups
_NO_DIGIT_BEFORE = r"(?<![\w+])"
_NO_DIGIT_AFTER = r"(?![\d])"

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# 11 digits: +7 / 7 / 8, area code (3–5 digits, maybe in brackets), the rest in groups.
PHONE_11_RE = re.compile(
    _NO_DIGIT_BEFORE + r"(?:\+\s?7|8|7)" + _SEP + r"(?:\(\s{0,3}\d{3,5}\s{0,3}\)|\d{3,5})" + _SEP
    + r"\d{1,3}" + _SEP + r"\d{2}" + _SEP + r"\d{2}" + _NO_DIGIT_AFTER
)
# 10 digits without the country code: a bracketed area code or a 9xx mobile code.
PHONE_10_RE = re.compile(
    _NO_DIGIT_BEFORE + r"(?:\(\s{0,3}\d{3,5}\s{0,3}\)|9\d{2})" + _SEP
    + r"\d{1,3}" + _SEP + r"\d{2}" + _SEP + r"\d{2}" + _NO_DIGIT_AFTER
)
# A city number written 123-45-67 is a phone even without a keyword.
PHONE_CITY_RE = re.compile(
    _NO_DIGIT_BEFORE + r"\d{3}[\-\u2010-\u2015]\d{2}[\-\u2010-\u2015]\d{2}" + _NO_DIGIT_AFTER
)
# Any 5–11 digit number right after a phone keyword («тел.», «моб.», «номер телефона»).
PHONE_CONTEXT_RE = re.compile(
    r"(?:\b(?:тел(?:ефон[а-я]*)?|тлф|моб(?:ильн[а-я]*)?|сот(?:ов[а-я]*)?|т)\.?"
    r"|\bномер[а-я]*\s+телефона|\b(?:по)?звон[а-я]*|\bдля\s+связи|\bконтакт[а-я]*|\bwhatsapp|\bвотсап"
    r"|\bтелеграм)"
    r"\s{0,3}(?:[:№#\-\u2013]\s{0,3})?(?P<num>\+?\(?\d[\d\s\-()\u2010-\u2015]{3,18}\d)" + _NO_DIGIT_AFTER,
    re.IGNORECASE,
)

SNILS_RE = re.compile(
    _NO_DIGIT_BEFORE + r"\d{3}[\- ]\d{3}[\- ]\d{3}[\- ]\d{2}" + _NO_DIGIT_AFTER
    + r"|(?<=снилс)\s{0,3}[:№]?\s{0,3}(?P<num>\d{3}[\- ]?\d{3}[\- ]?\d{3}[\- ]?\d{2})" + _NO_DIGIT_AFTER,
    re.IGNORECASE,
)
# «45 06 123456», «4506 123456», «серия 4506 номер 123456», «паспорт 4506№123456».
PASSPORT_RE = re.compile(
    r"(?:паспорт[а-я]*\s{0,3}(?:рф\s{0,3})?[:,]?\s{0,3})?(?:сери[яи]\s{0,3})?"
    r"(?P<num>" + _NO_DIGIT_BEFORE + r"\d{2}\s?\d{2}\s{0,3}(?:№|номер|n|,\s{0,3}номер)?\s{0,3}\d{6})"
    + _NO_DIGIT_AFTER,
    re.IGNORECASE,
)
INN_CONTEXT_RE = re.compile(
    r"\bинн\s{0,3}[:№]?\s{0,3}(?P<num>\d(?:[ \-]?\d){11}|\d(?:[ \-]?\d){9})" + _NO_DIGIT_AFTER, re.IGNORECASE
)
BARE_NUMBER_RE = re.compile(_NO_DIGIT_BEFORE + r"(?:\d{12}|\d{10})" + _NO_DIGIT_AFTER)

# Flat-level address: optional house part («д. 5», «дом 5к2», «д.5, корп. 1») followed by the flat
# («кв. 12», «квартира 12», «кв.12»), or a «street 5-12» house-flat pair right after a street word.
_HOUSE = (
    r"(?:\bд(?:ом)?\.?\s{0,3}№?\s{0,3}\d+(?:[а-яa-z]\b)?(?:\s{0,3}/\s{0,3}\d+)?"
    r"(?:\s{0,3},?\s{0,3}(?:корп(?:ус)?\.?|к\.?|стр(?:оение)?\.?|лит(?:ера)?\.?)\s{0,3}[\dа-яa-z]{1,3}\b)*[\s,]{0,4})"
)
_FLAT = (
    r"(?:\b(?:кв\.?|кв-?р?а|квартир[аеуыо]й?|комн\.?|комнат[аеуы])\s{0,3}№?\s{0,3}\d+(?:[а-я]\b)?(?:\s?[-–]\s?\d+)?"
    # «площадь квартиры 54 кв. м» is an area, not a flat
    r"(?![\d,.]{0,6}\s{0,3}(?:кв\.?\s{0,3}м|м2|м²|кв\.?\s{0,3}метр|квадрат|метр)))"
)
ADDRESS_RE = re.compile(_HOUSE + r"?" + _FLAT, re.IGNORECASE)
STREET_HOUSE_FLAT_RE = re.compile(
    r"\b(?:ул|пр|пр-т|пер|б-р|ш|наб)\.\s{0,3}[А-ЯЁ][а-яё-]+(?:\s+[А-ЯЁ][а-яё-]+)?\s{0,3},?\s{0,3}"
    r"(?P<num>\d+[а-я]?-\d+)" + _NO_DIGIT_AFTER
)

# Names by pattern, found even without NER: «Иванов И.И.», «И.И. Иванов», «(Иванова) Мария Петровна».
_CAP = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_INITIALS = r"[А-ЯЁ]\.\s?[А-ЯЁ]\."
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:(?:ович|евич|ьич|инич)(?:а|у|ем|е)?|(?:овн|евн|ичн|иничн)(?:а|ы|е|у|ой))"
PERSON_RE = re.compile(
    rf"\b{_CAP}\s+{_INITIALS}(?!\s?[А-ЯЁ][а-яё])|\b{_INITIALS}\s?{_CAP}\b|(?:\b{_CAP}\s+)?\b{_CAP}\s+{_PATRONYMIC}\b"
)
ROLES_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicon" / "pii_roles.txt"


@lru_cache(maxsize=1)
def _role_name_re() -> re.Pattern[str]:
    """«мастер Петров», «председатель ТСЖ Лысенко»: a capitalised word right after a role word."""
    stems = _word_list(ROLES_FILE)
    return re.compile(
        rf"\b(?i:{'|'.join(sorted(stems, key=len, reverse=True))})[а-яё]{{0,4}}\s+(?:[А-ЯЁ]{{2,}}[\w-]*\s+)?"
        rf"(?P<name>{_CAP})\b"
    )


CONTEXT_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicon" / "pii_context.yaml"
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


# An unknown word guessed to be a name must at least end like a surname («Исмаилова», «Мампория»).
_SURNAME_ENDING = re.compile(r"(?:ов|ев|ёв|ин|ын|ск|цк|енк|дзе|швили|ян|ия|их|ых)[а-я]{0,3}$")
_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})

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


class NameTagger:
    """Finds person names (PER spans) with natasha NER; the model is loaded on first use, never pickled."""

    def __init__(self, max_chunk_chars: int = 2000) -> None:
        self.max_chunk_chars = max_chunk_chars  # the only state: the model lives in a process-wide cache

    @staticmethod
    def worth_running(text: str) -> bool:
        """NER is slow; run it only where a capitalised word stands inside a sentence or a sentence
        starts with a word whose most likely reading is a name («Петров не пришёл»)."""
        if _NER_TRIGGER.search(text) is not None:
            return True
        return any(_could_be_name(m.group(1), True) for m in _SENTENCE_START_WORD.finditer(text))

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


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _inn_checksum_ok(number: str) -> bool:
    d = [int(c) for c in number]

    def check(weights: list[int], n: int) -> int:
        return sum(w * x for w, x in zip(weights, d[:n], strict=False)) % 11 % 10

    if len(d) == 10:
        return check([2, 4, 10, 3, 5, 9, 4, 6, 8], 9) == d[9]
    if len(d) == 12:
        return (check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10) == d[10]
                and check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11) == d[11])
    return False


def _group_span(m: re.Match[str]) -> tuple[int, int]:
    return m.span("num") if "num" in m.re.groupindex and m.group("num") else m.span()


def find_regex_spans(text: str) -> list[tuple[int, int, str]]:
    """Regex-found spans (start, end, kind), in priority order; overlaps are resolved by the caller."""
    spans: list[tuple[int, int, str]] = []
    spans += [(*m.span(), "EMAIL") for m in EMAIL_RE.finditer(text)]
    spans += [(*_group_span(m), "SNILS") for m in SNILS_RE.finditer(text)]
    spans += [(*_group_span(m), "PASSPORT") for m in PASSPORT_RE.finditer(text) if _is_passport(m)]
    spans += [(*m.span("num"), "INN") for m in INN_CONTEXT_RE.finditer(text)]
    spans += [(*m.span(), "PHONE") for m in PHONE_11_RE.finditer(text) if len(_digits(m.group())) == 11]
    spans += [(*m.span(), "PHONE") for m in PHONE_10_RE.finditer(text) if len(_digits(m.group())) == 10]
    spans += [(*m.span(), "PHONE") for m in PHONE_CITY_RE.finditer(text)]
    for m in PHONE_CONTEXT_RE.finditer(text):
        start, end = m.span("num")
        number = m.group("num").rstrip(" -()")
        if 5 <= len(_digits(number)) <= 11:
            spans.append((start, start + len(number), "PHONE"))
    spans += [(*m.span(), "INN") for m in BARE_NUMBER_RE.finditer(text) if _inn_checksum_ok(m.group())]
    spans += [(*_trim(text, *m.span()), "ADDRESS") for m in ADDRESS_RE.finditer(text)]
    spans += [(*m.span("num"), "ADDRESS") for m in STREET_HOUSE_FLAT_RE.finditer(text)]
    return spans


def _is_passport(m: re.Match[str]) -> bool:
    """A bare «4506 123456» is a passport only in the spaced series form; a keyword makes any form count."""
    if m.start("num") > m.start():  # «паспорт» / «серия» keyword present
        return True
    return re.fullmatch(r"\d{2}\s\d{2}\s\d{6}|\d{4}\s\d{6}", m.group("num")) is not None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " ,\t":
        end -= 1
    return start, end


def find_person_spans(
    text: str, ner: NameFinder | None = None, ner_spans: list[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """Names by pattern plus natasha PER spans (from ``ner`` or precomputed ``ner_spans``), filtered.

    Streets, squares and institutions named after people are excluded.
    """
    found = [_trim_to_name(text, *m.span()) for m in PERSON_RE.finditer(text)]
    found = [(s, e) for s, e in found if _plausible_pattern_name(text[s:e])]
    for m in _role_name_re().finditer(text):
        if _name_like(m.group("name")):
            found.append(m.span("name"))
    if ner_spans is None and ner is not None:
        ner_spans = ner(text)
    if ner_spans:
        for s, e in ner_spans:
            ts, te = _trim_to_name(text, s, e)
            if not (_in_address(text, s, e) or _in_address(text, ts, te)) and _plausible_name(text, ts, te):
                found.append((ts, te))
    return [(s, e) for s, e in found if not _named_after_person(text[max(0, s - 60) : s])]


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


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _word_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    return _word_list(NOT_NAMES_FILE)


@lru_cache(maxsize=50_000)
def _could_be_name(word: str, best_parse_only: bool = False) -> bool:
    if word.lower().replace("ё", "е") in _not_names():
        return False
    parses = _morph().parse(word)
    return any(_NAME_GRAMMEMES & p.tag.grammemes for p in (parses[:1] if best_parse_only else parses))


def _name_like(word: str) -> bool:
    """A dictionary name, or a surname the dictionary reads otherwise («Кириллова»: the town Кириллов)."""
    if word.lower().replace("ё", "е") in _not_names():
        return False
    if _could_be_name(word):
        return True
    # «Приморского» ends like a surname but is an adjective (района); a town reading does not exclude a name
    return (
        word[:1].isupper()
        and _SURNAME_ENDING.search(word) is not None
        and _morph().parse(word)[0].tag.POS not in {"ADJF", "ADJS", "PRTF"}
    )


def _trim_to_name(text: str, start: int, end: int) -> tuple[int, int]:
    """NER spans may take in a role or organisation word («Дворник Фёдоров», «Жилкомсервиса Васильеву»)."""
    words = list(re.finditer(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?\.?", text[start:end]))
    while len(words) > 1 and not _name_like(words[0].group().rstrip(".")):
        words.pop(0)
    while len(words) > 1 and len(words[-1].group()) > 2 and not _name_like(words[-1].group().rstrip(".")):
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
    if word.lower().replace("ё", "е") in _not_names():
        return False
    if re.match(_INITIALS, name) is not None:
        return _could_be_name(word)
    return _could_be_name(word) or not _morph().word_is_known(word.lower())


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
    unknown = len(words) == 1 and not _morph().word_is_known(words[0].lower())
    if unknown and (at_sentence_start or not _SURNAME_ENDING.search(words[0])):
        return False
    return any(_could_be_name(w, best_parse_only=len(words) == 1 and at_sentence_start) for w in words)


def _union(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pattern and NER may find overlapping or adjacent parts of one name: join them into one span."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and (start <= out[-1][1] or not text[out[-1][1] : start].strip()):
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep earlier-listed (higher-priority) spans; drop later ones that overlap them."""
    kept: list[tuple[int, int, str]] = []  # sorted by start; kept spans never overlap
    for span in spans:
        start, end, _ = span
        i = bisect_left(kept, span)
        free_left = i == 0 or kept[i - 1][1] <= start
        free_right = i == len(kept) or kept[i][0] >= end
        if end > start and free_left and free_right:
            kept.insert(i, span)
    return kept


def mask_personal_data(text: str, ner: NameFinder | None = None) -> tuple[str, list[PiiSpan]]:
    """Replace personal data with typed placeholders; return the masked text and the spans found.

    Without ``ner`` person names are found only by pattern (initials, patronymics); pass a ``NameTagger``
    (or any callable text → PER offsets) to find the rest with natasha NER.
    """
    return _mask(text, find_person_spans(text, ner))


def mask_many(texts: Sequence[str], ner: NameTagger | None = None) -> list[tuple[str, list[PiiSpan]]]:
    """``mask_personal_data`` for a batch: NER runs once over all texts that need it (faster per text)."""
    ner_spans = ner.find_batch(texts) if ner is not None else [None] * len(texts)
    return [_mask(t, find_person_spans(t, None, ns)) for t, ns in zip(texts, ner_spans, strict=True)]


def _mask(text: str, person_spans: list[tuple[int, int]]) -> tuple[str, list[PiiSpan]]:
    spans = find_regex_spans(text)
    spans += [(s, e, "PERSON") for s, e in _union(text, person_spans)]
    kept = _merge(spans)
    parts: list[str] = []
    pos = 0
    for start, end, kind in kept:
        parts += [text[pos:start], PLACEHOLDERS[kind]]
        pos = end
    parts.append(text[pos:])
    return "".join(parts), [PiiSpan(s, e, k, text[s:e]) for s, e, k in kept]
