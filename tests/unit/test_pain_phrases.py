"""Pain labels: shared problem statements, never a formula, boilerplate, name, plate or placeholder."""

from __future__ import annotations

import numpy as np
import pytest

from models.pain_cues import PainCues
from models.pain_labels import CentralPhraseLabeller
from models.pain_naming import label_pains
from models.pain_phrases import BoilerplateFilter, Candidate, candidates, lemma_key
from nlp import Preprocessor
from tests.conftest import pain_members as members


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
        ("Пожилые людям тяжело подниматься", False),  # an adjective in another case than its noun
        ("Пожилым людям тяжело подниматься", True),
        ("Мусор вдоль всей дороги", True),
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
        ("Говорят процентов нет", False),  # reported speech (bank reviews)
        ("Не заблокированной карты", False),  # a participle cut out of its clause
        ("Не убранный мусор", True),
        ("Позвонили в банк заблокировали карту", False),  # two clauses without a conjunction
        ("Банкомат забрал деньги и не зачислил", True),
        ("Называется обман клиента", False),
        ("Банк списал", False),  # a perfective transitive verb without its object (bank reviews)
        ("Банк заблокировал", False),
        ("Банк заблокировал карту", True),
        ("Банк не одобрил", True),  # negated: says what did not happen
        ("Скамейку сломали", True),  # the object comes first
        ("Деньги списали", True),  # a plural verb: the noun before it is its object
        ("Мусор не вывозят", True),  # indefinite-personal: «мусор» is the object, not the subject
        ("Снег не убирают", True),
        ("Лифт не работают", False),  # an intransitive verb: «лифт» can only be its subject
        ("Убрать с газоне", False),  # «с» takes no prepositional case: a slip
        ("Мусор у подъезд", False),
        ("Мусор у подъезда", True),
        ("Требуется ремонт в вход", False),  # Russian writes «во вход»
        ("Лифт сломан во втором подъезде", True),
        ("Течёт с крыши", True),
        ("Не только положить деньги", False),  # half of «не только …, но и …»
        ("Убрать с газона", False),  # a request naming only where: remove what?
        ("Необходимо вывезти со двора", False),
        ("Убрать шины с газона", True),
        ("Очистить газон от мусора", True),
        ("Невозможно оплатить картой", True),  # a statement, not a request
        ("Какие документы не устроили", False),  # a question
        ("Какие-то трубы валяются на газоне", True),
        ("Страховки без которой не одобрят кредит", False),  # cut before a relative clause
        ("Новые не посадили", False),  # «Спилили деревья, новые не посадили»: its noun is in the first clause
        ("Новые деревья не посадили", True),
        ("Платные кружки", True),
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


@pytest.mark.parametrize(
    "phrase, advice",
    [
        ("Не брать ипотеку", True),  # «не» + imperfective infinitive: what others should not do
        ("Проценты не платить", True),
        ("Не связывайтесь с этим банком", False),  # an imperative, refused elsewhere
        ("Не дозвониться по телефону", False),  # perfective: one cannot
        ("Не получить справку", False),
        ("Не работает лифт", False),
    ],
)
def test_advice_is_told_from_a_problem(phrase, advice):
    from models.phrase_grammar import is_advice

    assert is_advice(phrase) is advice


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
    assert not _can_start("Банка")  # the genitive of «банк»; its nominative reading is another word (a jar)
    assert _can_start("Деревья") and _can_start("Мусор") and _can_start("Надписи")


def test_a_phrase_without_the_members_negation_never_labels_their_problem():
    # «Лифт также работает» was the label of the SPb lift pain: «лифт работает» took the coverage of every
    # «лифт не работает», the negation being no part of its key.
    cues = PainCues.load()
    texts = ["лифт не работает"] * 5 + ["Лифт работает с перебоями"]
    found = candidates(texts, np.ones(6), np.linspace(0.9, 0.6, 6), cues.cluster_stop_lemmas, cues.formulas)
    assert found and found[0].surface.lower() == "лифт не работает" and "не" in found[0].key
    for c in found:
        if "не" not in c.surface.lower().split():
            assert c.coverage <= 1 / 6 + 1e-9, c


