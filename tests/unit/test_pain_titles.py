"""Pains named by their problem area (data/lexicon/pain_area_titles.yaml) when no phrase of theirs is."""

from __future__ import annotations

from models.pain_cues import PainCues
from models.pain_labels import CentralPhraseLabeller
from models.pain_naming import label_pains
from tests.conftest import pain_members as members


def test_a_catch_all_of_small_defects_is_named_by_its_area():
    # SPb April: 912 appeals of small defects in stairwells, each said by one author («отсутствуют вставки в
    # пластроне щитка», «не закреплена накладка дверной ручки»), were labelled by one of them.
    defects = [
        "Отсутствуют вставки в пластроне щитка на лестнице",
        "Не закреплена накладка дверной ручки в парадной",
        "Разбито стекло в окне на лестничной площадке", "Отсутствует табличка с номерами квартир в подъезде",
        "Отслаивается краска на стенах парадной", "На площадке третьего этажа отсутствует плафон",
        "Сломан почтовый ящик в подъезде", "Не закрыт электрощиток на пятом этаже",
        "Шатаются перила на лестнице", "Нет номера на двери парадной",
        "Отклеилась плитка на полу в подъезде", "Нет ручки на окне на лестнице",
        "Трещина в ступеньке лестницы", "В парадной сорван кабель-канал", "Торчат провода из стены подъезда",
        "Дыра в потолке тамбура", "На этаже не закрывается мусоропровод", "Облупилась побелка в холле",
        "Оторван плинтус в парадной", "Выбит кирпич у входа в подъезд", "Погнут козырёк над входом в подъезд",
        "Грибок на стене лестничной клетки", "Пятна сырости на потолке парадной", "Скрипит дверь на этаже",
    ]
    keywords = [["парадная", "этаж"]]
    [label] = label_pains(CentralPhraseLabeller(), [members(defects)], keywords, PainCues.load())
    assert label == "Неудовлетворительное состояние парадной"


def test_a_phrase_most_members_share_keeps_its_place_over_the_area():
    texts = ["Не работает лифт в подъезде", "лифт не работает неделю", "Опять не работает лифт"] * 4
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["лифт"]], PainCues.load())
    assert label == "Не работает лифт"


def test_a_phrase_of_a_problem_few_members_have_yields_to_the_area():
    # SPb: rusty, bent, unpainted fences were labelled «Мусор вдоль забора» (8 of 45 members).
    fences = [
        "Ржавый забор вдоль дома", "Забор покосился", "Покрасить забор, облезла краска",
        "Железный забор погнут", "Кривой забор у детской площадки", "Сломан забор у школы",
        "Ограждение ржавое и кривое", "Забор весь в ржавчине",
    ] * 3
    texts = fences + ["Мусор вдоль забора"] * 5
    [label] = label_pains(CentralPhraseLabeller(), [members(texts)], [["забор", "ржавый"]], PainCues.load())
    assert label == "Неудовлетворительное состояние ограждений и сооружений", label


def test_every_problem_area_has_its_own_title():
    from models.pain_concepts import PainConcepts

    concepts = PainConcepts.load()
    assert len(concepts.titles) == len(concepts.names)
    missing = [n for n, t in zip(concepts.names, concepts.titles, strict=True) if not t]
    assert not missing, f"data/lexicon/pain_area_titles.yaml has no title for {missing}"
    assert len(set(concepts.titles)) == len(concepts.titles)  # two pains never share a title
