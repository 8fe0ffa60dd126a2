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
