"""The document object that flows through the preprocessing stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A span of personal data in the readable text (``nlp.readable.readable_text``): [start, end), type."""

    start: int
    end: int
    kind: str  # PHONE, EMAIL, SNILS, PASSPORT, INN, CARD, SOCIAL, BIRTHDATE, ADDRESS, PERSON
    text: str


@dataclass(slots=True)
class Doc:
    """One text after preprocessing.

    ``text`` is the input as given; ``masked_text`` is the text as a person reads it (HTML leftovers turned
    into text, everything else verbatim) with personal data replaced by ``[ТИП]`` placeholders; ``lemmas``
    are the model features (lower case, stopwords dropped, negation joined as ``не_работать``);
    ``fragments`` are masked clauses that may carry a complaint; ``tokens`` (razdel, computed when asked:
    nothing in the modelling path needs them) are those of the normalised masked text.
    """

    text: str
    masked_text: str = ""
    sentences: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    pii: list[PiiSpan] = field(default_factory=list)

    @property
    def tokens(self) -> list[str]:
        from nlp.normalize import clean_text
        from nlp.tokenize import tokens

        return tokens(clean_text(self.masked_text))
