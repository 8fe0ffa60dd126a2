"""Slips corrected to the words the same texts use (nlp/spelling.py)."""

from __future__ import annotations

import pytest

from nlp.spelling import SpellingFixer, plain_case

ANSWERS = [
    "народу много",
    "Очень много народу в зале",
    "очереди огромные",
    "в очереди три часа",
    "нет пандуса у входа",
    "пандус крутой",
    "персонал грубый",
    "грубость персонала",
    "мфц закрыт",
    "мфц на ремонте",
    "мфц далеко",
    "дали неправильную консультацию",
    "консультация по телефону",
    "нужна консультацию юриста",
    "пришлось приходить три раза",
    "с первого раза не приняли",
    "ещё раз пришла",
    "не сказали сразу",
    "сразу отказали",
]


@pytest.mark.parametrize(
    "slip, fixed",
    [
        ("нардоу", "народу"),  # two letters swapped
        ("очеереди", "очереди"),  # a letter doubled
        ("Тлпа", "Тлпа"),  # «толпа» is no word of these texts: nothing to correct to
        ("падуса", "пандуса"),  # a letter dropped; the form is new, its word («пандус») is used
        ("песонала", "персонала"),
        ("ПЕРСНОАЛ", "ПЕРСОНАЛ"),  # the case it was written in
        ("консультациы", "консультацию"),  # of the word's forms one edit away, the one the texts use
        ("сраз", "сразу"),  # not «раз», more frequent but without the first letter
    ],
)
def test_a_slip_becomes_the_word_the_texts_use(slip, fixed):
    fixer = SpellingFixer.learn(ANSWERS + [slip])
    assert fixer.fix_text(slip) == fixed


def test_words_the_texts_use_again_and_again_are_no_slips():
    fixer = SpellingFixer.learn(ANSWERS + ["мфк"])
    # «мфц» is unknown to the dictionary but written three times: it stays, and «мфк» (three letters) too
    assert fixer.fix_text("В МФЦ очередь") == "В МФЦ очередь"
    assert fixer.fix_text("мфк") == "мфк"
    # a known word is never «corrected» to a more frequent neighbour
    assert SpellingFixer.learn(ANSWERS + ["народ"]).fix_text("народ") == "народ"


def test_plain_case_lowers_shouted_answers_only():
    shouted = "НЕУВАЖИТЕЛЬНОЕ ОТНОШЕНИЕ К ПОСЕТИТЕЛЯМ!!!"
    assert plain_case(shouted) == "Неуважительное отношение к посетителям!!!"
    assert plain_case("В МФЦ очередь") == "В МФЦ очередь"
    assert plain_case("МФЦ") == "МФЦ"
