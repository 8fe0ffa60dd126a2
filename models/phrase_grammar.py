"""Whether a word span reads as a statement an analyst could write, or as a request — the grammar of pain
labels (`models.pain_phrases` builds the candidates; this module judges them).

A label is a problem statement («Не работает лифт», «Сломана скамейка», «Нет горячей воды»): not about the
writer, not a clause cut out of its sentence, its noun and verb agreeing, naming an object. A request
(«Убрать мусор», «Вклад открыть», «Не должно быть …») says what the writer wants done; it yields to a
statement of what is wrong when enough members say one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*|\d+|\[[^\]]*\]|\S")
LETTERS = re.compile(r"^[A-Za-zА-Яа-яЁё-]+$")
_PROPER = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad")
KEEP_EDGE = {"не", "нет"}  # «Не работает лифт», «Нет горячей воды» start with a particle


@lru_cache(maxsize=200_000)
def word_info(word: str) -> tuple[str, str, bool]:
    """(lemma, part of speech, may be a proper name) of one word, cached."""
    from nlp.lemmatize import morph_analyzer

    parses = morph_analyzer().parse(word)
    best = parses[0]
    # A capitalised word with a name or place reading, or any word whose best reading is a person's name
    # («сергеева» written in lower case).
    proper = any(g in best.tag for g in ("Name", "Surn", "Patr")) or (
        word[:1].isupper() and not word.isupper() and any(g in p.tag for p in parses[:2] for g in _PROPER)
    )
    pos = str(best.tag.POS or "")
    if pos == "PRTF" and not ("pssv" in best.tag or "past" in best.tag):
        pos = "ADJF"  # «управляющая компания» names a party; «сломанная скамейка» states a problem
    return best.normal_form.replace("ё", "е"), pos, proper


# Words that count or date, not what is wrong: a label needs a noun besides them («Не первый год»).
# Verbs about the writer, not the problem («Хотел бы выразить», «Прошу обратить»).
_WRITER_VERBS = {"хотеть", "хотеться", "просить", "мочь", "желать", "благодарить", "выразить", "сказать",
                 "написать", "писать", "говорить", "сообщить", "называться"}  # «Говорят процентов нет»
# Only these join the parts of a label; «если», «что», «чтобы» start a clause of their own («Кредит если банк
# отказал»), as do question words («Не знают где деньги»).
_JOINING = {"и", "или", "а", "но", "да"}
_QUESTIONWORDS = {"где", "куда", "откуда", "когда", "почему", "зачем", "как", "сколько"}
# «Какие документы не устроили» asks («какие-то» does not); «Страховки без которой не одобрят» is cut out of
# its sentence before a relative clause.
_QUESTION_LEMMAS = {"какой", "каков", "чей", "который"}
# Before a bare infinitive these make it a statement («Не дозвониться», «Невозможно записаться», «Долго
# ждать»); after a noun or at the start it is a request («Убрать мусор», «Вклад открыть»).
_REQUEST_BEFORE = {"NOUN", "ADJF", "PRTF", "CONJ", "PREP", ""}
# What ought to be is a request too («Не должно быть просроченных платежей», «Необходимо ограждение»).
OBLIGATION = {"должный", "надо", "нужно", "необходимо", "необходимый", "следовать"}
_MEASURE_NOUNS = {"год", "раз", "время", "день", "неделя", "месяц", "час", "минута", "сутки", "пора"}
# Nouns that name no object: «Проводились работы», «Произвести ремонт», «Выявлено отсутствие» say that
# something is (not) done, not to what; a label needs another noun besides them.
_VAGUE_NOUNS = {"работа", "ремонт", "отсутствие", "наличие", "проблема", "вопрос", "ситуация", "мера",
                "случай", "факт", "состояние", "порядок", "момент", "задача", "действие", "характер"}


@dataclass(frozen=True)
class _Grammar:
    """What agreement needs of one word: the numbers and genders its nominative readings allow, and for a
    finite verb (its best reading) its number, gender, person, tense and whether it is an imperative."""

    numbers: frozenset[str]
    genders: frozenset[str]
    verb_number: str = ""
    verb_gender: str = ""
    person: str = ""
    past: bool = False
    imperative: bool = False
    # A perfective transitive verb («списал», «заблокировали») needs its object: «Банк списал» is cut short.
    wants_object: bool = False
    only_nominative: bool = False  # a noun whose best reading is nominative or accusative (not a genitive)
    accusative: bool = False  # a noun one of whose readings is accusative («мусор», «мусора» is not)
    object_only: bool = False  # accusative and never nominative («скамейку»)
    transitive: bool = False


@lru_cache(maxsize=200_000)
def _grammar(word: str) -> _Grammar:
    from nlp.lemmatize import morph_analyzer

    parses = morph_analyzer().parse(word)
    nominative = [p for p in parses if "nomn" in p.tag]
    best = parses[0]
    tag = best.tag
    fixed = {"Abbr", "Fixd"} & set(tag.grammemes)
    direct = tag.POS == "NOUN" and tag.case in ("nomn", "accs") and not fixed
    common = dict(
        numbers=frozenset(str(p.tag.number) for p in nominative if p.tag.number),
        genders=frozenset(str(p.tag.gender) for p in nominative if p.tag.gender),
        only_nominative=direct,
        accusative=tag.POS == "NOUN" and any("accs" in p.tag for p in parses),
        object_only=tag.POS == "NOUN" and any("accs" in p.tag for p in parses) and not nominative,
    )
    if tag.POS == "NPRO":  # «я», «мы», «вы»: about the writer or the reader
        return _Grammar(**common, person=str(tag.person or ""))
    if tag.POS == "PRTS":  # «Сломан», «разбита»: agrees with its noun as a past verb does
        number, gender = str(tag.number or ""), str(tag.gender or "")
        return _Grammar(**common, verb_number=number, verb_gender=gender, past=True)
    if tag.POS != "VERB":
        return _Grammar(**common)
    return _Grammar(
        **common,
        verb_number=str(tag.number or ""),
        verb_gender=str(tag.gender or ""),
        person=str(tag.person or ""),
        past=tag.tense == "past",
        imperative=tag.mood == "impr",
        wants_object="tran" in tag and tag.aspect == "perf",
        transitive="tran" in tag,
    )


# Verbs that take no subject («Не хватает окон», «Не удаётся записаться»).
_IMPERSONAL = {"хватать", "удаваться", "удаться", "получаться", "получиться", "приходиться", "прийтись",
               "следовать", "стоить", "надоесть", "хотеться", "пахнуть", "вонять", "капать", "течь", "дуть"}
# Where something is, not what: «Этаж отсутствует» says nothing is missing but the floor.
_PLACE_NOUNS = {"этаж", "парадная", "подъезд", "дом", "двор", "квартира", "улица", "территория", "адрес",
                "корпус", "район", "место", "сторона", "здание", "участок", "лестница", "вход"}
_EXISTENTIAL = {"отсутствовать", "нет", "не", "быть", "иметься"}


def reads_as_statement(words: Sequence[str]) -> bool:
    """A span an analyst could write as it is: not about the writer («Хочу выразить», «Пишешь обращение», «Не
    была клиентом»), not a negated preposition («Не у сотрудника банка»), no imperative («Надышись»), with a
    noun beyond time words («Не первый год») and beyond places when it says something is missing («Этаж
    отсутствует»), no bare noun after a noun («Подъезд мусор», «Очередь человек»), a nominative noun agreeing
    with the verb after it in number and, in the past, gender («Этаж отсутствуют», «Банка … позвонил» do not),
    and a subject for a singular verb («Производится в течении суток» has none); no question or relative
    clause («Какие документы не устроили», «… без которой не одобрят»), and an object for a request («Убрать
    с газона» has none)."""
    letters = [w for w in words if LETTERS.match(w)]
    if not letters:
        return False
    info = [word_info(w) for w in letters]
    grammar = [_grammar(w) for w in letters]
    if any(g.person in ("1per", "2per") for g in grammar) or info[0][0] in _WRITER_VERBS:
        return False
    # «не» before a preposition or a bare noun («Не у сотрудника банка», «Не договор кредита») is a clause cut
    # out of its sentence; «Нет горячей воды» and «Не работает лифт» are statements.
    if letters[0].lower() == "не" and len(letters) > 1 and info[1][1] in ("PREP", "NOUN", "ADJF", "NUMR"):
        return False
    cut_participle = len(letters) > 1 and info[1][1] == "PRTF" and not _nominative(letters[1])
    if letters[0].lower() == "не" and cut_participle:
        return False  # «Не заблокированной карты»: a participle cut out of its clause
    if any(pos == "CONJ" and w.lower() not in _JOINING for w, (_, pos, _) in zip(letters, info, strict=True)):
        return False
    if any(w.lower() in _QUESTIONWORDS for w in letters) or any(i[0] in _QUESTION_LEMMAS for i in info):
        return False
    lowered = [w.lower() for w in letters]
    if any(a == "не" and b in ("только", "просто") for a, b in zip(lowered, lowered[1:], strict=False)):
        return False  # «Не только положить деньги»: half of «не только …, но и …», no negation
    if not _prepositions_govern(letters):
        return False  # «Убрать с газоне», «Мусор у подъезд»: a slip or words run together
    if any(a == b for a, b in zip(lowered, lowered[1:], strict=False)) or _unlike_conjuncts(info):
        return False  # «Объявления на на опоре», «Полусферы и вывести»
    if sum(pos == "VERB" for _, pos, _ in info) >= 2 and not any(pos == "CONJ" for _, pos, _ in info):
        return False  # two clauses run together: «Позвонили в банк заблокировали карту»
    if any(g.imperative for g in grammar):
        return False
    if (
        grammar[-1].wants_object
        and not any(w.lower() in KEEP_EDGE for w in letters)
        and not any(g.object_only for g in grammar)
        and not (grammar[-1].verb_number == "plur" and any(g.accusative for g in grammar[:-1]))
    ):
        return False  # «Банк списал», «Банк заблокировал»: what? («Скамейку сломали», «Деньги списали» say)
    if _request_without_object(letters, info):
        return False  # «Убрать с газона»: what? («Убрать мусор», «Убрать шины с газона» say)
    nouns = [lemma for lemma, pos, _ in info if pos == "NOUN"]
    parts = {pos for _, pos, _ in info}
    if not nouns and "ADJF" in parts and "NPRO" not in parts:
        return False  # «Новые не посадили»: the noun the adjective stands for is in another clause
    if nouns and all(n in _MEASURE_NOUNS | _VAGUE_NOUNS for n in nouns):
        return False
    lemmas = {lemma for lemma, _, _ in info} | {w.lower() for w in letters}
    if nouns and all(n in _PLACE_NOUNS | _MEASURE_NOUNS for n in nouns) and lemmas & _EXISTENTIAL:
        return False
    for k in range(1, len(letters)):
        if info[k - 1][1] == "NOUN" and info[k][1] == "NOUN" and grammar[k].only_nominative:
            return False
        if info[k - 1][1] in ("ADJF", "PRTF") and info[k][1] == "NOUN" and not _agree_as_phrase(
            letters[k - 1].lower(), letters[k].lower()
        ):
            return False  # «Пожилые людям тяжело подниматься»: an adjective in another case than its noun
    # A noun after a preposition or another noun («в течение суток», «клиентом данного банка») is never the
    # subject.
    free, governed = [], False
    for _, pos, _ in info:
        free.append(not governed)
        if pos in ("PREP", "NOUN"):
            governed = True
        elif pos not in ("ADJF", "PRTF", "NUMR", "ADVB"):
            governed = False
    subject: _Grammar | None = None
    # A short participle before its subject («Сломана скамейка») agrees with it; a finite verb before a noun
    # may have no subject at all («Долго рассматривают заявление», «Не убрали мусор»).
    verb: _Grammar | None = None
    for (_, pos, _), g, ok in zip(info, grammar, free, strict=True):
        if pos == "NOUN" and subject is None and g.numbers and ok:
            subject = g
            if verb is not None:
                return _agrees(verb, subject)
        elif g.verb_number and subject is not None:
            # «Мусор не вывозят», «Скамейку сломали»: a plural verb with no subject of its own, the noun its
            # object.
            return _agrees(g, subject) or (g.verb_number == "plur" and g.transitive and subject.accusative)
        elif g.verb_number and verb is None and pos == "PRTS":
            verb = g
    singular_verb = any(
        g.verb_number == "sing" and lemma not in _IMPERSONAL
        for (lemma, _, _), g in zip(info, grammar, strict=True)
    )
    has_subject = any(
        "sing" in g.numbers
        for (_, pos, _), g, ok in zip(info, grammar, free, strict=True)
        if pos in ("NOUN", "NPRO") and ok
    )
    return not singular_verb or has_subject


def _unlike_conjuncts(info: Sequence[tuple[str, str, bool]]) -> bool:
    """«и»/«или» joins a noun with no verb of its own to a verb or an infinitive («Полусферы и вывести»): the
    noun's clause was cut off («Не позвонили и смс не прислали» joins two clauses and is kept)."""
    for k, (lemma, _, _) in enumerate(info):
        if lemma not in ("и", "или") or k == 0 or k + 1 >= len(info):
            continue
        before = [pos for _, pos, _ in info[:k]]
        if before[-1] in ("NOUN", "ADJF", "NPRO") and info[k + 1][1] in ("INFN", "VERB") and not any(
            pos in ("VERB", "INFN", "PRTS", "PRED", "ADJS") for pos in before
        ):
            return True
    return False


