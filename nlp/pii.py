"""Personal-data masking: regexes for numbers and flat addresses, context rules for birth dates, cards,
personal pages and home addresses (``nlp.pii_context``); person names come from ``nlp.pii_names``
(``NameTagger`` and ``find_person_spans`` are re-exported here, where callers import them). ``mask_texts`` is
the one path the product uses: the readable text (``nlp.readable``) with its personal data masked.

``mask_personal_data(text, ner)`` returns the text with every found span replaced by a typed placeholder
(«[ТЕЛЕФОН]», «[ФИО]», …) and the spans (offsets into the *input* text). Everything else stays verbatim:
organisations, street names without a house+flat part, dates and amounts are not personal data.

>>> mask_personal_data("Звоните 8 (921) 123-45-67, кв. 5")[0]
'Звоните [ТЕЛЕФОН], [АДРЕС]'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from nlp.doc import PiiSpan
from nlp.pii_context import SOCIAL_RE, birth_dates_after, find_context_spans
from nlp.pii_names import NameFinder, NameTagger, find_person_spans

PLACEHOLDERS: dict[str, str] = {
    "PHONE": "[ТЕЛЕФОН]",
    "EMAIL": "[EMAIL]",
    "SNILS": "[СНИЛС]",
    "PASSPORT": "[ПАСПОРТ]",
    "INN": "[ИНН]",
    "ADDRESS": "[АДРЕС]",
    "PERSON": "[ФИО]",
    "BIRTHDATE": "[ДАТА РОЖДЕНИЯ]",
    "CARD": "[КАРТА]",
    "SOCIAL": "[ССЫЛКА]",
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
    r"(?:\b(?:кв\.?|кв-?р?а|квартир[аеуыо]й?|комн\.?|комнат[аеуы]|пом\.)\s{0,3}№?\s{0,3}\d+(?:[а-я]\b)?(?:\s?[-–]\s?\d+)?"
    # «площадь квартиры 54 кв. м» is an area, not a flat
    r"(?![\d,.]{0,6}\s{0,3}(?:кв\.?\s{0,3}м|м2|м²|кв\.?\s{0,3}метр|квадрат|метр)))"
)
ADDRESS_RE = re.compile(_HOUSE + r"?" + _FLAT, re.IGNORECASE)
# A 10-digit ИНН belongs to an organisation, unless the writer calls it theirs: «ООО Аврора ИНН 7814739668».
_ORG_BEFORE_INN = re.compile(
    r"(?i:\b(?:ооо|оао|зао|пао|ао|гуп|гбу|гку|муп|ук|тсж|организаци[а-я]*|компани[а-я]*|подрядчик[а-я]*)\b)"
    r"[^.!?\n]{0,40}$"
)


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
    spans += [(*m.span(), "SOCIAL") for m in SOCIAL_RE.finditer(text)] if "/" in text else []
    spans += [(*m.span(), "EMAIL") for m in EMAIL_RE.finditer(text)]
    spans += [(*_group_span(m), "SNILS") for m in SNILS_RE.finditer(text)]
    spans += [(*_group_span(m), "PASSPORT") for m in PASSPORT_RE.finditer(text) if _is_passport(m)]
    spans += [
        (*m.span("num"), "INN")
        for m in INN_CONTEXT_RE.finditer(text)
        if len(_digits(m.group("num"))) == 12
        or not _ORG_BEFORE_INN.search(text[max(0, m.start() - 60) : m.start()])
    ]
    spans += [(*m.span(), "PHONE") for m in PHONE_11_RE.finditer(text) if len(_digits(m.group())) == 11]
    spans += [(*m.span(), "PHONE") for m in PHONE_10_RE.finditer(text) if len(_digits(m.group())) == 10]
    spans += [(*m.span(), "PHONE") for m in PHONE_CITY_RE.finditer(text)]
    for m in PHONE_CONTEXT_RE.finditer(text):
        start, end = m.span("num")
        number = m.group("num").rstrip(" -()")
        if 5 <= len(_digits(number)) <= 11:
            spans.append((start, start + len(number), "PHONE"))
    spans += [
        (*m.span(), "INN")
        for m in BARE_NUMBER_RE.finditer(text)
        if len(m.group()) == 12 and _inn_checksum_ok(m.group())
    ]
    spans += [(*_trim(text, *m.span()), "ADDRESS") for m in ADDRESS_RE.finditer(text)]
    spans += find_context_spans(text)
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


def _union(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pattern and NER may find overlapping or adjacent parts of one name: join them into one span."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and (start <= out[-1][1] or not text[out[-1][1] : start].strip()):
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _join_addresses(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Address patterns find overlapping parts of one address («пом. 47» and «74к2 пом. 47»): one span,
    their union, in the place of the first."""
    addresses = sorted((s, e) for s, e, kind in spans if kind == "ADDRESS")
    if len(addresses) < 2:
        return spans
    joined: list[list[int]] = []
    for start, end in addresses:
        if joined and start < joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    first = next(i for i, span in enumerate(spans) if span[2] == "ADDRESS")
    rest = [span for span in spans if span[2] != "ADDRESS"]
    before = [span for span in spans[:first] if span[2] != "ADDRESS"]
    return before + [(s, e, "ADDRESS") for s, e in joined] + rest[len(before) :]


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


def mask_texts(
    texts: Sequence[str], ner: bool | NameTagger = True
) -> list[tuple[str, list[PiiSpan]]]:
    """The one masking path (storage, exports, quotes, `/v1/classify`, `/v1/preprocess`): each text made
    readable (``nlp.readable``: HTML leftovers out, everything else verbatim), then its personal data
    replaced by placeholders. Spans are offsets into the readable text. ``ner``: True for natasha NER
    (the process-wide tagger), False for patterns only, or a ``NameTagger``."""
    from nlp.readable import readable_text

    readable = [readable_text(t) for t in texts]
    tagger = _default_tagger() if ner is True else (ner or None)
    return mask_many(readable, tagger)


_TAGGER: NameTagger | None = None


def _default_tagger() -> NameTagger:
    global _TAGGER
    if _TAGGER is None:
        _TAGGER = NameTagger()
    return _TAGGER


def _mask(text: str, person_spans: list[tuple[int, int]]) -> tuple[str, list[PiiSpan]]:
    spans = _join_addresses(find_regex_spans(text))
    names = _union(text, person_spans)
    spans += birth_dates_after(text, names)
    spans += [(s, e, "PERSON") for s, e in names]
    kept = _merge(spans)
    parts: list[str] = []
    pos = 0
    for start, end, kind in kept:
        parts += [text[pos:start], PLACEHOLDERS[kind]]
        pos = end
    parts.append(text[pos:])
    return "".join(parts), [PiiSpan(s, e, k, text[s:e]) for s, e, k in kept]
