"""Which of a pain's shared phrases becomes its label (models.pain_naming.label_pains)."""

from __future__ import annotations

from models.pain_cues import PainCues
from models.pain_labels import CentralPhraseLabeller
from models.pain_naming import label_pains
from tests.conftest import pain_members as members


def test_a_wide_problem_beats_a_narrow_phrase_that_only_holds_a_keyword():
    # Bank reviews of UnionPay cards abroad: «Не принимают карты» is said by many, «Карта была необходима для
    # поездки» by one and names no problem, only the pain's keyword «поездка».
    texts = [
        "В магазинах не принимают карты",
        "Банкоматы не принимают карты, пришлось менять наличные",
        "не принимают карты почти нигде",
        "Отель не принимал карты",
        "Карта была необходима для поездки, а в итоге бесполезна",
        "Открыла карту для поездки в Турцию",
        "Курс конвертации грабительский",
        "Пересчитывали деньги по курсу несколько дней",
    ]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["турция", "поездка"]], PainCues.load())
    assert label == "Не принимают карты", label


def test_a_pain_of_bare_requests_is_named_by_the_request_not_by_one_authors_phrase():
    # SPb appeals sent with a photo: most say «Очистить» and no more; each longer one names its own object.
    import numpy as np

    from models.pain_labels import PainMembers

    texts = ["Очистить", "очистить!", "Очистите", "Очистить столб от позора города",
             "Очистить и окрасить ограду", "Просьба очистить пешеходную зону моста",
             "Очистить информационную доску", "Очистить территорию"]
    counts = np.array([30.0, 6.0, 5.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    pain = PainMembers(texts, counts, np.linspace(0.9, 0.6, len(texts)), np.eye(len(texts)), list(texts))
    [label] = label_pains(CentralPhraseLabeller(), [pain], [["очистить", "столб", "ограда"]], PainCues.load())
    assert label == "Очистить (без уточнения)", label


def test_a_shared_phrase_still_wins_over_a_bare_text():
    texts = ["Мусор", "Мусор во дворе не вывозят", "Во дворе мусор не вывозят неделю",
             "мусор во дворе не вывозят", "Не вывозят мусор во дворе дома 5"]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["мусор", "вывозить"]], PainCues.load())
    assert "без уточнения" not in label, label


def test_one_answers_problem_does_not_displace_a_phrase_two_answers_share():
    # Planted «yards» (session 22): a parking pain, each answer in its own words, with a playground answer
    # drawn in. «Карусель не крутится год» states a problem and holds the weak keyword «год», but one person
    # says it; «Стоянка у магазина вечно забита» is said twice.
    import numpy as np

    from models.pain_labels import PainMembers

    texts = [
        "Брошенные автомобили годами стоят.",
        "газоны превращены в стоянку.",
        "карусель не крутится год.",
        "некуда поставить автомобиль вечером!!!",
        "нужна парковка возле дома!",
        "парковка во дворе платная",
        "из-за припаркованных авто не видно детей на дороге!!!",
        "Проезд перегорожен припаркованных машинами!",
        "расширьте парковку у поликлиники",
        "Стоянка у магазина вечно забита.",
        "хаотичная парковка.",
        "шлагбаум не работает.",
    ]
    counts = np.array([1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1], dtype=float)
    closeness = np.array([0.79, 0.65, 0.66, 0.64, 0.8, 0.7, 0.59, 0.79, 0.77, 0.75, 0.8, 0.66])
    pain = PainMembers(texts, counts, closeness, np.eye(len(texts)), list(texts))
    keywords = [["парковка", "стоянка", "припарковать", "автомобиль", "год", "магазин"]]
    [label] = label_pains(CentralPhraseLabeller(), [pain], keywords, PainCues.load())
    assert label == "Стоянка у магазина вечно забита", label


def test_one_authors_short_text_does_not_name_a_small_pain():
    # Planted «education»: a pain of four answers about paid clubs, one of them «Бахилы платные» — a quarter
    # of the members, but one person.
    texts = ["Бахилы платные", "Все кружки платные", "Дополнительное образование только за деньги",
             "Продленка платная и дорогая"]
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["платный", "кружок"]], PainCues.load())
    assert "без уточнения" not in label, label
