"""Property tests: any text is processed, normalisation is idempotent, masking leaves no phone or e-mail."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nlp import Doc, Preprocessor
from nlp.lemmatize import MASKED
from nlp.normalize import PLACEHOLDERS, clean_text, model_text
from nlp.pii import find_regex_spans

_PLAIN = Preprocessor(ner=False)
_WITH_NER = Preprocessor(ner=True)

# Characters that interact: HTML syntax, entities, combining marks, invisible and unified characters.
_TRICKY = st.lists(
    st.sampled_from(
        list("<>&;#/!-ab pltgmqu0123ёЁеЕиИ\n\t\u00a0\u0308\u0306\u0301\u200b\u00ad«»—…İ\u037e\u2adcǅ")
        + ["&amp;", "&lt;", "<br>", "<b>", "&#1105;", "<num>", "@", "www.", "http://", "8 921 "]
    ),
    max_size=40,
).map("".join)
_ANY = st.one_of(st.text(), _TRICKY)

_PHONE = st.builds(
    lambda a, b, c, fmt: fmt.format(a=a, b=b, c=c),
    st.integers(900, 999),
    st.integers(100, 999),
    st.integers(10, 99),
    st.sampled_from(["+7 ({a}) {b}-{c}-{c}", "8{a}{b}{c}{c}", "8-{a}-{b}-{c}-{c}", "+7{a}{b}{c}{c}"]),
)
_EMAIL = st.builds(
    lambda user, host: f"{user}@{host}.ru",
    st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z]{2,10}", fullmatch=True),
)
_WORDS = st.sampled_from(["звоните", "пишите", "тел.", "почта", "Иван", "кв. 5", "д. 3", ",", " ", "\n", "и"])
_WITH_CONTACTS = st.lists(st.one_of(_PHONE, _EMAIL, _WORDS), max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY)
def test_any_text_gives_a_doc_without_ner(text: str) -> None:
    doc = _PLAIN(text)
    assert isinstance(doc, Doc)
    assert doc.lemmas == _PLAIN.features(text)
    assert all(lemma[:1].isalnum() or lemma in (*PLACEHOLDERS, MASKED) for lemma in doc.lemmas)


@settings(max_examples=100, deadline=None)
@given(_ANY)
def test_a_pickled_preprocessor_gives_the_same_features(text: str) -> None:
    assert pickle.loads(pickle.dumps(_PLAIN)).features(text) == _PLAIN.features(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY)
def test_any_text_gives_a_doc_with_ner(text: str) -> None:
    assert isinstance(_WITH_NER(text), Doc)


@settings(max_examples=500, deadline=None)
@given(_ANY)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=500, deadline=None)
@given(_ANY)
@example("0www.:")  # found by hypothesis: a URL glued to digits
def test_model_text_is_idempotent(text: str) -> None:
    once = model_text(text)
    assert model_text(once) == once


@settings(max_examples=200, deadline=None)
@given(_WITH_CONTACTS)
def test_masked_text_has_no_email_or_phone_the_regexes_find(text: str) -> None:
    masked = _PLAIN(text).masked_text
    left = [masked[s:e] for s, e, kind in find_regex_spans(masked) if kind in {"PHONE", "EMAIL"}]
    assert left == [], f"{text!r} → {masked!r}"
