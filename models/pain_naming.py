"""Pain labels chosen across a period's pains (size order): the widest shared problem statement of each pain
that is no formula, no boilerplate and not taken by a bigger pain (`models.pain_phrases` builds and scores
the candidates; `models.pain_labels.CentralPhraseLabeller` is the fallback and makes keywords and quotes).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import numpy as np

from models.pain_cues import PainCues
from models.pain_labels import PainMembers, member_word_counts, misspelt, normalise_phrase


def label_pains(labeller, members: list[PainMembers], keywords: list[list[str]], cues: PainCues) -> list[str]:
    """Labels of pains given in size order (see models.pain_phrases): the widest shared phrase that is no
    formula, no boilerplate spread over many pains and not taken by a bigger pain; else the labeller's
    central phrase. Labellers without `candidates` keep their own `label`."""
    from models.pain_phrases import BoilerplateFilter, candidates, lemma_key, score, states_problem
    from models.phrase_grammar import is_advice, reads_as_statement

    if not hasattr(labeller, "candidates"):
        return [labeller.label(m) for m in members]
    stop = cues.cluster_stop_lemmas | cues.filler_lemmas
    # Problem words as they are: «не_работать» is a problem only negated (a key starting with «не»), while
    # «работать» alone («Банк работает») says nothing is wrong.
    problems = frozenset(w for w in cues.problem_cues if "_" not in w)
    shared = [candidates(m.texts, m.counts, m.similarity, stop, cues.formulas, problems) for m in members]
    boiler = BoilerplateFilter().fit(shared)

    def usable(phrase: str, key: tuple[str, ...]) -> bool:
        return (
            not boiler.is_boilerplate(key, problems)
            and not any(len(f) >= 2 and set(f) <= set(key) for f in cues.formulas)
            and not cues.praises(phrase)
            and not is_advice(phrase)
        )

    # A keyword of many pains («банк», «карта» in bank reviews) sets none of them apart.
    spread = Counter(w for words in keywords for k in words[:6] for w in set(k.split()))
    common = {w for w, n in spread.items() if n >= max(3, 0.2 * len(members))}
    # Labels of bigger pains, as written and as their content lemmas less the words of many pains («Кредит не
    # оформили» takes «Кредит не оформить», «Не выполнили условия» takes «Банк не выполнил условия»).
    taken: set[str] = set()
    taken_keys: set[frozenset[str]] = set()

    def free(phrase: str) -> bool:
        return phrase.lower() not in taken and frozenset(lemma_key(phrase)) - common not in taken_keys
    labels = []
    for found, member, words in zip(shared, members, keywords, strict=True):
        # The pain's keywords are its distinctive terms (c-TF-IDF): a phrase holding them says what sets
        # this pain apart («Карта заблокирована»), a frequent generic one («Банк ответил») does not.
        own = {w for k in words[:6] for w in k.split()} - stop - common - {"не", "нет"}
        # A phrase in the pain's main problem area («лифт» for the lift pain) names the problem; «Пожилые
        # люди не могут выйти» describes a consequence.
        area = _main_area(found)
        counts = member_word_counts(member.texts)
        fresh = [
            c for c in found
            if usable(c.surface, c.key) and free(normalise_phrase(c.surface))
            and not misspelt(c.surface, counts)  # «Наледь н ступеньках»: one author's typo
        ]
        # Coverage on the scale of a survey's pain, whose widest phrase covers a third of it or more: in a
        # pain of long reviews the widest covers a tenth, and the bonuses for length, keywords and area
        # made one author's clause win over a phrase many members share (bank: «Штрафы капать продолжают»).
        widest = max((c.coverage for c in fresh), default=0.0)
        stretch = max(1.0, COVERAGE_SCALE / widest) if widest > 0 else 1.0
        fresh = sorted(
            fresh,
            key=lambda c: (
                -(
                    score(c)
                    + (stretch - 1.0) * c.coverage
                    + 0.08 * min(2, len(own.intersection(c.key)))
                    + AREA_BONUS * (area is not None and area in _areas(c.key))
                ),
                c.surface,
            ),
        )
        # The best-scoring phrase that many members share, or (pains of long texts: reviews, letters) that
        # a few share and that holds a distinctive term: either beats one author's clause.
        # A phrase holding a distinctive term comes first; a wide one without any («Банк не работал» in the
        # hotline pain of bank reviews) only when no phrase names what sets the pain apart.
        eligible = [c for c in fresh if c.coverage >= labeller.min_coverage / 4 and own.intersection(c.key)]
        eligible = eligible or [c for c in fresh if c.coverage >= labeller.min_coverage]
        best = eligible[0] if eligible else None
        if best is not None and best.request:
            # What is wrong («Мусор на территории») beats what the writer asks for («Убрать мусор») when a
            # fair share of the members say it.
            best = next(
                (
                    c for c in eligible
                    if not c.request and c.coverage >= REQUEST_YIELD * best.coverage
                    and not _elsewhere(c, best)
                ),
                best,
            )
        if best is not None and not best.problem:
            # A phrase that says what is wrong («Карта заблокирована») beats one naming an action or a thing
            # («Оформить документы», «Счёт карты») when nearly as many members share it, and so does a wide
            # one without a distinctive term («Не принимают карты», 17 % of the reviews of UnionPay cards
            # abroad, over «Карта была необходима для поездки», 5 %).
            wide = [c for c in fresh if c.coverage >= labeller.min_coverage and c not in eligible]
            best = next(
                (
                    c for c in eligible + wide
                    if c.problem and c.request <= best.request and c.coverage >= PROBLEM_YIELD * best.coverage
                    and not _elsewhere(c, best)
                    and (c.coverage >= best.coverage or not _one_author(c, member))
                ),
                best,
            )
        best = best or next((c for c in fresh if c.coverage >= labeller.min_coverage / 4), None)
        bare = None if best is not None else _bare_text(member)
        best = best or next(iter(fresh), None)
        label = normalise_phrase(best.surface) if best is not None else None
        # One author's phrase («Очистить столб от позора города», «Точка рядом со входом не ставилась») does
        # not name a pain whose members mostly say «Очистить» or «Не светит» and no more.
        if bare is not None and free(bare) and usable(bare, lemma_key(bare)):
            label = bare
        title = _area_title(member, widest, best)
        if title is not None and free(title):
            label = title
        if label is None:
            ranked = [p for p in labeller.candidates(member) if usable(p, lemma_key(p))]
            # Stable sort: a phrase that states a problem («Третий этаж» only locates one) and reads as a
            # statement («Производится в течении суток» has no subject) first.
            ranked = sorted(
                ranked, key=lambda p: (not states_problem(p, problems), not reads_as_statement(p.split()))
            )
            label = next((p for p in ranked if free(p)), None)
            if label is None:
                top = ranked[0] if ranked else (words[0].capitalize() if words else "Без названия")
                extra = next((k for k in words if k.lower() not in top.lower()), None)
                label = f"{top}: {extra}" if extra else top
        taken.add(label.lower())
        taken_keys.add(frozenset(lemma_key(label)) - common)
        labels.append(label)
    return labels


AREA_BONUS = 0.1
# A pain that at least TITLE_SHARE of its members place in one area is named by that area's title
# (data/lexicon/pain_area_titles.yaml) when no phrase of its own is shared by SHARED_PHRASE of its members,
# when its best phrase names only problems that fewer than OWN_PROBLEM_SHARE of its members name, or when it
# asks for something to be done only to a place (`_area_title`).
TITLE_SHARE = 0.5
SHARED_PHRASE = 0.05
OWN_PROBLEM_SHARE = 0.25
TITLE_READ = 1000
TITLE_RIVAL = 0.75  # another problem area this close to the main one makes the area title a guess
COVERAGE_SCALE = 0.3
REQUEST_YIELD = 0.3
PROBLEM_YIELD = 0.3
# A pain sharing no phrase (none covers min_coverage / 4) in which one text of BARE_WORDS words or fewer holds
# BARE_SHARE of the members is named by that text «(без уточнения)» (`_bare_text`).
BARE_WORDS = 2
BARE_SHARE = 0.25


def _bare_text(member: PainMembers) -> str | None:
    """«Очистить (без уточнения)» for a pain that shares no phrase because most of it says a word or two and
    no more (143 SPb appeals of «Очистить», «очистите о о»: one author's «Очистить столб от позора города»
    covered 0.7 % of them); None when no short text holds BARE_SHARE of the members and two of them."""
    totals: Counter = Counter()
    for text, count in zip(member.texts, member.counts, strict=True):
        phrase = normalise_phrase(text)
        if phrase and len(phrase.split()) <= BARE_WORDS:
            totals[phrase.lower()] += float(count)
    if not totals:
        return None
    phrase, count = totals.most_common(1)[0]
    # Said by one member it is one author's word, not what the pain says («Бахилы платные» in a pain of 4).
    if count < max(2.0, BARE_SHARE * float(member.counts.sum())):
        return None
    return f"{phrase[:1].upper()}{phrase[1:]} (без уточнения)"


def _one_author(c, member: PainMembers) -> bool:  # noqa: ANN001 (pain_phrases.Candidate)
    """Only one member says the phrase: in a pain whose answers each word the problem their own way it does
    not displace a phrase two or more share («Карусель не крутится год», a playground answer in the parking
    pain, over «Стоянка у магазина вечно забита»)."""
    return c.coverage * float(member.counts.sum()) < 1.5


@lru_cache(maxsize=1)
def _concepts():  # noqa: ANN202 (models.pain_concepts imported lazily)
    from models.pain_concepts import PainConcepts

    return PainConcepts.load()


def _areas(key: tuple[str, ...]) -> set[int]:
    return set(_concepts().hits(key))


def _elsewhere(other, best) -> bool:  # noqa: ANN001 (pain_phrases.Candidate)
    """`other` names another problem than `best`: it shares only a place with it («Знак развернут» for the
    pain «Очистить дорожный знак» of graffiti on road signs), or it names a problem area `best` does not
    («Мусор на дереве» for «Подстричь кусты»: litter, not the trees)."""
    shared = (set(other.key) & set(best.key)) - {"не"}
    if shared and all(_areas((w,)) and _areas((w,)) <= _places() for w in shared):
        return True
    mine = _areas(best.key) - _places()
    return bool(mine) and bool(_areas(other.key) - _places() - mine)


@lru_cache(maxsize=1)
def _places() -> frozenset[int]:
    """The areas of data/lexicon/pain_concepts.yaml that say where, not what (`PLACE_PREFIX`)."""
    from models.pain_concepts import PLACE_PREFIX

    return frozenset(i for i, name in enumerate(_concepts().names) if name.startswith(PLACE_PREFIX))


def _main_area(found) -> int | None:  # noqa: ANN001 (pain_phrases.Candidate)
    """The problem area (models.pain_concepts) the pain's shared phrases name most, by coverage."""
    weight: Counter = Counter()
    for c in found:
        for area in _areas(c.key):
            weight[area] += c.coverage
    return weight.most_common(1)[0][0] if weight else None


