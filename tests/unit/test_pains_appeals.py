"""Pains of a small quarter of appeals (what a small municipality has): several problems, not one blob."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

from models.pains import PainFinder

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "appeals.csv"


def test_eighty_appeals_of_many_topics_give_many_pains():
    # 79 sample appeals of 2025Q2 about refuse, roads, roofs, graffiti, kindergartens, …: before the lift
    # rule in the linked-pain joins they came out as 2 pains, one holding 64 appeals under «Ситуация
    # повторяется из года»; with whole texts instead of their problem clauses, 1 pain of 76.
    frame = pd.read_csv(SAMPLES)
    quarter = frame[(frame.created_at >= "2025-04") & (frame.created_at < "2025-07")].assign(kind="appeal")
    report = PainFinder(unit="text").find(quarter, text_col="text", id_col="id")
    sizes = sorted((p.size for p in report.pains), reverse=True)
    assert len(sizes) >= 6
    assert sizes[0] <= 0.3 * len(quarter)
    primary = [report.item_pain.get(i) or "шум" for i in quarter.id]
    assert adjusted_mutual_info_score(quarter.process, primary) >= 0.3


def test_an_appeal_is_clustered_by_its_problem_clauses_not_its_formulas():
    from models.pain_cues import PainCues
    from nlp import Preprocessor

    text = (
        "Здравствуйте! Прошу разобраться в ситуации. Меня зовут Иванова Мария Петровна. "
        "Во дворе дома 5 третью неделю не вывозят мусор, баки переполнены. Прошу принять меры."
    )
    finder = PainFinder(unit="text")
    (found,) = finder._problem_fragments([text], Preprocessor(ner=False), PainCues.load())
    _, unit, lemmas, quote, read = found
    assert "мусор" in unit and "Прошу разобраться" not in unit and "Здравствуйте" not in unit
    assert "мусор" in lemmas and "разобраться" not in lemmas
    assert "Иванова" not in quote  # the quote source stays the whole masked appeal
    assert read == unit  # nothing to correct: the sentence model reads the same clauses


def test_a_clause_repeated_word_for_word_in_many_appeals_is_a_template_not_their_problem():
    # SPb March: one author quotes the same article of a regional law in 49 appeals; it must not be what they
    # are clustered by (nor make a pain of its own), while each appeal's own problem stays.
    from models.pain_cues import PainCues
    from nlp import Preprocessor

    law = (
        "Согласно статье 37 Закона Санкт-Петербурга об административных правонарушениях "
        "нарушение правил благоустройства влечет наложение административного штрафа."
    )
    problems = ["Во дворе не вывозят мусор.", "На опоре освещения висят объявления.", "Яма на дороге."]
    texts = [f"{problems[i % 3]} {law}" for i in range(9)] + [law] + problems * 4
    found = list(PainFinder(unit="text")._problem_fragments(texts, Preprocessor(ner=False), PainCues.load()))
    units = {index: (unit, lemmas) for index, unit, lemmas, _, _ in found}
    assert all("Согласно" not in unit and "штраф" not in lemmas for unit, lemmas in units.values())
    assert 9 not in units  # nothing but the template: no problem of its own
    assert "мусор" in units[0][1] and "объявление" in units[1][1]


def test_an_organisations_pasted_reply_is_no_part_of_the_complaint():
    # Bank reviews: 60 carry the bank's answer after the review («Газпромбанк 30 сентября 2024 Здравствуйте!
    # … команда экспертов»), 51 rows are nothing but one; their words made two pains of replies.
    from models.pain_cues import PainCues
    from nlp import Preprocessor

    reply = (
        "Газпромбанк 30 сентября 2024 Здравствуйте! Нам жаль, что вы столкнулись с данной ситуацией. "
        "Проверим информацию и вернемся с ответом. С уважением, Дмитрий, команда экспертов Газпромбанка"
    )
    texts = [
        f"Карту заблокировали без объяснения причин. {reply}",
        "Деньги не вернули. Ответ от представителя банка: Здравствуйте! Нарушений не выявлено.",
        reply,
        "Получил ответ 12 марта, ничего не решено",  # a date is no reply
    ]
    found = list(PainFinder(unit="text")._problem_fragments(texts, Preprocessor(ner=False), PainCues.load()))
    units = {index: lemmas for index, _, lemmas, _, _ in found}
    assert "заблокировать" in units[0] and not {"эксперт", "жаль", "проверить"} & set(units[0])
    assert units[1] == ["деньга", "не_вернуть"]
    assert 2 not in units
    assert "решить" in units[3] or "не_решить" in units[3]


def test_thanks_expressed_are_praise_even_when_negated():
    from models.pain_cues import PainCues

    cues = PainCues.load()
    assert cues.praises("Не выразить огромную благодарность сотрудникам")  # «не могу не выразить …»
    assert not cues.carries_problem("Не могу не выразить огромную благодарность менеджеру", [])


def test_a_worker_commended_is_praise_and_a_remark_is_not():
    # 55 bank reviews made a pain of praise labelled «Отметить сотрудников» («хочу отметить сотрудника …
    # за вежливость, прошу премировать»).
    from models.pain_cues import PainCues

    cues = PainCues.load()
    assert cues.praises("Хочу отметить сотрудника Анну за вежливость")
    assert cues.praises("Прошу премировать операциониста")
    assert not cues.carries_problem("Хочу отметить работу менеджера отделения", [])
    assert not cues.praises("Хочу отметить, что приложение не работает")


def test_a_pain_most_of_whose_reviews_praise_is_no_pain():
    # Bank: 23 reviews of «положительный отзыв, вежливость, профессионализм» made a pain labelled «Решила
    # написать отзыв»; 74 % of them praise somewhere, no other pain over 18 %.
    from models.pain_cues import PainCues
    from models.pain_fragments import FragmentRows
    from models.pains import _without_praise

    texts = [
        "Приложение не работает третий день", "Не могу войти в приложение",  # pain 0
        "Только положительные отзывы! Так держать", "Профессионал своего дела, желаю дальнейших успехов",
        "Решила написать отзыв. Побольше бы таких специалистов", "Вежливость",  # pain 1: 3 of 4 praise
        "Очередь в отделении на час. Спасибо охраннику, хоть стул дал",  # pain 2: 1 of 2 praises
        "В отделении очередь",
    ]
    labels = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    rows = FragmentRows(
        lemmas=[[] for _ in texts], shown=texts, read=texts, quote_source=texts,
        occurrences=[(i, i) for i in range(len(texts))],
        counts=np.ones(len(texts)),
        groups=np.zeros(len(texts)),
    )
    out, occurrences = _without_praise(labels, rows, PainCues.load(), share=0.6)
    assert list(out) == [0, 0, -1, -1, -1, -1, 1, 1]
    assert [r for _, r in occurrences] == [0, 1, 6, 7]  # praise items carry no problem
    unchanged, _ = _without_praise(labels, rows, PainCues.load(), share=0.0)
    assert list(unchanged) == list(labels)