def _request_without_object(letters: Sequence[str], info: Sequence[tuple[str, str, bool]]) -> bool:
    """A request whose perfective transitive infinitive has no object: every noun is governed by a
    preposition («Убрать с газона», «Необходимо вывезти со двора», «Надо с газона убрать»)."""
    start = 0
    while start < len(letters) and info[start][0] in OBLIGATION:
        start += 1
    verbs = [k for k in range(start, len(letters)) if info[k][1] == "INFN"]
    if not verbs or (start == 0 and verbs[0] != 0) or not _perfective_transitive(letters[verbs[0]]):
        return False
    after_preposition = False
    for k in range(start, len(letters)):
        pos = info[k][1]
        if pos == "PREP":
            after_preposition = True
        elif pos in ("NOUN", "NPRO"):
            if not after_preposition and (pos == "NPRO" or _grammar(letters[k]).accusative):
                return False
            after_preposition = False
    return True


@lru_cache(maxsize=50_000)
def _perfective_transitive(word: str) -> bool:
    from nlp.lemmatize import morph_analyzer

    tag = morph_analyzer().parse(word)[0].tag
    return "tran" in tag and tag.aspect == "perf"


_BASE_CASE = {"gen2": "gent", "acc2": "accs", "loc2": "loct", "voct": "nomn"}


