"""Pain labels: shared problem statements, never a formula, boilerplate, name, plate or placeholder."""

from __future__ import annotations

import numpy as np
import pytest

from models.pain_cues import PainCues
from models.pain_labels import CentralPhraseLabeller, PainMembers, label_pains
from models.pain_phrases import BoilerplateFilter, Candidate, candidates, lemma_key
from nlp import Preprocessor


def members(texts: list[str]) -> PainMembers:
    n = len(texts)
    return PainMembers(texts, np.ones(n), np.linspace(0.9, 0.6, n), np.eye(n), list(texts))


def test_the_label_is_the_phrase_most_members_share():
    texts = [
        "Нет горячей воды уже неделю", "опять нет горячей воды", "горячей воды нет третий день",
        "Нет горячей воды в ванной", "Сергеева Ольга, нет горячей воды", "вода еле тёплая",
    ]
    cues = PainCues.load()
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["вода"]], cues)
    assert label == "Нет горячей воды"


def test_formulas_names_and_plates_never_label():
    cues = PainCues.load()
    texts = [
        "Прошу принять меры, автобус А123ВС 777 не останавливается",
        "прошу принять меры: автобус не останавливается на остановке",
        "Иванов Иван Петрович: автобус не останавливается",
        "На основании изложенного прошу принять меры",
    ]
    found = candidates(members(texts).texts, np.ones(4), np.ones(4), cues.cluster_stop_lemmas, cues.formulas)
    for c in found:
        assert not {"принять", "мера"} <= set(c.key), c
        assert "Иван" not in c.surface and "А123ВС" not in c.surface
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [[]], cues)
    assert "меры" not in label.lower() and "иван" not in label.lower()
    assert "автобус" in label.lower()


def test_a_key_spread_over_many_pains_is_boilerplate():
    common = Candidate(("обратный", "связь"), "обратной связи", 0.3, 0.5)
    per_pain = [[common, Candidate((f"проблема{i}", "x"), f"проблема {i}", 0.6, 0.8)] for i in range(6)]
    boiler = BoilerplateFilter().fit(per_pain)
    assert boiler.is_boilerplate(("обратный", "связь"))
    assert not boiler.is_boilerplate(("проблема1", "x"))


@pytest.mark.parametrize("label", ["Лестничные площадки", "Управляющая компания"])
def test_a_phrase_that_names_no_problem_is_no_candidate(label):
    cues = PainCues.load()
    texts = [label] * 3
    assert not candidates(texts, np.ones(3), np.ones(3), cues.cluster_stop_lemmas, cues.formulas)


def test_lemma_key_drops_function_words():
    assert lemma_key("ожидания в очередях") == ("ожидание", "очередь")
    assert Preprocessor  # the lemmatiser is the pipeline's pymorphy3


@pytest.mark.parametrize(
    "phrase, states",
    [("Третий этаж", False), ("Лестничные площадки", False), ("Не закрывается дверь", True),
     ("Сломана скамейка", True), ("Мусор на газонах", True), ("Дерево находится", False)],
)
def test_states_problem(phrase, states):
    from models.pain_phrases import states_problem

    problems = frozenset(w.split("_")[-1] for w in PainCues.load().problem_cues)
    assert states_problem(phrase, problems) is states


def test_a_gerund_phrase_is_no_label():
    cues = PainCues.load()
    for text in ("Установив полусферы у дома", "Не оставляя следов на стене"):
        found = candidates([text] * 3, np.ones(3), np.ones(3), cues.cluster_stop_lemmas, cues.formulas)
        assert all(not c.surface.lower().startswith(("установив", "не оставляя")) for c in found), found


@pytest.mark.parametrize(
    ("phrase", "praise"),
    [
        ("Кредит банком одобрен", True),
        ("Приняли без очереди", True),
        ("Нет проблем с оплатой картой", True),
        ("Отличное приложение", True),
        ("Не помогли", False),
        ("Быстро не решили вопрос", False),
        ("Приложение не работает", False),
        ("Холодно в квартире", False),
    ],
)
def test_praise_is_never_a_pain_label(phrase, praise):
    assert PainCues.load().praises(phrase) is praise


