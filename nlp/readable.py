"""The text as a person reads it: HTML leftovers of portal exports made plain text, nothing else changed.

``readable_text`` is what masking works on and what analysts see (``Doc.masked_text``, stored texts,
quotes): tags dropped, entities decoded, ``<br>`` and block ends (``</p>``, ``</div>``, ``</li>``, …) made
line breaks, ``<style>`` / ``<script>`` content removed — by a real HTML parser (selectolax/lexbor), not
regexes. Case, ё, quotes, dashes, punctuation and line breaks stay exactly as written; only invisible
characters (zero-width spaces, control characters, lone surrogates) go. Text without markup is returned
as it came, apart from those. Exports that escape the markup twice (``&amp;lt;p&amp;gt;``) are unwrapped
until no markup is left (a few passes at most).

>>> readable_text("<p style='x'>Ёлки &laquo;во дворе&raquo;</p><p>сломаны<br>опять</p>")
'Ёлки «во дворе»\\nсломаны\\nопять'
"""

from __future__ import annotations

import re

# Markup worth parsing: a tag (a Latin name right after "<", or a comment) or an entity.
_MARKUP = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9]*(?:[\s/>][^<>]*)?>|<!--|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});"
)
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060-\u2063\ufeff\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")
_BREAKS = ("br",)
_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote")
_DROP = ("style", "script", "head", "title", "noscript", "template")
_MAX_PASSES = 3
_BREAK_MARK = "\u2063\u2063"  # invisible separator pair: never in real text after _INVISIBLE has run


def readable_text(text: str) -> str:
    """``text`` without markup or invisible characters (see the module docstring)."""
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    for _ in range(_MAX_PASSES):
        if _MARKUP.search(text) is None:
            break
        text = _parse(text)
    return text


def _parse(text: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    for node in tree.css(",".join(_DROP)):
        node.decompose()
    for node in tree.css(",".join(_BREAKS)):
        node.insert_after(_BREAK_MARK)
    for node in tree.css(",".join(_BLOCKS)):
        node.insert_after(_BREAK_MARK)
    root = tree.body if tree.body is not None else tree.root
    out = root.text(separator="", deep=True) if root is not None else ""
    # Block ends and <br> become line breaks; runs of them (</p><br>) one paragraph break at most, and
    # the markup's own line breaks between tags add nothing.
    out = re.sub(r"[ \t]*\n?[ \t]*(?:" + _BREAK_MARK + r"[ \t]*\n?[ \t]*)+", _collapse, out)
    return _INVISIBLE.sub("", out.replace(_BREAK_MARK, "\n")).strip("\n")


def _collapse(match: re.Match[str]) -> str:
    return "\n\n" if match.group().count(_BREAK_MARK) > 2 else "\n"
