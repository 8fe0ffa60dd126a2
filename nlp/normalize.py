"""Text normalisation: one canonical form for display/masking and one for modelling.

``clean_text`` keeps case and line breaks (it feeds masking, sentences and what analysts read);
``model_text`` lower-cases it, puts placeholders for URLs, e-mails, phones and numbers and joins all
whitespace — the form char n-grams and word features are computed from.

Both are idempotent: ``f(f(x)) == f(x)`` for any string. Portal exports nest HTML entities and tags
(``&amp;lt;br&amp;gt;``) and Unicode can re-compose after marks are removed, so the single pass is repeated
until it changes nothing (real texts settle after the second pass).

>>> clean_text("Ёлки&nbsp;&laquo;во дворе&raquo;<br>сломаны — опять")
'Елки "во дворе"\\nсломаны - опять'
>>> model_text("Звоните 8 (921) 123-45-67, дом 5")
'звоните <phone>, дом <num>'
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

PLACEHOLDERS = ("<url>", "<email>", "<phone>", "<num>")
_MAX_PASSES = 50

# Dropped: zero-width spaces/joiners, direction marks, soft hyphen, BOM, control characters and lone
# surrogates (they break UTF-8 encoding downstream).
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u2060-\u2063\ufeff\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]"
)
_UNIFY_MAP = {
    **dict.fromkeys("«»„“”‟″〝〞＂", '"'),
    **dict.fromkeys("‘’‚‛′＇", "'"),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    **dict.fromkeys("\t\u00a0\u1680\u202f\u205f\u3000", " "),
    **dict.fromkeys(map(chr, range(0x2000, 0x200B)), " "),
    **dict.fromkeys("\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", "\n"),
    "…": "...",
}
_UNIFY = str.maketrans(_UNIFY_MAP)
# str.translate is slow on non-ASCII text, so it runs only when one of its characters is present.
_UNIFY_ANY = re.compile("[" + re.escape("".join(_UNIFY_MAP)) + "]")
# Stress marks and other combining accents left after NFC; Russian letters (й) are precomposed by then.
_COMBINING = re.compile(r"[\u0300-\u036f]")
# An HTML tag: a Latin tag name right after "<" — our own "<num>"-style placeholders are not tags.
_TAG = re.compile(r"<!--.*?-->|</?(?!(?:url|email|phone|num)>)[a-zA-Z][a-zA-Z0-9]*(?:[\s/][^<>]*)?>", re.S)
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/li|/tr|/h\d)\b[^<>]*>", re.I)
_SPACES = re.compile(r" {2,}")
_LINE_EDGES = re.compile(r" *\n[ \n]*")
_DIGIT = re.compile(r"\d")
_NOT_PLAIN = re.compile(r"[^а-яa-z0-9 .,!?;:()\"'%№+=*#_<>\-]")

_URL = re.compile(
    # A scheme or www. may follow a digit («2www.site.ru»): a \b there would miss it until the digits
    # become <num>, and the second pass would then differ from the first.
    r"(?<![^\W\d])(?:(?:https?|ftp)://|www\.)[^\s<>\"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:ru|рф|com|org|net)/[^\s<>\"']*"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Russian phone formats: +7/8 prefix with 10 digits in groups, or a 7-digit city number written 123-45-67.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+7|8)[ \-]?\(?\d{3}\)?[ \-]?\d{3}[ \-]?\d{2}[ \-]?\d{2}|\d{3}-\d{2}-\d{2})(?!\d)"
)
# A number standing alone; digits glued to letters («м2», «а5») stay part of their word.
_NUMBER = re.compile(r"\b\d+(?:[.,:/]\d+)*")


def _clean_once(text: str) -> str:
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if _COMBINING.search(text):
            text = unicodedata.normalize("NFC", _COMBINING.sub("", text))
        if "ё" in text or "Ё" in text:
            text = text.replace("ё", "е").replace("Ё", "Е")
    if _UNIFY_ANY.search(text):
        text = text.translate(_UNIFY)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _LINE_EDGES.sub("\n", text)
    return text.strip()


def _settle(step: Callable[[str], str], text: str) -> str:
    """Apply ``step`` until it changes nothing (a handful of passes at most on real text)."""
    for _ in range(_MAX_PASSES):
        result = step(text)
        if result == text:
            return result
        text = result
    return text


def clean_text(text: str) -> str:
    """NFC, ё→е, HTML tags/entities removed, quotes/dashes/spaces unified, single line breaks; case kept."""
    return _settle(_clean_once, text)


def _model_once(text: str) -> str:
    text = _clean_once(text).lower()
    if "://" in text or "www." in text or "/" in text:
        text = _URL.sub("<url>", text)
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    if _DIGIT.search(text):
        text = _NUMBER.sub("<num>", _PHONE.sub("<phone>", text))
    return " ".join(text.split())


def model_text(text: str) -> str:
    """Lower-case one-line form with ``<url> <email> <phone> <num>`` placeholders (the modelling input)."""
    once = _model_once(text)
    # Fast exit for the usual result: plain lower-case letters, digits, spaces and simple punctuation with
    # no tag, entity, e-mail or URL syntax is already a fixed point, so the confirming pass is skipped.
    if once == text or (not _NOT_PLAIN.search(once) and ("<" not in once or not _TAG.search(once))):
        return once
    return _settle(_model_once, once)