@pytest.mark.parametrize(
    "phrase, ok",
    [
        ("Этаж отсутствуют", False),  # the noun and the verb disagree in number: a cut-up clause
        ("Не первый год", False),  # only a time word
        ("Хочу выразить", False),  # about the writer
        ("Хотел бы выразить", False),
        ("Пишешь обращение", False),
        ("Не у сотрудника банка", False),  # «не» before a preposition
        ("Не договор кредита", False),  # «не» before a bare noun
        ("Не работает лифт", True),
        ("Нет горячей воды", True),
        ("Двери не закрываются", True),
        ("Лифт опять встал", True),
        ("Долго рассматривают заявление", True),
        ("Мусор на газонах", True),
        ("Этаж отсутствует", False),  # only a place is said to be missing
        ("Подъезд мусор", False),  # a bare noun after a noun
        ("Очередь человек", False),
        ("Надышись в створе арки", False),  # an imperative
        ("Банка так никто не позвонил", False),  # the verb's gender does not agree with the noun
        ("Не была клиентом данного банка", False),  # the writer, no subject
        ("Производится в течение суток после начала", False),  # no subject: «течение» follows «в»
        ("Не можем покрасить стену", False),  # the writer, second word
        ("Мусор в подъезде", True),
        ("Не хватает окон", True),  # an impersonal verb needs no subject
        ("Ремонт дорог", True),  # a genitive after a noun
        ("Не берут трубку", True),  # an indefinite-personal plural
        ("Сломан ветка дерева", False),  # a short participle disagrees with the noun after it
        ("Сломана скамейка", True),
        ("Не убрали мусор", True),  # a finite verb before its object, no subject needed
        ("Проводились работы", False),  # names no object: «работы» alone is vague
        ("Произвести ремонт", False),
        ("Неудовлетворительное состояние крыльца", True),  # a vague noun beside a real one
        ("Более ужасного банка я не встречала", False),  # the writer as a pronoun
        ("Кредит если банк отказал", False),  # a clause of its own after «если»
        ("Не знают где деньги", False),  # a question word
        ("Не дебетовая карта", False),  # «не» before an adjective
        ("Сказали в службе поддержки", False),  # reported speech
    ],
)
def test_labels_read_as_statements(phrase, ok):
    from models.phrase_grammar import reads_as_statement

    assert reads_as_statement(phrase.split()) is ok


@pytest.mark.parametrize(
    "phrase, asks",
    [
        ("Убрать мусор", True),
        ("Вклад открыть", True),  # after a noun
        ("Не платить проценты", True),  # negated imperfective: advice
        ("Не должно быть просроченных платежей", True),  # what ought to be
        ("Не дозвониться по телефону", False),  # negated perfective: one cannot
        ("Невозможно записаться", False),
        ("Долго ждать своей очереди", False),
        ("Мусор на территории", False),
    ],
)
def test_requests_are_told_from_statements(phrase, asks):
    from models.phrase_grammar import is_request

    assert is_request(phrase) is asks


def test_what_is_wrong_beats_what_the_writer_asks_for():
    # «Убрать мусор» is the widest phrase, but enough members say what is wrong.
    texts = [
        "Убрать мусор во дворе", "прошу убрать мусор", "убрать мусор с газона", "Убрать мусор!",
        "Мусор на территории двора", "мусор на территории", "много мусора на территории детской площадки",
    ]
    keywords = [["мусор", "территория"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], keywords, PainCues.load())
    assert label == "Мусор на территории"


def test_a_label_does_not_start_with_an_archaic_nominative():
    from models.pain_phrases import _can_start

    assert not _can_start("Дерева")  # a genitive whose nominative reading is archaic
    assert _can_start("Деревья") and _can_start("Мусор") and _can_start("Надписи")