@lru_cache(maxsize=200_000)
def _agree_as_phrase(adjective: str, noun: str) -> bool:
    """Some reading of the adjective and some reading of the noun share case and number."""
    from nlp.lemmatize import morph_analyzer

    def forms(word: str, parts: tuple[str, ...]) -> set[tuple[str, str]]:
        return {
            (_BASE_CASE.get(str(p.tag.case), str(p.tag.case)), str(p.tag.number))
            for p in morph_analyzer().parse(word)
            if p.tag.POS in parts and p.tag.case
        }

    first, second = forms(adjective, ("ADJF", "PRTF")), forms(noun, ("NOUN",))
    return not first or not second or bool(first & second)


# The cases each preposition takes (a noun or adjective right after it must have a reading in one of them).
_GOVERNS = {
    "в": {"accs", "acc2", "loct", "loc2"}, "во": {"accs", "acc2", "loct", "loc2"},
    "на": {"accs", "acc2", "loct", "loc2"}, "с": {"gent", "gen2", "ablt", "accs"},
    "со": {"gent", "gen2", "ablt", "accs"}, "у": {"gent", "gen2"}, "от": {"gent", "gen2"},
    "до": {"gent", "gen2"}, "из": {"gent", "gen2"}, "без": {"gent", "gen2"}, "для": {"gent", "gen2"},
    "возле": {"gent"}, "около": {"gent"}, "вокруг": {"gent"}, "после": {"gent"}, "к": {"datv"},
    "ко": {"datv"}, "по": {"datv", "accs", "loct"}, "о": {"loct", "accs"}, "об": {"loct", "accs"},
    "при": {"loct"}, "за": {"accs", "ablt"}, "под": {"accs", "ablt"}, "над": {"ablt"}, "перед": {"ablt"},
    "через": {"accs"}, "про": {"accs"}, "между": {"ablt", "gent"},
    "нет": {"gent", "gen2"},  # «Нет детской площадки»; «Нет детская площадка» is a slip
}
_DECLINED = {"NOUN", "ADJF", "PRTF", "NUMR", "NPRO"}
_NEEDS_VO = re.compile(r"[вф][бвгджзйклмнпрстфхцчшщ]|двор(?!ник)")  # «во вход», «во дворе»