def _area_title(member: PainMembers, widest: float, best) -> str | None:  # noqa: ANN001 (Candidate | None)
    """The title of the area most of the pain's members name, where the pain's own phrases do not name it:
    none is shared or the best is one author's (a catch-all of small defects in stairwells), the best one
    names a problem few members have («Мусор вдоль забора» heading rusty, bent fences), names only a place
    («Парадная черная лестница») or asks for something to be done only to a place («Убрать газон»). No title
    when another problem area is nearly as common as the main one (`_title`): January's pain of snow on roads
    names «дорога» and «снег» alike, ads on road signs «не оставляя следов бумаги» are ads, not documents — a
    title would be a guess."""
    from models.pain_phrases import lemma_key
    from models.phrase_grammar import OBLIGATION, word_info

    read = np.argsort(-member.similarity, kind="stable")[:TITLE_READ]  # the most central members
    total = float(member.counts[read].sum()) or 1.0
    share: Counter = Counter()
    for i in read:
        for area in set(_areas(lemma_key(member.texts[i]))):
            share[area] += float(member.counts[i]) / total
    if not share:
        return None
    main = max(share.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    title = _title(share, main)
    if title is None:
        return None
    if best is None or widest < SHARED_PHRASE:
        return title
    if best.coverage < SHARED_PHRASE and main in _places():
        # A catch-all of many small defects at one place («Этаж черная лестница отсутствует ручки», 1 of 1,430
        # stairwell appeals); a problem's own rare phrase («Документы готовили очень долго») stays.
        return title
    named = _areas(best.key) - _places()
    if named and all(share[area] < OWN_PROBLEM_SHARE for area in named):
        return title
    # «Парадная черная лестница (необходимо …)» names where, not what is wrong; «Необходимо ограждение для
    # газона» asks for a thing.
    first = word_info(next(iter(best.surface.split()), ""))
    asks_for_thing = best.request and (first[1] == "INFN" or first[0] in OBLIGATION)
    if not named and not best.problem and not asks_for_thing:
        return title
    # «Убрать газон» (of «убрать с газона» шины, блоки, пни): a request that names only where.
    where = best.key[1:]
    asks = best.request and word_info(best.key[0])[1] == "INFN"  # «Необходимо ограждение» names a thing
    if asks and where and all(_areas((w,)) and _areas((w,)) <= _places() for w in where):
        return title
    return None


def _title(share: Counter, main: int) -> str | None:
    """The title of `main`, the area most members name (at least TITLE_SHARE of them, no other problem area
    nearly as common); a place most members name a problem at is titled by the problem and the place
    («Надписи и несанкционированная реклама на дорожных знаках и светофорах», not «Неисправные дорожные
    знаки»)."""
    concepts = _concepts()
    main_share = share[main]
    problems = sorted(((v, -a) for a, v in share.items() if a not in _places()), reverse=True)
    if main in _places() and problems and problems[0][0] >= TITLE_SHARE:
        problem, main_share = -problems[0][1], problems[0][0]
        title = concepts.titles[problem]
        where = concepts.wheres[main] if main < len(concepts.wheres) else None
        title = f"{title} {where}" if title and where else None
        problems = problems[1:]
    else:
        title = concepts.titles[main] if main < len(concepts.titles) else None
        problems = [p for p in problems if -p[1] != main]
    rival = problems[0][0] if problems else 0.0
    if title is None or main_share < TITLE_SHARE or rival >= TITLE_RIVAL * main_share:
        return None
    return title
