"""Personal data that a pattern alone cannot tell from ordinary text, so context decides: dates of birth,
home addresses down to the house, bank cards, links to a personal page, flats written before «кв».

``find_context_spans(text)`` gives (start, end, kind) like ``nlp.pii.find_regex_spans``;
``birth_dates_after(text, person_spans)`` adds a date written right after a name («Иванова Мария,
12.03.1975»). An ordinary date («15.03.2025 обращалась») stays; so does the address of a block of flats
without a flat (the object of a complaint, not a person's home), unless the writer says they live there
or it is a house in a village.
"""

from __future__ import annotations

import re

_MONTHS = r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
# «12.03.1975», «12.03.1975г», «12 марта 1975 г.», «1975 г.р.» (the year alone only with «г.р.»).
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:19|20)\d{{2}}|\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d{{2}})"
    r"(?:\s{0,2}(?:г\.?(?:од[а-я]*)?|гг?)(?![а-яё]))?"
)
_BIRTH_CUE = r"(?:дат[аыеу]\s+рождения|д\.\s?р\.?|рожд[её]н[а-я]*|родил[а-я]*|года?\s+рождения|г\.\s?р\.?)"
BIRTH_BEFORE_RE = re.compile(rf"(?i:{_BIRTH_CUE})\s{{0,3}}[:\-–—]?\s{{0,3}}(?P<num>{_DATE})")
BIRTH_AFTER_RE = re.compile(
    rf"(?P<num>(?:{_DATE}|(?<!\d)(?:19|20)\d{{2}})\s{{0,2}}(?i:г\.\s?р\.?|года\s+рождения|г\.?\s+рождения))"
)
DATE_RE = re.compile(_DATE)

# 16 digits in groups of four (or together), checked with the Luhn sum.
CARD_RE = re.compile(r"(?<![\d\w])\d{4}([ \-]?)\d{4}\1\d{4}\1\d{4}(?!\d)")

SOCIAL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?:vk\.com|vkontakte\.ru|ok\.ru|t\.me|telegram\.me|instagram\.com|"
    r"facebook\.com|fb\.com|twitter\.com|x\.com|tiktok\.com|youtube\.com/@?)/[\w.@\-/]+[\w/]",
    re.IGNORECASE,
)

# «142 и 140 кв», «в 12 кв.» — flats written before the word (not «54 кв. м», an area).
FLAT_BEFORE_RE = re.compile(
    r"(?<![\d\w.,])\d{1,4}(?:\s{0,2}(?:,|и)\s{0,2}\d{1,4})*\s{0,2}кв(?:артир[а-я]*)?\b"
    r"(?![.\s]{0,4}(?:м\b|м2|м²|метр|квадрат))\.?",
    re.IGNORECASE,
)
_STREET = (
    r"(?:ул|улица|пр|пр-т|просп|проспект|пер|переулок|б-р|бульвар|наб|набережная|ш|шоссе|пл|площадь|мкр|мкрн)"
)
_STREET_NAME = r"[А-ЯЁ][а-яё-]+(?:\s+[А-ЯЁ][а-яё-]+)?"
# «пр-т Победы 14-56», «ул. Садовая 74к2 пом. 47», «Садовой ул. 5-12»: house and flat after a street.
STREET_HOUSE_FLAT_RE = re.compile(
    rf"(?:\b(?i:{_STREET})\.?\s{{0,3}}{_STREET_NAME}|{_STREET_NAME}\s{{1,3}}(?i:{_STREET})\b\.?)\s{{0,3}},?\s{{0,3}}"
    r"(?P<num>\d+[а-я]?(?:\s?(?:к|корп\.?|/)\s?\d+)?(?:\s{0,2}[-–]\s{0,2}\d+(?![\d.,]\d)"
    r"|\s{0,3},?\s{0,3}(?i:кв\.?|квартира|пом\.?|помещение|комн\.?|комната)\s{0,3}№?\s{0,3}\d+[а-я]?))"
    r"(?!\d)"
)
# A house: «д. 9», «дом 9».
HOUSE_RE = re.compile(r"(?P<num>\b(?i:д\.|дом)\s{0,3}№?\s{0,3}\d+[а-я]?(?:\s?[/к]\s?\d+)?)(?!\d|[.,]\d)")
# The writer's home: «проживаю (по адресу)», «мой адрес», «живу», «прописан(а)», «зарегистрирован(а)».
HOME_CUE_RE = re.compile(
    r"\b(?:прожива[а-я]*|живу|живем|живём|мой\s+адрес|адрес\s+проживания|мо[яей]\s+дом[а-я]*|"
    r"прописан[а-я]*|зарегистрирован[а-я]*|частн[а-я]+\s+дом[а-я]*)",
    re.IGNORECASE,
)
# A village or settlement: every house there is a private home («с. Каменка, ул. Полевая, д. 9»).
SETTLEMENT_RE = re.compile(
    r"(?:^|(?<=[\s,(]))(?i:с\.|село|д\.|дер\.|деревня|пос\.|пгт|посёлок|поселок|р\.\s?п\.|ст-ца|станица|"
    r"х\.|хутор|снт|днт)\s{0,3}[А-ЯЁ][а-яё-]+"
)
_HOME_WINDOW = 80  # characters after a cue in which a house counts as the writer's home


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _home_houses(text: str) -> list[tuple[int, int, str]]:
    """Houses near a residence cue or in a settlement: the writer's home or a private house."""
    spans = []
    anchors = [m.end() for m in HOME_CUE_RE.finditer(text)]
    # «д. Ивановка» is a village, «д. 5» a house: the settlement reading needs a capitalised name.
    anchors += [m.end() for m in SETTLEMENT_RE.finditer(text)]
    for anchor in anchors:
        window = text[anchor : anchor + _HOME_WINDOW]
        m = HOUSE_RE.search(window)
        if m is None:
            m = re.search(
                rf"\b{_STREET}\.?\s{{0,3}}{_STREET_NAME},?\s{{1,3}}(?P<num>\d+[а-я]?)(?!\d|[.,]\d)", window
            )
        if m is not None:
            spans.append((anchor + m.start("num"), anchor + m.end("num"), "ADDRESS"))
    return spans


def find_context_spans(text: str) -> list[tuple[int, int, str]]:
    """Birth dates by cue, cards, personal-page links, flats before «кв», houses and flats of a home."""
    spans: list[tuple[int, int, str]] = []
    if any(ch.isdigit() for ch in text):
        spans += [(*m.span("num"), "BIRTHDATE") for m in BIRTH_BEFORE_RE.finditer(text)]
        spans += [(*m.span("num"), "BIRTHDATE") for m in BIRTH_AFTER_RE.finditer(text)]
        spans += [
            (*m.span(), "CARD") for m in CARD_RE.finditer(text) if _luhn_ok(re.sub(r"\D", "", m.group()))
        ]
        spans += [(*m.span("num"), "ADDRESS") for m in STREET_HOUSE_FLAT_RE.finditer(text)]
        spans += [(*m.span(), "ADDRESS") for m in FLAT_BEFORE_RE.finditer(text)]
        spans += _home_houses(text)
    return spans


def birth_dates_after(text: str, person_spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """A date right after a name («Петрова Анна, 12.03.1975» or «… 12.03.1975 г.р.») is a date of birth."""
    spans = []
    for _, end in person_spans:
        m = re.match(r"[\s,(]{1,3}", text[end:])
        if m is None:
            continue
        date = DATE_RE.match(text, end + m.end())
        if date is not None:
            spans.append((date.start(), date.end(), "BIRTHDATE"))
    return spans
