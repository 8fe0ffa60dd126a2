"""razdel sentences/tokens and the regex feature tokens that must agree with razdel on ordinary words."""

from __future__ import annotations

import pytest

from nlp.normalize import model_text
from nlp.tokenize import feature_tokens, sentences, tokens


def test_sentences_split_at_sentence_ends_not_at_abbreviations() -> None:
    text = "Не горит свет на ул. Ленина. Прошу починить! Спасибо?"
    assert sentences(text) == ["Не горит свет на ул. Ленина.", "Прошу починить!", "Спасибо?"]


def test_tokens_keep_punctuation_and_hyphenated_words() -> None:
    assert tokens("Санкт-Петербург, пр-т Стачек.") == ["Санкт-Петербург", ",", "пр-т", "Стачек", "."]


def test_feature_tokens_keep_placeholders_whole() -> None:
    assert feature_tokens("дом <num>, звоните <phone> или <email>") == [
        "дом", "<num>", ",", "звоните", "<phone>", "или", "<email>",
    ]  # fmt: skip


def test_feature_tokens_return_each_punctuation_mark_as_a_boundary() -> None:
    assert feature_tokens("нет!!! свет...") == ["нет", "!", "!", "!", "свет", ".", ".", "."]


@pytest.mark.parametrize(
    "text",
    [
        "Во дворе дома по ул. Ленина уже неделю не горят фонари, дети ходят в темноте.",
        "Управляющая компания не реагирует на заявки: протечка с крыши, плесень в квартире.",
        "На пр-те Стачек разбит тротуар; кто-то оставил мусор у парадной.",
        "Сломан шлагбаум (уже давно), машины паркуются на газоне - прошу принять меры!",
        "Wi-Fi в МФЦ не работает, талон «электронной очереди» не выдают.",
    ],
)
def test_feature_word_tokens_equal_razdel_words_on_ordinary_sentences(text: str) -> None:
    normalised = model_text(text)
    ours = [t for t in feature_tokens(normalised) if t[0].isalnum()]
    theirs = [t for t in tokens(normalised) if t[0].isalnum()]
    assert ours == theirs


def test_masking_placeholders_stay_one_token() -> None:
    assert tokens("Звонил [ФИО] по [ТЕЛЕФОН].") == ["Звонил", "[ФИО]", "по", "[ТЕЛЕФОН]", "."]
    assert tokens("список [а] и [ ФИО ]") == ["список", "[", "а", "]", "и", "[", "ФИО", "]"]
