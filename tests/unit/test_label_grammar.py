"""Label spans keep what they depend on, and the grammar a label must have (models/pain_phrases.py `_spans`,
models/phrase_grammar.py `reads_as_statement`): failures seen on SPb tuning months."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        # A span never starts after the negation it needs: «убран мусор» says the opposite.
        ("Во дворе не убран мусор уже неделю", "убран мусор"),
        # A «чтобы» clause says what the writer wants: «Лужа не образовалась» headed a pain of puddles.
        ("Прочистить ливневку, чтобы лужа не образовалась", "лужа не образовалась"),
        # A genitive cut from its noun: «Освещения от несанкционированных рекламных табличек».
        ("Очистить опору освещения от несанкционированных рекламных табличек",
         "освещения от несанкционированных рекламных табличек"),
        # The object of a request cut from its verb: «Дорожный знак от несанкционированной рекламы».
        ("Очистить дорожный знак от несанкционированной рекламы",
         "дорожный знак от несанкционированной рекламы"),
    ],
)
def test_spans_never_drop_what_they_depend_on(text, bad):
    from models.pain_phrases import _spans

    surfaces = {surface for _, surface, _ in _spans(text, frozenset())}
    assert bad not in surfaces, surfaces
    assert surfaces, text


@pytest.mark.parametrize(
    ("words", "ok"),
    [
        ("Нет детская площадка", False),  # «нет» governs the genitive
        ("Нет детской площадки", True),
        ("Несанкционированные объявления на на опоре", False),  # a word written twice
        ("Полусферы и вывести", False),  # a noun with no verb joined to an infinitive
        ("Не позвонили и смс не прислали", True),  # two clauses
        ("Мусор в дворе", False),  # «во дворе»
        ("Мусор во дворе", True),
        ("Надо с газона убрать", False),  # a request with no object, its infinitive last
        ("Надо с газона убрать шины", True),
    ],
)
def test_grammar_of_negation_repeats_and_conjuncts(words, ok):
    from models.phrase_grammar import reads_as_statement

    assert reads_as_statement(words.split()) is ok