@pytest.mark.parametrize(
    "text",
    [
        "Установить их на место, скамейки сломаны",  # «их»: the object is in another sentence
        "Включительно на каждом этаже сломаны перила",  # an adverb leaning on the sentence before
        "Лифт тоже сломан, скамейка сломана",  # «тоже»: a continuation of something said before
        "Столкнулись с такими сложностями: карта заблокирована",  # «такими»: said before
    ],
)
def test_a_span_that_refers_outside_itself_is_no_candidate(text):
    from models.pain_phrases import _spans

    cues = PainCues.load()
    surfaces = [surface.lower() for _, surface, _ in _spans(text, cues.cluster_stop_lemmas)]
    assert surfaces, text
    for bad in ("их", "включительно", "тоже", "такими"):
        assert all(bad not in s.split() for s in surfaces), surfaces


def test_a_key_of_the_domains_words_and_a_negation_is_boilerplate():
    # Bank reviews: «банк» and the bank's name are in a wide phrase of every pain; «Банка нет Газпромбанк»
    # labelled the hotline pain.
    per_pain = [
        [Candidate(("банк", f"тема{i}"), f"тема {i}", 0.3, 0.5), Candidate((f"беда{i}", "x"), "", 0.6, 0.8)]
        for i in range(6)
    ]
    boiler = BoilerplateFilter().fit(per_pain)
    assert boiler.is_boilerplate(("не", "банк"))
    assert not boiler.is_boilerplate(("не", "банк", "ответ"))


def test_a_span_does_not_end_on_a_word_that_qualifies_what_follows():
    from models.pain_phrases import _spans

    surfaces = {surface for _, surface, _ in _spans("Лифт не доезжает до этажа примерно", frozenset())}
    assert "Лифт не доезжает до этажа" in surfaces
    assert not any(s.endswith("примерно") for s in surfaces)
    surfaces = {surface for _, surface, _ in _spans("Ограждение газона требует ремонта", frozenset())}
    assert "Ограждение газона требует ремонта" in surfaces
    assert "Ограждение газона требует" not in surfaces


def test_a_phrase_many_members_share_labels_even_when_the_most_central_members_do_not_say_it():
    # Long reviews: the most central members each tell their own story; the shared problem is said by many
    # members a little further out. Phrases came from the 40 most central only, and the label was one
    # author's clause («Подали заявку»).
    stories = [f"Отделение {i}, менеджер {i} рассказал про вклад и сроки оформления {i}" for i in range(60)]
    shared = ["Горячая линия не отвечает", "горячая линия не отвечает уже неделю"] * 30
    texts = stories + shared
    similarity = np.concatenate([np.full(60, 0.9), np.full(60, 0.8)])
    found = candidates(texts, np.ones(len(texts)), similarity, frozenset())
    assert found and {"линия", "отвечать"} <= set(found[0].key), [c.surface for c in found[:3]]


def test_a_request_is_not_replaced_by_another_problem_in_the_same_place():
    # SPb: the pain of ads on road signs was labelled «Знак развернут» (a few members said that too): what is
    # wrong beats what is asked only when it is about the same thing, not just the same place.
    texts = ["Очистить дорожный знак от объявлений"] * 10 + ["Знак развернут"] * 4
    keywords = [["знак", "объявление"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], keywords, PainCues.load())
    assert "развернут" not in label.lower(), label


def test_a_problem_spread_over_many_pains_is_no_boilerplate():
    # SPb April: litter on lawns is in six litter pains at once; the spread rule took «Мусор на газонах»
    # away from all of them and the biggest was labelled «Убрать мусор».
    litter = Candidate(("мусор", "газон"), "мусор на газоне", 0.3, 0.5)
    per_pain = [[Candidate((f"место{i}", "x"), "", 0.6, 0.8)] + [litter] * (i < 5) for i in range(12)]
    boiler = BoilerplateFilter().fit(per_pain)
    problems = PainCues.load().problem_cues
    assert boiler.is_boilerplate(("мусор", "газон"))
    assert not boiler.is_boilerplate(("мусор", "газон"), problems)
    formula = [[Candidate(("обратный", "связь"), "", 0.3, 0.5)] for _ in range(6)]
    assert BoilerplateFilter().fit(formula).is_boilerplate(("обратный", "связь"), problems)


