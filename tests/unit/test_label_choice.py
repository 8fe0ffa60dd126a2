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
