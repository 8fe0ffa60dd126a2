"""Complaint fragments on team-written appeals and survey answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from razdel import sentenize

from nlp.fragments import FragmentRules, split_fragments


def fragments(text: str) -> list[str]:
    return split_fragments([s.text for s in sentenize(text)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Двор убирают, но мусор не вывозят; лифт стоит.",
         ["Двор убирают", "мусор не вывозят", "лифт стоит."]),
        ("Сломан лифт, а также не работает домофон.", ["Сломан лифт", "не работает домофон."]),
        ("Трубы текут, однако УК ничего не делает", ["Трубы текут", "УК ничего не делает"]),
        ("Грязно в подъезде, кроме того крысы в подвале", ["Грязно в подъезде", "крысы в подвале"]),
        ("Обещали сделать, а ничего не сделали.", ["Обещали сделать", "ничего не сделали."]),
        ("Проблемы: 1) очереди 2) грубость персонала", ["очереди", "грубость персонала"]),
        ("1. Долго ждал. 2. Не дозвонился. 3. Сайт не работает.",
         ["Долго ждал.", "Не дозвонился.", "Сайт не работает."]),
        ("- очереди\n- хамство\n- долго", ["очереди", "хамство", "долго"]),
        ("Складируют мусор, а также то, что не является ТБО",
         ["Складируют мусор", "то, что не является ТБО"]),
        ("много мусора на дороге. песок у тротуаров, ул. ленина",
         ["много мусора на дороге.", "песок у тротуаров, ул. ленина"]),
        ("В целом нормально, но сроки нарушены. Очень неудобно.", ["сроки нарушены."]),
        ("Основная проблема - получил отписку", ["получил отписку"]),
        ("Услугу получил но специалист не смог объяснить", ["специалист не смог объяснить"]),
        ("Нет лампы. Адрес: Искровский пр., д. 3 (парадная 8).\nТелефон: [ТЕЛЕФОН]", ["Нет лампы."]),
        ("Потекла крыша. 2-ая парадная.", ["Потекла крыша. 2-ая парадная."]),
        ("Очереди в МФЦ, а ещё талоны заканчиваются к обеду",
         ["Очереди в МФЦ", "талоны заканчиваются к обеду"]),
    ],
)
def test_splits_at_clauses_lists_and_conjunctions(text: str, expected: list[str]) -> None:
    assert fragments(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Здравствуйте!", "Спасибо!", "Нет", "Проблем не было", "всё хорошо", "С уважением, [ФИО]", " ... ", ""],
)
def test_boilerplate_and_no_problem_answers_give_no_fragment(text: str) -> None:
    assert fragments(text) == []


@pytest.mark.parametrize("text", ["очереди", "долго ждать", "грубый персонал в окне 5"])
def test_short_survey_answer_stays_one_fragment(text: str) -> None:
    assert fragments(text) == [text]


def test_greeting_and_request_are_stripped_order_kept() -> None:
    text = "Здравствуйте, у нас во дворе яма. Во дворе темно, фонари не горят. Прошу разобраться. Спасибо!"
    assert fragments(text) == ["у нас во дворе яма.", "Во дворе темно, фонари не горят."]


def test_no_split_inside_a_imenno_and_house_numbers() -> None:
    assert fragments("Прошу принять меры, а именно отремонтировать крышу") == [
        "Прошу принять меры, а именно отремонтировать крышу"
    ]
    assert fragments("Дом 5. Сломан лифт.") == ["Дом 5.", "Сломан лифт."]


def test_location_detail_sentence_joins_the_previous_fragment() -> None:
    assert fragments("Нет двери у лифта. 2 парадная. Очень грязно.") == [
        "Нет двери у лифта. 2 парадная.",
        "Очень грязно.",
    ]
    assert fragments("Очереди. Хамство.") == ["Очереди.", "Хамство."]
    assert fragments("1. Долго ждал. 2. Очереди.") == ["Долго ждал.", "Очереди."]


def test_placeholders_are_kept_inside_a_fragment() -> None:
    expected = ["Мастер [ФИО] не пришёл", "заявку закрыли"]
    assert fragments("Мастер [ФИО] не пришёл, но заявку закрыли") == expected


def test_rules_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "fragments.yaml"
    bad.write_text("split_after_comma: [но]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fragments.yaml"):
        FragmentRules.from_yaml(bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=6))
def test_any_sentences_give_clean_fragments_from_the_input(sentences: list[str]) -> None:
    words_in = set(re.findall(r"\w+", " ".join(sentences)))
    for fragment in split_fragments(sentences):
        assert fragment == fragment.strip() and any(c.isalpha() for c in fragment)
        assert set(re.findall(r"\w+", fragment)) <= words_in


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("Единственное — детские выплаты задерживаются", ["детские выплаты задерживаются"]),
        ("по телефону не дозвонишься, ужас", ["по телефону не дозвонишься"]),
        ("Как всегда, записаться нереально. Надоело", ["записаться нереально."]),
        ("Лифт не работает + крыша течёт", ["Лифт не работает", "крыша течёт"]),
    ],
)
def test_survey_framing_and_exclamations_are_not_fragments(text, fragments):
    from nlp.tokenize import sentences

    assert split_fragments(sentences(text)) == fragments
