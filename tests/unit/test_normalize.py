"""Normalisation: the display form (clean_text) and the modelling form (model_text)."""

from __future__ import annotations

import pytest

from nlp.normalize import clean_text, model_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Еле\u0308нка", "Еленка"),  # decomposed ё → NFC → е
        ("и\u0306од", "йод"),  # decomposed й is composed, not stripped
        ("Ёжик ёлка", "Ежик елка"),
        ("замо\u0301к", "замок"),  # stress mark
        ("  много   пробелов\t\tи табов  ", "много пробелов и табов"),
        ("строка\r\n\r\n\r\nвторая", "строка\nвторая"),
        ("строка  \n   вторая", "строка\nвторая"),
        ("«ёлочки» „лапки“ “английские”", '"елочки" "лапки" "английские"'),
        ("‘одинарные’", "'одинарные'"),
        ("тире — и – дефис‑минус", "тире - и - дефис-минус"),
        ("нераз\u00adрывный\u200bтекст", "неразрывныйтекст"),
        ("a\u00a0b", "a b"),
        ("Ждём…", "Ждем..."),
    ],
)
def test_clean_text_unifies_characters(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>Яма во дворе</p><p>Вторая</p>", "Яма во дворе\nВторая"),
        ("Свет<br/>не горит", "Свет\nне горит"),
        ('<a href="https://x.ru">ссылка</a> тут', "ссылка тут"),
        ("Дом&nbsp;5 &laquo;Рога&raquo; &amp; копыта", 'Дом 5 "Рога" & копыта'),
        ("&amp;lt;b&amp;gt;жирный&amp;lt;/b&amp;gt;", "жирный"),  # escaped twice by an export
        ("<!-- комментарий -->Текст", "Текст"),
        ("если a < b и c > d", "если a < b и c > d"),  # not a tag: no letter right after "<"
    ],
)
def test_clean_text_removes_html_left_by_portal_exports(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_keeps_case_and_content() -> None:
    text = "Прошу отремонтировать кровлю МКД по ул. Ленина, д. 5."
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Звоните +7 (921) 123-45-67", "звоните <phone>"),
        ("тел. 8-921-123-45-67", "тел. <phone>"),
        ("89211234567 или 8 921 123 45 67", "<phone> или <phone>"),
        ("городской 123-45-67", "городской <phone>"),
        ("пишите на Ivan.Petrov@mail.ru", "пишите на <email>"),
        ("см. https://gorod.gov.spb.ru/problems/3267635/", "см. <url>"),
        ("www.gov.spb.ru и gorod.gov.spb.ru/x", "<url> и <url>"),
        ("дом 5, кв. 12, 2020 год, 10:30, 3,5 м", "дом <num>, кв. <num>, <num> год, <num>, <num> м"),
        ("площадь 50 м2", "площадь <num> м2"),
        ("Первая строка\nВторая  СТРОКА", "первая строка вторая строка"),
    ],
)
def test_model_text_lowercases_and_puts_placeholders(raw: str, expected: str) -> None:
    assert model_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "&amp;amp;amp;lt;br&amp;amp;amp;gt;",
        "<<b>b>текст",
        "e\u0308\u0301\u0308",
        "İstanbul ǅ",
        "\u2adc оператор",
        "&hellip\u037e",
    ],
)
def test_tricky_inputs_are_normalised_to_a_fixed_point(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once
    modelled = model_text(raw)
    assert model_text(modelled) == modelled


def test_model_text_never_contains_uppercase_or_line_breaks() -> None:
    text = model_text("ЖКС №2\nНе РАБОТАЕТ\tлифт &Alpha;")
    assert text == text.lower()
    assert "\n" not in text and "\t" not in text