def _prepositions_govern(letters: Sequence[str]) -> bool:
    """Every preposition is followed by a word in a case it takes (or by a word that does not decline)."""
    from nlp.lemmatize import morph_analyzer

    morph = morph_analyzer()
    for prep, word in zip(letters, letters[1:], strict=False):
        if prep.lower() == "в" and _NEEDS_VO.match(word.lower()):
            return False  # «ремонт в вход», «мусор в дворе»: Russian writes «во вход», «во дворе»
        cases = _GOVERNS.get(prep.lower())
        if cases is None:
            continue
        parses = [p for p in morph.parse(word) if p.tag.POS in _DECLINED]
        if parses and not any(p.tag.case in cases for p in parses):
            return False
    return True


def is_advice(phrase: str) -> bool:
    """«Не брать ипотеку», «Проценты не платить»: «не» with an imperfective infinitive tells others what not
    to do — an opinion, never a problem statement («Не дозвониться», perfective, says one cannot)."""
    return "advice" in _asks(phrase)


def is_request(phrase: str) -> bool:
    """The phrase asks for something rather than saying what is wrong: a bare infinitive at the start or
    after a noun («Убрать мусор», «Вклад открыть»), not after «не» or a word of manner («Не дозвониться»)."""
    return bool(_asks(phrase))


