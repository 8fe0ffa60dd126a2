"""Lemmas of appeal vocabulary: team-written expectations, the domain lexicon and its file format."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from nlp.lemmatize import (
    LEXICON_DIR,
    MASKED,
    Lemmatizer,
    Lexicon,
    LexiconError,
    morph_analyzer,
    pymorphy_lemma,
    uses_dawg_extension,
)

# (word form as citizens write it, the lemma an analyst expects). Written by the team from appeal vocabulary;
# about a third are forms plain pymorphy3 gets wrong in this domain (ямы → «ям», парадной → «парадный»).
LEMMA_CASES = [
    ("ямы", "яма"),
    ("ям", "яма"),
    ("ямах", "яма"),
    ("яму", "яма"),
    ("парадной", "парадная"),
    ("парадных", "парадная"),
    ("подьезде", "подъезд"),
    ("подъезде", "подъезд"),
    ("управляйка", "ук"),
    ("управляйку", "ук"),
    ("управляшка", "ук"),
    ("пухто", "пухто"),
    ("сосули", "сосулька"),
    ("сосульки", "сосулька"),
    ("мусорки", "мусорка"),
    ("полы", "пол"),
    ("стоит", "стоять"),
    ("опоре", "опора"),
    ("арке", "арка"),
    ("парке", "парк"),
    ("лифты", "лифт"),
    ("протечки", "протечка"),
    ("крыши", "крыша"),
    ("батареи", "батарея"),
    ("подвале", "подвал"),
    ("тараканы", "таракан"),
    ("двери", "дверь"),
    ("фонари", "фонарь"),
    ("поребрика", "поребрик"),
    ("сугробы", "сугроб"),
    ("гололёд", "гололед"),
    ("платёжка", "платежка"),
    ("квитанции", "квитанция"),
    ("дворники", "дворник"),
    ("работает", "работать"),
    ("течёт", "течь"),
    ("отсутствует", "отсутствовать"),
    ("вывезли", "вывезти"),
    ("отопления", "отопление"),
    ("горячей", "горячий"),
    ("воды", "вода"),
    ("света", "свет"),
    ("мкд", "мкд"),
    ("жкх", "жкх"),
    ("мфц", "мфц"),
    ("ук", "ук"),
    ("тсж", "тсж"),
    ("газоне", "газон"),
    ("урны", "урна"),
    ("контейнеры", "контейнер"),
    ("деревья", "дерево"),
    ("скамейки", "скамейка"),
    ("маршрутки", "маршрутка"),
    ("кровли", "кровля"),
    ("наледи", "наледь"),
    ("ливневки", "ливневка"),
    ("самокаты", "самокат"),
    ("проводов", "провод"),
    ("антена", "антенна"),
    ("снега", "снег"),
    ("дома", "дом"),
    ("жильцов", "жилец"),
    ("лужу", "лужа"),
    ("потолки", "потолок"),
    ("подтеки", "подтек"),
    ("Управляйки", "ук"),
    ("ЯМЫ", "яма"),
    ("обьявления", "объявление"),
    ("отсутсвует", "отсутствовать"),
]


@pytest.fixture(scope="module")
def lemmatizer() -> Lemmatizer:
    return Lemmatizer(Lexicon.load())


def test_pymorphy_reads_dictionaries_with_the_dawg2_extension() -> None:
    assert uses_dawg_extension()


def test_team_lemma_cases_are_at_least_95_percent_exact(lemmatizer: Lemmatizer) -> None:
    assert len(LEMMA_CASES) >= 40
    wrong = [(form, want, lemmatizer(form)) for form, want in LEMMA_CASES if lemmatizer(form) != want]
    rate = 1 - len(wrong) / len(LEMMA_CASES)
    assert rate >= 0.95, f"{rate:.1%} exact; wrong (form, expected, got): {wrong}"


def test_lemmas_never_contain_yo(lemmatizer: Lemmatizer) -> None:
    assert "ё" not in lemmatizer("ёлки") + lemmatizer("пришёл") + lemmatizer("гололёдом")


def test_punctuation_and_placeholders_pass_through(lemmatizer: Lemmatizer) -> None:
    assert [lemmatizer(t) for t in (",", "<num>", "<phone>")] == [",", "<num>", "<phone>"]


def test_runs_of_x_masked_by_the_portal_become_one_feature(lemmatizer: Lemmatizer) -> None:
    assert [lemmatizer(w) for w in ("xx", "XXXXXXX", "x", "xxl")] == [MASKED, MASKED, "x", "xxl"]


def test_cache_is_bounded_and_not_pickled() -> None:
    small = Lemmatizer(Lexicon.load(), cache_size=3)
    for word in ("ямы", "дома", "двери", "крыши", "воды"):
        small(word)
    assert len(small._cache) <= 3
    restored = pickle.loads(pickle.dumps(small))
    assert restored._cache == {}
    assert restored("ямы") == "яма"


def _copy_lexicon(tmp_path: Path) -> Path:
    target = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, target)
    return target


def test_an_added_override_changes_the_lemma_and_the_digest(tmp_path: Path) -> None:
    directory = _copy_lexicon(tmp_path)
    with (directory / "lemma_overrides.tsv").open("a", encoding="utf-8") as f:
        f.write("=дверь\tвходная_дверь\n")
    edited = Lexicon.load(directory)
    assert Lemmatizer(edited)("двери") == "входная_дверь"
    assert edited.digest != Lexicon.load().digest


def test_malformed_override_names_file_and_line(tmp_path: Path) -> None:
    directory = _copy_lexicon(tmp_path)
    lines = (directory / "lemma_overrides.tsv").read_text(encoding="utf-8").splitlines()
    lines.append("ямы яма без табуляции")
    (directory / "lemma_overrides.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"lemma_overrides\.tsv, line {len(lines)}"):
        Lexicon.load(directory)


def test_unknown_abbreviation_context_is_rejected(tmp_path: Path) -> None:
    directory = _copy_lexicon(tmp_path)
    with (directory / "abbreviations.tsv").open("a", encoding="utf-8") as f:
        f.write("ж/д\tжелезная_дорога\tsometimes\n")
    with pytest.raises(LexiconError, match="abbreviations.tsv, line .*context"):
        Lexicon.load(directory)


def test_missing_lexicon_file_is_named(tmp_path: Path) -> None:
    directory = _copy_lexicon(tmp_path)
    (directory / "negation.txt").unlink()
    with pytest.raises(LexiconError, match="negation.txt"):
        Lexicon.load(directory)


@pytest.mark.parametrize(
    "word",
    ["вечеые", "управляйка", "пухто", "псевдоремонт", "сверхбыстро", "кое-как", "wi-fi", "iphone", "xiv",
     "мусоропроводище", "недоасфальтировали", "раскопали", "ям", "ё-моё", "квт-ч", "123", "a1b2",
     "дворник-таджик"],
)
def test_unknown_word_shortcut_gives_pymorphys_first_parse(word: str) -> None:
    assert pymorphy_lemma(word) == morph_analyzer().parse(word)[0].normal_form.replace("ё", "е")
