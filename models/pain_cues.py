"""Which answer fragments carry a problem: the cue lexicon (data/lexicon/pain_cues.yaml) as an object.

Survey answers such as «всё хорошо», «затрудняюсь ответить» or «-» and appeal boilerplate such as
«Дата съемки 1 апреля» are no pain; they must not form clusters of their own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.resources import data_dir

DEFAULT_CUES_PATH = data_dir() / "lexicon" / "pain_cues.yaml"
_PUNCT = re.compile(r"[^\w\s-]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[а-яе]{3,}")
# Answers up to this many words are compared with the no-pain lexicon with typos forgiven («Все хооршо»,
# «Проблем не возикло», «нет проблм»): short answers are where a slip of the finger decides.
SHORT_ANSWER_WORDS = 6
# difflib similarity for a word to count as a slip of a lexicon word (one letter dropped, doubled or swapped
# in a word of 6+ letters); 4–5-letter words need an exact match.
TYPO_RATIO = 0.8
_WISH = re.compile(r"\b(бы|хотел\w*|хочет\w*|желательно|нужн\w*|надо|мало|мешает)\b")
_CONTRAST = re.compile(r"\b(но|только|кроме|однако|а|хотя|правда|зато)\b")
_SENTENCE = re.compile(r"[.!?;\n]+")
_NEGATION = re.compile(r"\b(не|нет|ни|без|никто|ничего|никак)\b")


def _canonical(text: str) -> str:
    """Lower case, ё→е, punctuation dropped, single spaces: the form the lexicon is written in."""
    text = text.lower().replace("ё", "е")
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip(" -") or text.strip()


@dataclass(frozen=True)
class PainCues:
    """Decides whether a fragment carries a problem. Build with `PainCues.load()`."""

    no_pain_answers: frozenset[str] = frozenset()
    no_pain_patterns: tuple[re.Pattern[str], ...] = ()
    filler_lemmas: frozenset[str] = frozenset()
    problem_cues: frozenset[str] = frozenset()
    cluster_stop_lemmas: frozenset[str] = frozenset()
    formula_phrases: tuple[str, ...] = ()
    praise_lemmas: frozenset[str] = frozenset()
    praise_patterns: tuple[re.Pattern[str], ...] = ()
    pleased_lemmas: frozenset[str] = frozenset()
    reply_patterns: tuple[re.Pattern[str], ...] = ()
    version: str = "empty"
    _answers_canonical: frozenset[str] = field(default=frozenset(), repr=False)
    # Words of the no-pain answers and patterns, the vocabulary a typo is corrected to.
    _no_pain_words: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> PainCues:
        path = Path(path) if path else DEFAULT_CUES_PATH
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: не удалось прочитать словарь маркеров болей: {exc}") from exc
        patterns = _compile_patterns(data, "no_pain_patterns", path)
        answers = frozenset(str(a) for a in data.get("no_pain_answers", []))
        praise_patterns = _compile_patterns(data, "praise_patterns", path)
        return cls(
            no_pain_answers=answers,
            no_pain_patterns=tuple(patterns),
            filler_lemmas=frozenset(str(w) for w in data.get("filler_lemmas", [])),
            problem_cues=frozenset(str(w) for w in data.get("problem_cues", [])),
            cluster_stop_lemmas=frozenset(str(w) for w in data.get("cluster_stop_lemmas", [])),
            formula_phrases=tuple(str(f) for f in data.get("formulas", [])),
            praise_lemmas=frozenset(str(w) for w in data.get("praise_lemmas", [])),
            praise_patterns=tuple(praise_patterns),
            pleased_lemmas=frozenset(str(w) for w in data.get("pleased_lemmas", [])),
            reply_patterns=tuple(_compile_patterns(data, "reply_patterns", path)),
            version=str(data.get("version", "unknown")),
            _answers_canonical=frozenset(_canonical(a) for a in answers) | {"", "-"},
            _no_pain_words=tuple(
                sorted(
                    {w for a in answers for w in _WORD.findall(_canonical(a))}
                    | {w for p in patterns for w in _WORD.findall(p.pattern)}
                )
            ),
        )

    @property
    def formulas(self) -> tuple[tuple[str, ...], ...]:
        """The formulas as lemma sequences (function words dropped), longest first; computed once."""
        cached = self.__dict__.get("_formulas")
        if cached is None:
            from models.pain_phrases import lemma_key

            keys = {lemma_key(f) for f in self.formula_phrases}
            cached = tuple(sorted((k for k in keys if k), key=lambda k: (-len(k), k)))
            object.__setattr__(self, "_formulas", cached)
        return cached

    def without_reply(self, text: str) -> str:
        """`text` up to the first `reply_patterns` match: an organisation's answer pasted after a review or
        an appeal («Газпромбанк 30 сентября 2024 Здравствуйте! … команда экспертов») says how it replies,
        not what the writer complains about (91 of 4,974 bank review rows carry one, 51 are nothing but one;
        they made two pains of replies)."""
        starts = [m.start() for p in self.reply_patterns if (m := p.search(text))]
        return text[: min(starts)] if starts else text

    def cluster_lemmas(self, lemmas: list[str]) -> list[str]:
        """Lemmas that say which problem it is: no function words, request modality, bare numbers or
        formulas («прошу принять меры по уборке мусора» → уборка, мусор)."""
        kept = [w for w in lemmas if w not in self.cluster_stop_lemmas and not w.isdigit() and len(w) > 1]
        return strip_formulas(kept, self.formulas)

    def carries_problem(self, fragment: str, lemmas: list[str]) -> bool:
        """True when the fragment may describe a problem (unknown text counts as a problem).

        A whole answer that says there was none («Жалоб нет», «Все хооршо», «Обслуживание на высоте») is no
        pain even when it holds a cue word («жалоба»); a cue keeps a fragment that only starts like one
        («всё хорошо, только очередь долгая»)."""
        canon = _canonical(fragment)
        if canon in self._answers_canonical or not any(ch.isalpha() for ch in canon):
            return False
        if len(canon.split()) <= SHORT_ANSWER_WORDS and self._says_no_problem(canon, lemmas):
            return False
        if any(lemma in self.problem_cues for lemma in lemmas):
            return True
        if any(p.search(canon) for p in self.no_pain_patterns) or self._only_praises(canon):
            return False
        content = [lemma for lemma in lemmas if lemma.isalpha() or "_" in lemma]
        return any(lemma not in self.filler_lemmas for lemma in content)

    def _says_no_problem(self, canon: str, lemmas: list[str]) -> bool:
        """A short answer that, typos forgiven, is a no-pain answer, or matches a no-pain pattern with at
        most a short tail that adds no problem («жалоб нет, спасибо»), or praises with no problem word, no
        negation and no wish («Приняли вовремя, всё объяснили»)."""
        fixed = " ".join(self._spell(word) for word in canon.split())
        if fixed in self._answers_canonical:
            return True
        cues = [lemma for lemma in lemmas if lemma in self.problem_cues]
        for pattern in self.no_pain_patterns:
            match = pattern.match(fixed)
            if not match:
                continue
            tail = fixed[match.end() :]
            # A cue word may only be the one the pattern itself names («жалоб нет»: жалоба).
            if len(tail) <= 12 and not _CONTRAST.search(tail) and not _NEGATION.search(tail) and all(
                cue[:4] in match.group(0) for cue in cues
            ):
                return True
        if cues or _NEGATION.search(fixed) or _WISH.search(fixed):
            return False
        return self._only_praises(fixed) or self._pleased(fixed, lemmas)

    def _pleased(self, canon: str, lemmas: list[str]) -> bool:
        """A short answer saying the place or service pleases («Район нравится», «Двор уютный»): a
        `pleased_lemmas` word and no infinitive or imperative — «Придать растениям ухоженный вид» asks for
        it (appeals use these words in requests, so they are no praise words for whole texts)."""
        if not self.pleased_lemmas.intersection(lemmas) or _CONTRAST.search(canon):
            return False  # «Район нравится, но далеко от центра» names a problem after the praise
        return not _has_form(canon, {"INFN", "impr"})

    def _only_praises(self, canon: str) -> bool:
        """A clause that says what went well and nothing else («Хочу выразить благодарность сотрудникам»,
        «Кредит одобрили быстро»): no problem word (checked before), no contrast, wish, request or negation
        (a praise pattern such as «без очереди» may hold one). A review of praise is no pain."""
        if _CONTRAST.search(canon) or _WISH.search(canon):
            return False
        if any(p.search(canon) for p in self.praise_patterns):
            return True
        if _NEGATION.search(canon) or not self.praises(canon):
            return False
        # «Помогите разобраться»: a request, not thanks for help.
        return not _has_form(canon, {"impr"})

    def _spell(self, word: str) -> str:
        """`word`, or the no-pain lexicon word it is a slip of (only a word the dictionary does not know:
        «вовремя» is no slip of «время»)."""
        if word in self._no_pain_words or len(word) < 2:
            return word
        from nlp.lemmatize import morph_analyzer

        if morph_analyzer().word_is_known(word):
            return word
        if len(word) < 6:
            # A short slip («ет», «нте» for «нет»): only one letter off, and only when one lexicon word is.
            from nlp.spelling import edits1

            near = [w for w in edits1(word) & set(self._no_pain_words) if len(w) >= 3]
            return near[0] if len(near) == 1 else word
        close = difflib.get_close_matches(word, self._no_pain_words, n=1, cutoff=TYPO_RATIO)
        return close[0] if close else word

    def praising(self, text: str) -> bool:
        """Some sentence of a whole text (a review, an appeal) praises: a pain most of whose texts do is a
        pain of praise («положительный отзыв, вежливость, профессионализм»), not a problem."""
        return any(self.praises(s) for s in _SENTENCE.split(text) if s.strip())

    def praises(self, phrase: str) -> bool:
        """The phrase says what went well («Кредит одобрили быстро», «Приняли без очереди», «Нет проблем с
        оплатой»): a praise word with no negation in the phrase, or a praise pattern. Never a pain label."""
        canon = _canonical(phrase)
        if any(p.search(canon) for p in self.praise_patterns):
            return True
        from models.pain_phrases import lemma_key

        words = canon.split()
        negated = any(w in ("не", "нет", "ни", "без") for w in words)
        # «спасибо», «благодарю»: words the lemma key drops as function words
        praise = self.praise_lemmas.intersection(words) or self.praise_lemmas.intersection(lemma_key(phrase))
        return not negated and bool(praise)


def _has_form(canon: str, grammemes: set[str]) -> bool:
    """Some word of `canon` is most likely in one of these forms («impr»: an imperative, «INFN»)."""
    from nlp.lemmatize import morph_analyzer

    morph = morph_analyzer()
    return any(grammemes & morph.parse(word)[0].tag.grammemes for word in canon.split())


def _compile_patterns(data: dict, key: str, path: Path) -> list[re.Pattern[str]]:
    """The regular expressions listed under `key`, each error naming the file, the list and the index."""
    patterns = []
    for i, pattern in enumerate(data.get(key, [])):
        try:
            patterns.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"{path}: {key}[{i}] — неверное регулярное выражение: {exc}") from exc
    return patterns


def strip_formulas(lemmas: list[str], formulas: tuple[tuple[str, ...], ...], gap: int = 1) -> list[str]:
    """`lemmas` without the spans that spell a formula in order (up to `gap` other lemmas between two of
    its lemmas). One-lemma formulas are not removed: a single word is never boilerplate on its own."""
    drop: set[int] = set()
    for formula in formulas:
        if len(formula) < 2:
            continue
        for start, lemma in enumerate(lemmas):
            if lemma != formula[0] or start in drop:
                continue
            at, picked = start, [start]
            for want in formula[1:]:
                nxt = next(
                    (j for j in range(at + 1, min(len(lemmas), at + 2 + gap)) if lemmas[j] == want), None
                )
                if nxt is None:
                    break
                picked.append(nxt)
                at = nxt
            else:
                drop.update(picked)
    return [w for i, w in enumerate(lemmas) if i not in drop] if drop else lemmas
