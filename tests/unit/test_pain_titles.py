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
        "Разбито стекло в окне на лестничной площадке",
        "Отсутствует табличка с номерами квартир в подъезде",
        "Отслаивается краска на стенах парадной",
        "На площадке третьего этажа отсутствует плафон",
        "Сломан почтовый ящик в подъезде",
        "Не закрыт электрощиток на пятом этаже",
        "Шатаются перила на лестнице",
        "Нет номера на двери парадной",
        "Отклеилась плитка на полу в подъезде",
        "Нет ручки на окне на лестнице",
        "Трещина в ступеньке лестницы",
        "В парадной сорван кабель-канал",
        "Торчат провода из стены подъезда",
        "Дыра в потолке тамбура",
        "На этаже не закрывается мусоропровод",
        "Облупилась побелка в холле",
        "Оторван плинтус в парадной",
        "Выбит кирпич у входа в подъезд",
        "Погнут козырёк над входом в подъезд",
        "Грибок на стене лестничной клетки",
        "Пятна сырости на потолке парадной",
        "Скрипит дверь на этаже",
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
        "Ржавый забор вдоль дома",
        "Забор покосился",
        "Покрасить забор, облезла краска",
        "Железный забор погнут",
        "Кривой забор у детской площадки",
        "Сломан забор у школы",
        "Ограждение ржавое и кривое",
        "Забор весь в ржавчине",
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
    places = [n for n in concepts.names if n.startswith("loc_")]
    wheres = dict(zip(concepts.names, concepts.wheres, strict=True))
    assert places and all(wheres[n] for n in places), "every place needs «where» (ads on road signs)"


def test_no_title_when_two_problem_areas_are_nearly_as_common():
    # SPb January: a pain of snow on roads names «дорога» and «снег» alike; the road title («Повреждение
    # дорожного покрытия») misnamed 563 appeals of uncleared snow.
    snowy = [
        "Не очищена дорога от снега у дома 5",
        "Сугробы на проезжей части дороги",
        "снег на дороге лежит три дня",
        "Колея в снегу, машины буксуют на дороге",
        "Дорогу занесло после метели",
        "Наледь на дороге у остановки",
        "Проезд по дороге невозможен из-за снега",
        "Дорога в ледяной корке",
        "Снежный вал вдоль дороги мешает",
        "Гололед на дороге, ничем не посыпано",
        "Грейдер оставил снег посреди дороги",
        "снегом завалена дорога",
        "Дорога покрыта слоем льда",
        "Не вывезен снег с обочины дороги",
        "Каша из снега на дороге",
        "Скользко на дороге у перекрестка",
        "Дорогу сузили сугробы",
        "По дороге не пройти: снег",
        "Убрать снег с дороги во дворе",
        "Дорожное покрытие под снегом не видно",
        "Ледяные колеи на дороге",
        "Дорога не расчищена после снегопада",
        "Снег сбросили на дорогу с крыши",
        "Песком дорогу не посыпают, лед",
    ]
    [label] = label_pains(CentralPhraseLabeller(), [members(snowy)], [["дорога", "снег"]], PainCues.load())
    assert label != "Повреждение дорожного покрытия", label


def test_a_place_most_members_name_a_problem_at_is_titled_by_the_problem_there():
    # SPb: ads and graffiti on road signs whose best phrase was one author's («Развернут дорожный знак»,
    # 187 appeals in December) would be titled by the place («Неисправные дорожные знаки»).
    from models.pain_naming import _area_title
    from models.pain_phrases import Candidate

    signs = [
        "Очистить дорожный знак от рекламы",
        "Наклейки на дорожном знаке у школы",
        "Объявления на знаке перехода",
        "На знаке расклеена реклама такси",
        "Дорожный знак заклеен объявлениями",
        "Граффити на дорожном знаке",
        "Знак весь в наклейках",
        "Реклама на знаке пешеходного перехода",
        "Надписи на дорожном знаке маркером",
        "Реклама на знаках у поликлиники",
        "Объявления клеят на знак остановки",
        "Листовки на знаке главной",
        "Знак стоянки обклеен объявлениями",
        "Баннер прикручен к знаку",
        "Знак уступи дорогу весь в рекламе",
        "знак изрисован краской",
        "Знак парковки исписан",
        "Знак кирпич закрашен черным",
        "Изрисовали знак",
        "Знак исписали маркером",
        "Знак в каракулях",
        "Разрисованный знак на перекрестке",
        "Знак испачкан",
    ]
    one_author = Candidate(("знак", "исписать"), "Знак исписали", 0.02, 0.9, True, False)
    title = _area_title(members(signs), 0.3, one_author)
    assert title == "Надписи и несанкционированная реклама на дорожных знаках и светофорах", title
    stairs = ["Отслаивается краска в парадной", "Разбито стекло на лестнице", "Нет плафона на этаже"] * 8
    stairs_author = Candidate(("разбить", "стекло"), "Разбито стекло", 0.02, 0.9, True, False)
    assert _area_title(members(stairs), 0.3, stairs_author) == "Неудовлетворительное состояние парадной"
    # Only a place's catch-all: survey answers about slow documents keep their own rare phrase, which the
    # documents title («Требуют лишние документы») would misname.
    slow = ["Документы готовили очень долго", "Долго делали справку", "Документы ждала месяц"] * 8
    rare = Candidate(("документ", "готовить", "очень", "долго"), "Документы готовили очень долго", 0.02, 0.9)
    assert _area_title(members(slow), 0.3, rare) is None


def test_a_phrase_naming_only_the_place_yields_to_its_title():
    # SPb February: 695 stairwell appeals labelled «Парадная черная лестница» (of «… черная лестница
    # необходимо повесить плафон»): where, not what is wrong.
    from models.pain_naming import _area_title
    from models.pain_phrases import Candidate

    stairs = ["Отслаивается краска в парадной", "Разбито стекло на лестнице", "Нет плафона на этаже"] * 8
    key = ("парадный", "черный", "лестница")
    where_only = Candidate(key, "Парадная черная лестница", 0.07, 0.9, False, True)
    assert _area_title(members(stairs), 0.14, where_only) == "Неудовлетворительное состояние парадной"
    # A request for a thing is no place: «Необходимо ограждение для газона» keeps its label.
    fence = ["Необходимо ограждение для газона", "Поставить ограждение газона", "Сломано ограждение"] * 8
    key = ("ограждение", "газон")
    request = Candidate(key, "Необходимо ограждение для газона", 0.3, 0.9, False, True)
    assert _area_title(members(fence), 0.3, request) is None


def test_a_label_is_not_a_bigger_pains_label_with_a_word_of_many_pains_added():
    # Bank reviews: «Не выполнили условия» (156) and «Банк не выполнил условия» (126) side by side; «банк» is
    # a keyword of most pains and sets neither apart.
    conditions = ["Не выполнили условия акции", "Банк не выполнил условия вклада", "условия не выполнили"] * 5
    cashback = ["Банк не выполнил условия акции", "банк не выполнил условия по кешбэку"] * 5 + [
        "Не начислили кешбэк за покупки", "кешбэк за покупки не начислили",
    ] * 2
    app = ["Приложение банка не работает", "Не работает приложение", "приложение банка виснет"] * 4
    labels = label_pains(
        CentralPhraseLabeller(),
        [members(conditions), members(cashback), members(app)],
        [["банк", "условие"], ["банк", "условие", "кешбэк"], ["банк", "приложение"]],
        PainCues.load(),
    )
    assert labels[0] == "Не выполнили условия", labels
    assert labels[1] != "Банк не выполнил условия", labels