def test_of_two_orders_of_the_same_words_the_one_that_opens_with_the_problem_labels():
    # «Газон от мусора» is cut out of «очистить газон от мусора»; members cover it as they cover «Мусор на
    # газоне», and it won on its letters.
    cues = PainCues.load()
    problems = frozenset(w for w in cues.problem_cues if "_" not in w)
    texts = ["Очистить газон от мусора"] * 6 + ["Мусор на газоне"] * 4
    found = candidates(texts, np.ones(10), np.ones(10), cues.cluster_stop_lemmas, cues.formulas, problems)
    surfaces = [c.surface for c in found]
    assert "Мусор на газоне" in surfaces and "газон от мусора" not in surfaces, surfaces


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        # After a preposition an accusative reads as a nominative: «в выходной банк не работает».
        ("Обидно, что в выходной банк не работает", "выходной банк не работает"),
        # A verb joined to a noun that has no verb of its own: the second clause is cut.
        ("Мне не позвонили и смс не прислали", "не позвонили и смс"),
        # «до сих пор» ends nothing.
        ("Заблокировали карту до сих пор", "Заблокировали карту до сих пор"),
    ],
)
def test_spans_cut_out_of_their_clause_are_no_candidates(text, bad):
    from models.pain_phrases import _spans

    surfaces = {surface for _, surface, _ in _spans(text, frozenset())}
    assert bad not in surfaces, surfaces
    assert surfaces, text  # the clause still yields spans («банк не работает», «не позвонили»)


def test_until_now_is_not_what_a_phrase_is_about():
    from models.pain_phrases import _spans

    keys = {key for key, surface, _ in _spans("Деньги до сих пор не вернули", frozenset())}
    assert ("не", "деньга", "вернуть") in keys, keys
    assert not any({"сей", "пора"} & set(key) for key in keys)


def test_a_request_is_not_replaced_by_a_statement_of_another_problem_area():
    # SPb: the pain of trees and bushes asks «Подстричь кусты»; «Мусор на дереве» is litter, not the trees.
    texts = ["Подстричь кусты"] * 10 + ["Мусор на дереве"] * 5 + ["Сломана ветка"] * 4
    keywords = [["куст", "дерево", "ветка", "подстричь"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], keywords, PainCues.load())
    assert "мусор" not in label.lower(), label


def test_what_hinders_is_a_problem():
    # SPb: the pain of posts that keep cars off the lawns was labelled «Парковки установили».
    texts = ["Парковки установили"] * 8 + ["Конструкции мешают парковке"] * 4
    keywords = [["парковка", "конструкция", "установить"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], keywords, PainCues.load())
    assert label == "Конструкции мешают парковке", label


def test_in_a_pain_of_long_texts_the_wider_phrase_wins():
    # Bank reviews: the widest phrase of a pain covers a tenth of it, so the bonuses for length, keywords and
    # area made «Ждут в офисе банка с документами» (said by 3 %) beat «Кредит не дали» (said by 13 %).
    filler = [f"Отзыв номер {i}: оформлял ипотеку, менеджер {i} долго считал платежи" for i in range(84)]
    texts = ["Документы собрали, а кредит не дали"] * 13 + ["Ждут в офисе банка с документами"] * 3 + filler
    keywords = [["документ", "справка", "заявка", "кредит", "ипотека"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], keywords, PainCues.load())
    assert label == "Кредит не дали", label


def test_a_label_is_not_a_bigger_pains_label_in_another_form():
    # Bank: «Кредит не оформили» labelled one pain and «Кредит не оформить» the next.
    first = ["Кредит не оформили", "кредит не оформили второй месяц"] * 4
    second = ["Кредит не оформить", "кредит не оформить никак", "Навязали страховку"] * 3
    labels = label_pains(
        CentralPhraseLabeller(), [members(first), members(second)], [["кредит"], ["кредит"]], PainCues.load()
    )
    assert labels[0] == "Кредит не оформили"
    assert lemma_key(labels[1]) != lemma_key(labels[0]), labels
