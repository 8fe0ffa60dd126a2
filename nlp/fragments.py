"""Complaint fragments: the clauses of a text that may carry a problem — the unit the pains search clusters.

Sentences are split further at «;», line breaks, bullets, numbered lists («1)», «2.») and contrastive or
listing conjunctions («но», «однако», «а также», «кроме того», …; the list is data in
data/lexicon/fragments.yaml). Greetings, thanks and «no problem» answers are dropped; order is kept; a short
survey answer stays one fragment.

>>> split_fragments(["Здравствуйте!", "Двор убирают, но мусор не вывозят; лифт стоит."])
['Двор убирают', 'мусор не вывозят', 'лифт стоит.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nlp.resources import data_dir

LEXICON = data_dir() / "lexicon" / "fragments.yaml"

_PLACEHOLDER = re.compile(r"\[[A-ZА-ЯЁ]+\]")
_EDGE = re.compile(r"^[\s,;:—–\-•*·]+|[\s,;:—–\-•*·]+$")
_BULLET = re.compile(r"(?:^|\n)\s*[-•*·–—]\s+")
# Lines, and sentence ends razdel keeps because a lower-case word follows («на дороге. песок у тротуаров»);
# four letters before the stop keep abbreviations («ул. ленина», «д. 5») together.
_LOWER_SENTENCE_END = re.compile(r"\s*\r?\n\s*|(?<=[а-яё]{4}[.!?])\s+(?=[а-яё])")
_LEADING_MARK = re.compile(r"^\s*\d{1,2}[.)]\s+(?=\D)")
_NUMBER_MARK = re.compile(r"(?:^|(?<=[\s:;,.!?]))(\d{1,2})([.)])\s+(?=\S)")


@dataclass(frozen=True)
class FragmentRules:
    """Compiled splitting and filtering rules read from the lexicon file."""

    split_re: re.Pattern[str]
    leading_re: re.Pattern[str]
    trailing_re: re.Pattern[str]
    boilerplate_re: re.Pattern[str]
    header_re: re.Pattern[str]

    @classmethod
    def from_yaml(cls, path: Path = LEXICON) -> FragmentRules:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            after_comma, anywhere = data["split_after_comma"], data["split_anywhere"]
            not_after_a, boilerplate = data["no_split_after_a"], data["boilerplate"]
            leading, headers = data["leading"], data["header_lines"]
            trailing = data.get("trailing", [])
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: cannot read fragment rules ({exc!r})") from exc

        def alt(words: list[str]) -> str:
            """Longest first; any space matches any whitespace; е matches ё too."""
            escaped = (
                re.escape(w.replace("ё", "е")).replace(r"\ ", r"\s+").replace("е", "[её]") for w in words
            )
            return "|".join(sorted(escaped, key=len, reverse=True))

        # The guard belongs to a bare «а» only: «а также то, что …» must still split before «а также».
        a_bare = rf"а\b(?!\s+(?:{alt(not_after_a)})\b)"
        conj_comma = rf"[,;—–]\s*(?:(?:{alt([w for w in after_comma if w != 'а'])})\b|{a_bare})"
        conj_free = rf"(?<=\s)(?:{alt(anywhere)})\b"
        split_re = re.compile(rf"\s*(?:{conj_comma}|{conj_free}|;|(?<=\s)\+(?=\s))\s*", re.IGNORECASE)
        boilerplate_re = re.compile(rf"(?<!\w)(?:{alt(boilerplate)})(?!\w)", re.IGNORECASE)
        leading_re = re.compile(rf"^(?:(?:{alt(leading)})(?!\w)[\s,!.:—–-]*)+", re.IGNORECASE)
        header_re = re.compile(rf"^(?:{alt(headers)})\s*:", re.IGNORECASE)
        never = r"(?!x)x"  # a lexicon without trailing phrases strips nothing
        trailing_re = re.compile(
            rf"(?<=\w)(?:[\s,!.:;—–-]+(?:{alt(trailing) if trailing else never}))+[\s!.…)]*$", re.IGNORECASE
        )
        return cls(split_re, leading_re, trailing_re, boilerplate_re, header_re)


@lru_cache(maxsize=4)
def load_rules(path: Path = LEXICON) -> FragmentRules:
    return FragmentRules.from_yaml(path)


def _split_lists(text: str) -> list[str]:
    """Split at bullets and at numbered-list markers that count up from 1 (so «дом 5. Лифт» is no list)."""
    parts = _BULLET.split(text)
    out: list[str] = []
    for part in parts:
        cuts: list[int] = []
        expected = 1
        for m in _NUMBER_MARK.finditer(part):
            if int(m.group(1)) == expected or (m.group(2) == ")" and not cuts):
                cuts.append(m.start())
                cuts.append(m.end())
                expected = int(m.group(1)) + 1
        bounds = [0, *cuts, len(part)]
        out.extend(part[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2))
    return out


def _is_location_detail(sentence: str) -> bool:
    """«2 парадная.» after a complaint is a detail of the previous fragment, not a problem of its own."""
    if _LEADING_MARK.match(sentence) or "\n" in sentence.strip():
        return False  # «2. Очереди.» is a list item
    words = re.findall(r"\w+(?:-\w+)*", sentence)
    return 0 < len(words) <= 2 and any(c.isdigit() for c in sentence)


def _carries_content(fragment: str, rules: FragmentRules) -> bool:
    if rules.header_re.match(fragment):
        return False  # «Адрес: …» lines locate the problem, they do not state one
    rest = rules.boilerplate_re.sub(" ", _PLACEHOLDER.sub(" ", fragment))
    return any(c.isalpha() for c in rest)


def split_fragments(sentences: list[str], rules: FragmentRules | None = None) -> list[str]:
    """Split sentences into complaint fragments, dropping greetings, thanks and «no problem» answers."""
    rules = rules or load_rules()
    fragments: list[str] = []
    for sentence in sentences:
        if fragments and _is_location_detail(sentence):
            fragments[-1] = f"{fragments[-1]} {sentence.strip()}"
            continue
        for line in _LOWER_SENTENCE_END.split(sentence):
            for item in _split_lists(_LEADING_MARK.sub("", line)):
                for clause in rules.split_re.split(item):
                    clause = _EDGE.sub("", rules.leading_re.sub("", _EDGE.sub("", clause)))
                    clause = _EDGE.sub("", rules.trailing_re.sub("", clause))
                    if clause and _carries_content(clause, rules):
                        fragments.append(clause)
    return fragments
