"""Preprocessor: features (stopwords, negation, abbreviations in context), Doc, pipe, pickling, version."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from nlp import Doc, Preprocessor
from nlp.lemmatize import LEXICON_DIR
from nlp.pii import find_regex_spans


@pytest.fixture(scope="module")
def p() -> Preprocessor:
    return Preprocessor(ner=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Не работает лифт", ["не_работать", "лифт"]),
        ("Нет света в подъезде", ["нет_свет", "подъезд"]),
        ("нет у нас света", ["нет_свет"]),  # stopwords between the negation and its word are skipped
        ("Свет не горит.", ["свет", "не_гореть"]),
        ("Лифт работает? Нет.", ["лифт", "работать", "нет"]),  # «нет» alone is an answer, kept
        ("Нет", ["нет"]),
        ("Совсем не.", ["совсем"]),  # a dangling «не» is a stopword
        ("не, свет", ["свет"]),  # punctuation ends the negation's reach
        ("нет < 5 > дом", ["нет", "<num>", "дом"]),  # bare angle brackets are punctuation, not features
    ],
)
def test_negation_is_one_feature(p: Preprocessor, text: str, expected: list[str]) -> None:
    assert p.features(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("д. 5", ["дом", "<num>"]),
        ("кв. 12", ["квартира", "<num>"]),
        ("ул. Ленина", ["улица", "ленин"]),
        ("пр. Ветеранов", ["проспект", "ветеран"]),
        ("пр-т Стачек", ["проспект", "стачка"]),
        ("на пр-те Стачек", ["проспект", "стачка"]),
        ("в 2020 г. в г. Пушкин", ["<num>", "год", "город", "пушкин"]),
        ("кв.м", ["кв"]),  # «кв» without a number is not a flat
        ("Управляйка и УК и МКД", ["ук", "ук", "мкд"]),
    ],
)
def test_abbreviations_expand_in_context(p: Preprocessor, text: str, expected: list[str]) -> None:
    assert p.features(text) == expected


def test_boilerplate_and_general_stopwords_are_dropped(p: Preprocessor) -> None:
    text = "Здравствуйте! Уважаемые сотрудники, прошу, пожалуйста, убрать мусор. Заранее спасибо! С уважением"
    assert p.features(text) == ["сотрудник", "убрать", "мусор"]


def test_stages_can_be_switched_off() -> None:
    text = "Здравствуйте, не работает лифт"
    plain = Preprocessor(ner=False, stopwords=False, negation=False).features(text)
    assert plain[1:] == ["не", "работать", "лифт"]
    assert plain[0].startswith("здравств")


def test_features_are_lower_case_and_yo_free(p: Preprocessor) -> None:
    features = p.features("ЁЛКИ во ДВОРЕ Шумят, ГОЛОЛЁД")
    assert features == [f.lower() for f in features]
    assert not any("ё" in f for f in features)


def test_normalize_is_the_char_ngram_input(p: Preprocessor) -> None:
    assert p.normalize("Звоните 89211234567, ДОМ 5") == "звоните <phone>, дом <num>"


def test_doc_has_all_fields_and_lemmas_equal_features() -> None:
    p = Preprocessor(ner=False)
    text = "Здравствуйте!  Во дворе д. 5 кв. 12 нет света; звоните 89211234567 или a.b@mail.ru"
    doc = p(text)
    assert isinstance(doc, Doc)
    assert doc.text == text
    assert doc.lemmas == p.features(text)
    assert "89211234567" not in doc.masked_text and "a.b@mail.ru" not in doc.masked_text
    assert {s.kind for s in doc.pii} >= {"PHONE", "EMAIL"}
    assert doc.sentences and all(s in doc.masked_text for s in doc.sentences)
    assert doc.tokens and all(t in doc.masked_text for t in doc.tokens)
    assert doc.fragments and all("89211234567" not in f for f in doc.fragments)


def test_pii_offsets_point_into_the_cleaned_text() -> None:
    from nlp.normalize import clean_text

    text = "Ёлки&nbsp;сломаны, звоните 8 921 123-45-67"
    doc = Preprocessor(ner=False)(text)
    cleaned = clean_text(text)
    assert [cleaned[s.start : s.end] for s in doc.pii] == [s.text for s in doc.pii]


def test_ner_masks_a_person_name_but_not_an_organisation() -> None:
    doc = Preprocessor(ner=True)("Сотрудник МФЦ Иванов Пётр Сергеевич нагрубил мне в окне выдачи")
    assert "Иванов" not in doc.masked_text
    assert "МФЦ" in doc.masked_text


def test_pipe_yields_docs_in_order_for_any_batch_size(p: Preprocessor) -> None:
    texts = [f"Яма номер {i} у дома" for i in range(7)] + ["", "   "]
    expected = [p(t).masked_text for t in texts]
    for batch_size in (1, 3, 256):
        assert [d.masked_text for d in p.pipe(texts, batch_size=batch_size)] == expected


def test_pipe_in_two_processes_matches_one(p: Preprocessor) -> None:
    texts = ["Не работает лифт", "Нет света", "Яма на дороге", "Мусор у парадной"] * 3
    one = [d.lemmas for d in p.pipe(texts, batch_size=4)]
    two = [d.lemmas for d in p.pipe(texts, batch_size=4, n_jobs=2)]
    assert one == two


def test_pipe_rejects_a_non_text_item_and_says_which(p: Preprocessor) -> None:
    with pytest.raises(TypeError, match="item 1 of the batch.*got float nan"):
        list(p.pipe(["ok", float("nan")]))
    with pytest.raises(TypeError, match="features.*got NoneType"):
        p.features(None)  # type: ignore[arg-type]


def test_pickle_keeps_settings_and_lexicon_but_not_caches_or_models(p: Preprocessor) -> None:
    p.features("прогрев кэша: ямы во дворе")
    blob = pickle.dumps(p)
    assert b"MorphAnalyzer" not in blob and b"NewsNERTagger" not in blob
    assert len(blob) < 100_000
    restored = pickle.loads(blob)
    assert restored.version == p.version
    assert restored._lemmatizer is None
    assert restored.features("ямы во дворе") == p.features("ямы во дворе")


def test_pickled_lexicon_travels_with_the_preprocessor(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, lexicon)
    trained = Preprocessor(ner=False, lexicon_dir=lexicon)
    blob = pickle.dumps(trained)
    shutil.rmtree(lexicon)  # a serving machine without the training-time lexicon folder
    assert pickle.loads(blob).features("ямы") == ["яма"]


def test_version_changes_with_stages_and_lexicon(tmp_path: Path) -> None:
    base = Preprocessor(ner=False)
    assert Preprocessor(ner=False, negation=False).version != base.version
    lexicon = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, lexicon)
    with (lexicon / "stopwords.txt").open("a", encoding="utf-8") as f:
        f.write("двор\n")
    edited = Preprocessor(ner=False, lexicon_dir=lexicon)
    assert edited.version != base.version
    assert "двор" not in edited.features("во дворе яма")


def test_class_level_version_is_the_code_version_with_a_major() -> None:
    assert isinstance(Preprocessor.version, str)
    assert Preprocessor.version.split(".")[0].isdigit()
    assert Preprocessor(ner=False).version.startswith(Preprocessor.version + "+")


def test_features_plug_into_a_pickled_sklearn_vectoriser(p: Preprocessor) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=p.features).fit(["ямы на дороге", "не работает лифт"])
    restored = pickle.loads(pickle.dumps(vectoriser))
    assert "не_работать" in restored.vocabulary_
    assert restored.transform(["лифт не работает"]).nnz == 2


def test_masked_text_has_no_phone_or_email_left(p: Preprocessor) -> None:
    doc = p("Телефон +7 921 123 45 67, почта ivanov@yandex.ru, ещё 8(812)123-45-67")
    left = [kind for _, _, kind in find_regex_spans(doc.masked_text) if kind in {"PHONE", "EMAIL"}]
    assert left == []


def test_letters_pymorphy_cannot_name_do_not_crash(p: Preprocessor) -> None:
    # hypothesis found this: pymorphy3's shape check raises on a Tangut letter unicodedata has no name for
    assert p.features("а𗀀 яма") == ["а𗀀", "яма"]


def test_a_preprocessor_can_carry_its_cached_lemmas_when_asked(tmp_path: Path) -> None:
    p = Preprocessor(ner=False)
    p.features("ямы во дворах и сосульки")
    assert pickle.loads(pickle.dumps(p)).cached_lemmas() == {}  # not by default: settings only
    p.keep_lemmas_when_pickled(limit=2)
    restored = pickle.loads(pickle.dumps(p))
    assert len(restored.cached_lemmas()) == 2
    assert list(restored.cached_lemmas().items()) == list(p.cached_lemmas(2).items())
    assert restored.features("ямы во дворах и сосульки") == p.features("ямы во дворах и сосульки")
    again = pickle.loads(pickle.dumps(restored))  # the request travels with it
    assert len(again.cached_lemmas()) == 2


def test_threads_sharing_a_fresh_preprocessor_all_read_with_stop_words(monkeypatch):
    """The service's threads share one model. Regression: while one thread was still building the stop words,
    the others already got the lemmatiser and read their first texts without stop words or negations."""
    import threading
    import time

    import nlp.pipeline as pipeline

    text = "Прошу принять меры: не работает лифт в подъезде"
    expected = Preprocessor(ner=False).features(text)
    build = pipeline._stop_lemmas
    building = threading.Event()

    def slow_build(*args):
        building.set()  # the other threads start now, while the first one is half-way through
        time.sleep(0.2)
        return build(*args)

    monkeypatch.setattr(pipeline, "_stop_lemmas", slow_build)
    shared = Preprocessor(ner=False)
    results: list[list[str]] = []

    def read(wait: bool) -> None:
        if wait:
            building.wait(timeout=10)
        results.append(shared.features(text))

    threads = [threading.Thread(target=read, args=(i > 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "не_работать" in expected and "просить" not in expected
    assert results == [expected] * 4