def _asks(phrase: str) -> set[str]:
    """What the phrase asks: «request» (an obligation word, or a bare infinitive at the start or after a
    noun), «advice» (an imperfective infinitive after «не»: «Не платить проценты»); empty for a statement."""
    kinds: set[str] = set()
    before = ""
    for word in WORD.findall(phrase):
        if not LETTERS.match(word):
            continue
        lemma, pos, _ = word_info(word)
        if lemma in OBLIGATION:
            kinds.add("request")
        if pos == "INFN" and before in _REQUEST_BEFORE:
            kinds.add("request")
        if pos == "INFN" and before == "NEG" and _imperfective(word):
            kinds.add("advice")
        before = "NEG" if word.lower() in KEEP_EDGE else pos
    return kinds


@lru_cache(maxsize=50_000)
def _nominative(word: str) -> bool:
    from nlp.lemmatize import morph_analyzer

    return morph_analyzer().parse(word)[0].tag.case == "nomn"


@lru_cache(maxsize=50_000)
def _imperfective(word: str) -> bool:
    from nlp.lemmatize import morph_analyzer

    return "impf" in morph_analyzer().parse(word)[0].tag


def _agrees(verb: _Grammar, subject: _Grammar) -> bool:
    """A verb agrees with its subject in number and, in the past, gender («Сломан ветка» does not)."""
    if verb.verb_number not in subject.numbers:
        return False
    gender = verb.verb_gender
    return not (verb.past and gender and subject.genders and gender not in subject.genders)
