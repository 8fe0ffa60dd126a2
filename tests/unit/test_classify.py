"""MultiHeadClassifier on small data written here and on data/samples: contract, consistency, abstention."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from models.calibration import class_thresholds, precision_threshold
from models.classify import LabelError, MultiHeadClassifier
from models.features import TextFeatures, analyze
from models.taxonomy import UnknownLabelError
from nlp import Preprocessor

ROOT = Path(__file__).resolve().parents[2]

# (category, reason) → words that describe it; "Мусор" reasons share words on purpose.
TOPICS = {
    ("Дороги", "Яма на дороге"): ["яма", "дорога", "асфальт", "колесо", "выбоина"],
    ("Дороги", "Снег на дороге"): ["снег", "дорога", "сугроб", "не_убирать", "проезд"],
    ("Двор", "Мусор во дворе"): ["мусор", "двор", "пакет", "куча", "грязь"],
    ("Двор", "Мусор на детской площадке"): ["мусор", "площадка", "детский", "горка", "песочница"],
    ("Дом", "Лифт не работает"): ["лифт", "не_работать", "застрять", "кабина", "этаж"],
}
FILLER = ["очень", "давно", "прошу", "помочь", "снова", "опять", "вчера", "сегодня"]


def make_data(n_per_class: int = 40, seed: int = 0) -> tuple[list[str], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    texts, rows = [], []
    for (category, reason), words in TOPICS.items():
        for _ in range(n_per_class):
            picked = list(rng.choice(words, size=3, replace=False)) + list(rng.choice(FILLER, size=2))
            rng.shuffle(picked)
            texts.append(" ".join(picked))
            rows.append({"category": category, "reason": reason, "urgent": str(rng.random() < 0.5)})
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], pd.DataFrame(rows).iloc[order].reset_index(drop=True)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def fitted(data):
    texts, y = data
    return MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False).fit(texts, y)


@pytest.fixture(scope="module")
def leaf_only(data):
    texts, y = data
    model = MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False, coarse_model=False)
    return model.fit(texts, y[["category", "reason"]])


def test_fit_learns_the_synthetic_topics(data, fitted):
    test_texts, test_y = make_data(10, seed=1)
    pred = fitted.predict(test_texts)
    assert list(pred.columns) == ["category", "reason", "urgent"]
    assert (pred.category == test_y.category).mean() > 0.9
    assert (pred.reason == test_y.reason).mean() > 0.8


@pytest.mark.parametrize("model", ["fitted", "leaf_only"])
def test_hierarchy_is_consistent(data, model, request):
    texts, y = data
    pairs = set(zip(y.category, y.reason, strict=True))
    test_texts, _ = make_data(10, seed=2)
    pred = request.getfixturevalue(model).predict(test_texts + ["мусор дорога лифт", "", "совсем другое"])
    assert set(zip(pred.category, pred.reason, strict=True)) <= pairs


def test_without_coarse_model_category_is_the_sum_of_its_reasons(data, leaf_only):
    texts, y = data
    fitted = leaf_only
    test_texts, _ = make_data(10, seed=2)
    proba = fitted.predict_proba(test_texts)
    reason_of = dict(zip(y.reason, y.category, strict=True))
    for c, category in enumerate(fitted.classes_["category"]):
        members = [i for i, r in enumerate(fitted.classes_["reason"]) if reason_of[r] == category]
        assert np.allclose(proba["category"][:, c], proba["reason"][:, members].sum(axis=1))
    assert np.allclose(proba["reason"].sum(axis=1), 1.0)


def test_groups_derived_heads_into_one_model_and_trains_others_apart(fitted):
    assert [sorted(g.rollup) for g in fitted.groups_] == [["category"], ["category", "reason"], ["urgent"]]


def test_predict_table_one_and_top_k_agree(fitted):
    texts, _ = make_data(4, seed=3)
    table = fitted.predict_table(texts)
    assert table["category_review"].dtype == bool
    for i, text in enumerate(texts):
        one = fitted.predict_one(text)
        for col in table.columns:
            if col.endswith("_proba"):
                assert one[col] == pytest.approx(table[col][i], rel=1e-5)
            else:
                assert one[col] == table[col][i]
    top = fitted.top_k(texts, k=3)
    for i, row in enumerate(top):
        probs = [p for _, p in row["reason"]]
        assert probs == sorted(probs, reverse=True) and len(probs) == 3
        assert row["urgent"][0][0] == table["urgent"][i]


def test_review_follows_the_per_class_thresholds(fitted):
    texts, _ = make_data(6, seed=4)
    table = fitted.predict_table(texts)
    classes = list(fitted.classes_["reason"])
    expected = [p < fitted.thresholds_["reason"][classes.index(r)]
                for r, p in zip(table.reason, table.reason_proba, strict=True)]
    assert table.reason_review.tolist() == expected


def test_stricter_target_precision_never_accepts_more(data):
    texts, y = data
    kwargs = {"hierarchy": ("category", "reason"), "validate_taxonomy": False, "min_class_support": 5}
    loose = MultiHeadClassifier(target_precision=0.5, **kwargs).fit(texts, y[["category", "reason"]])
    strict = MultiHeadClassifier(target_precision=1.0, **kwargs).fit(texts, y[["category", "reason"]])
    probe, _ = make_data(10, seed=5)
    assert strict.predict_table(probe).reason_review.sum() >= loose.predict_table(probe).reason_review.sum()


def test_pickle_round_trip_predicts_identically(fitted):
    texts, _ = make_data(5, seed=6)
    again = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(again.predict_table(texts), fitted.predict_table(texts))


def test_unknown_taxonomy_label_is_refused_with_the_list():
    texts, y = make_data(5)
    y = y.assign(process="Водоснабжение")
    y.loc[3, "process"] = "Телепортация"
    with pytest.raises(UnknownLabelError, match="Телепортация"):
        MultiHeadClassifier().fit(texts, y[["process"]])


def test_empty_labels_name_the_rows():
    texts, y = make_data(5)
    y.loc[[2, 7], "reason"] = ""
    with pytest.raises(LabelError, match=r"«reason»: пустая метка в 2 строках \(первые: 3, 8;"):
        MultiHeadClassifier(validate_taxonomy=False).fit(texts, y)


def test_single_class_head_is_refused():
    texts, y = make_data(5)
    with pytest.raises(LabelError, match="одна метка .*добавьте размеченные тексты других меток"):
        MultiHeadClassifier(validate_taxonomy=False).fit(texts, y.assign(reason="x")[["reason"]])


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        MultiHeadClassifier().predict(["текст"])


def test_sample_appeals_train_and_predict():
    df = pd.read_csv(ROOT / "data/samples/appeals.csv", dtype=str).fillna("")
    model = MultiHeadClassifier(hierarchy=("topic", "process")).fit(df.text, df[["topic", "process"]])
    pred = model.predict(df.text)
    assert (pred.process == df.process).mean() > 0.9  # training fit: a sanity floor, not a quality claim


# sklearn's estimator checks feed numeric arrays, which a text classifier cannot take; these are the
# contract checks that do apply (init stores params, get/set_params, clone). Skipped: every check that
# calls fit/predict on numeric X (check_fit2d_*, check_classifiers_*, check_estimators_dtypes, …).
@pytest.mark.parametrize("check", [check_no_attributes_set_in_init, check_parameters_default_constructible,
                                   check_get_params_invariance, check_set_params])
def test_sklearn_contract_checks(check):
    check("MultiHeadClassifier", MultiHeadClassifier())


def test_clone_keeps_params_and_drops_fitted_state(fitted):
    copy = clone(fitted)
    assert copy.get_params()["hierarchy"] == ("category", "reason")
    assert not hasattr(copy, "groups_")


def test_precision_threshold_is_the_lowest_probability_that_keeps_the_target():
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([True, True, False, True, False])
    # precision along the ranking: 1, 1, .67, .75, .6
    assert precision_threshold(proba, correct, 0.7) == 0.6
    assert precision_threshold(proba, correct, 0.99) == 0.8
    assert precision_threshold(proba, ~correct, 0.99) == np.inf


def test_wilson_bound_asks_for_more_evidence():
    # 40 correct then one wrong in every 20: the point estimate reaches 0.95 far down the ranking, its lower
    # bound only where many correct answers back it
    proba = np.linspace(1.0, 0.01, 100)
    correct = np.array([i < 40 or i % 20 != 0 for i in range(100)])
    point, bound = precision_threshold(proba, correct, 0.95), precision_threshold(proba, correct, 0.95, z=1.0)
    assert point == proba[-1] and bound > point
    assert precision_threshold(proba[:5], correct[:5], 0.95, z=2.0) == np.inf  # 5 hits cannot prove 0.95


def test_holdout_error_factor_seeks_a_stricter_precision(data):
    texts, y = data
    kwargs = {"hierarchy": ("category", "reason"), "validate_taxonomy": False, "min_class_support": 5,
              "target_precision": 0.8}
    plain = MultiHeadClassifier(holdout_error_factor=1.0, **kwargs).fit(texts, y[["category", "reason"]])
    strict = MultiHeadClassifier(holdout_error_factor=0.25, **kwargs).fit(texts, y[["category", "reason"]])
    sought = MultiHeadClassifier(target_precision=0.95, holdout_error_factor=1.0,
                                 **{k: v for k, v in kwargs.items() if k != "target_precision"})
    sought.fit(texts, y[["category", "reason"]])
    for head in ("category", "reason"):  # 0.8 with a quarter of the errors is 0.95
        np.testing.assert_array_equal(strict.thresholds_[head], sought.thresholds_[head])
        assert (strict.thresholds_[head] >= plain.thresholds_[head]).all()


def test_rare_classes_share_the_pooled_threshold():
    pred = np.array([0] * 30 + [1] * 2)
    proba = np.linspace(1.0, 0.5, 32)
    truth = pred.copy()
    truth[25:] = 1 - truth[25:]
    out = class_thresholds(pred, proba, truth, 2, target=0.95, min_support=20)
    assert out[1] == precision_threshold(proba, pred == truth, 0.95)
    assert out[0] == precision_threshold(proba[:30], (pred == truth)[:30], 0.95)


def _old_two_call_features(features: TextFeatures, preprocessor, texts: list[str]) -> sp.csr_matrix:
    """The feature path before analyze(): normalize() and features() separately, sklearn's own transforms."""
    lemmas = [preprocessor.features(t) for t in texts]
    normalized = [preprocessor.normalize(t) for t in texts]
    chars = features.char_tfidf_.transform(features.char_.transform(normalized))
    return sp.hstack([features.word_.transform(lemmas), chars], format="csr")


def test_feature_matrix_equals_the_two_call_sklearn_path_on_sample_appeals():
    texts = pd.read_csv(ROOT / "data/samples/appeals.csv", dtype=str).fillna("").text.tolist()
    pre = Preprocessor(ner=False)
    fit_texts, new_texts = texts[:200], texts[200:] + ["", "  ", "а", "Ёлка\tи\n\nёж"]
    features = TextFeatures(word_min_df=1, char_min_df=1).fit(analyze(pre, fit_texts))
    for batch in (fit_texts, new_texts):
        new = features.transform(analyze(pre, batch))
        old = _old_two_call_features(features, pre, batch)
        assert new.dtype == old.dtype == np.float32 and new.shape == old.shape
        assert np.array_equal(new.indptr, old.indptr) and np.array_equal(new.indices, old.indices)
        assert np.array_equal(new.data, old.data)  # bit-identical, not approximately equal
    again = pickle.loads(pickle.dumps(features))
    assert "_char_cache" not in again.__dict__
    assert (again.transform(analyze(pre, new_texts)) != features.transform(analyze(pre, new_texts))).nnz == 0


def test_bundles_that_kept_the_char_idf_inside_the_vectorizer_still_load():
    # Before 2026-12 the char view's tf-idf step was stored inside sklearn's vectoriser (`char_._tfidf`);
    # now it is our own `char_tfidf_`. A pickle of the old layout loads into the new one, same features.
    texts = pd.read_csv(ROOT / "data/samples/appeals.csv", dtype=str).fillna("").text.tolist()[:120]
    pre = Preprocessor(ner=False)
    features = TextFeatures(word_min_df=1, char_min_df=1).fit(analyze(pre, texts[:80]))
    old = pickle.loads(pickle.dumps(features))
    vars(old.char_)["_tfidf"] = old.__dict__.pop("char_tfidf_")
    loaded = pickle.loads(pickle.dumps(old))
    assert "_tfidf" not in vars(loaded.char_) and hasattr(loaded, "char_tfidf_")
    batch = analyze(pre, texts[80:])
    assert (loaded.transform(batch) != features.transform(batch)).nnz == 0


@pytest.mark.parametrize("max_features", [None, 500])
def test_char_vocabulary_and_idf_equal_sklearns_own_fit(max_features):
    texts = pd.read_csv(ROOT / "data/samples/appeals.csv", dtype=str).fillna("").text.tolist()
    docs = analyze(Preprocessor(ner=False), texts + ["", "Ёлка\tи\n\nёж"])
    ours = TextFeatures(char_min_df=2, max_char_features=max_features).fit(docs)
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), lowercase=False, min_df=2,
                          sublinear_tf=True,
                          max_features=max_features, dtype=np.float32)
    expected = ref.fit_transform(docs.normalized)
    assert ours.char_.vocabulary_ == ref.vocabulary_
    assert np.array_equal(ours.char_tfidf_.idf_, ref.idf_)
    got = ours.fit_transform(docs)[:, len(ours.word_.vocabulary_):]
    assert (got != expected).nnz == 0


def test_auto_hierarchy_finds_the_nested_pair(data):
    texts, y = data
    model = MultiHeadClassifier(validate_taxonomy=False).fit(texts, y)
    assert model.hierarchy_ == ("category", "reason")
    flat = MultiHeadClassifier(validate_taxonomy=False).fit(texts, y[["category", "urgent"]])
    assert flat.hierarchy_ == ()


def test_reason_probabilities_are_category_times_reason_within(data, fitted):
    test_texts, _ = make_data(5, seed=4)
    proba = fitted.predict_proba(test_texts)
    reason_of = dict(zip(data[1].reason, data[1].category, strict=True))
    for c, category in enumerate(fitted.classes_["category"]):
        members = [i for i, r in enumerate(fitted.classes_["reason"]) if reason_of[r] == category]
        assert np.allclose(proba["reason"][:, members].sum(axis=1), proba["category"][:, c])
    leaf_group = fitted.groups_[1]
    assert len(leaf_group.block_temperature) == len(fitted.classes_["category"]) == leaf_group.block.max() + 1


def test_threads_split_one_vs_rest_into_chunks_without_changing_the_model(data):
    texts, y = data
    kwargs = {"hierarchy": None, "validate_taxonomy": False, "calibration_fraction": 0.0, "tol": 1e-6,
              "max_iter": 20_000}
    one = MultiHeadClassifier(n_jobs=1, **kwargs).fit(texts, y[["reason"]])
    two = MultiHeadClassifier(n_jobs=2, **kwargs).fit(texts, y[["reason"]])
    # five reasons on two threads: the reason model is fitted as chunks, each with a REST label
    assert np.allclose(one.groups_[0].coef, two.groups_[0].coef, atol=1e-3)
    assert np.allclose(one.groups_[0].intercept, two.groups_[0].intercept, atol=1e-3)
    test_texts, _ = make_data(10, seed=5)
    assert (one.predict(test_texts) == two.predict(test_texts)).all().all()


def test_the_same_rows_give_the_same_model_whatever_the_workers():
    """liblinear shuffles with one generator per process: fits that shared it in threads gave a slightly
    different model on every run (the CLI and the server then disagreed on a retrain)."""
    rng = np.random.default_rng(1)
    words = [f"слово{i}" for i in range(60)]
    labels = [f"класс {i}" for i in range(16)]
    rows = [(int(c), " ".join(rng.choice(words[c * 3 : c * 3 + 12] + words[:6], size=6))) for c in
            rng.integers(0, len(labels), size=900)]
    texts = [t for _, t in rows]
    y = pd.DataFrame({"topic": [labels[c] for c, _ in rows]})
    probas = []
    for n_jobs in (2, 2, 1):
        model = MultiHeadClassifier(validate_taxonomy=False, n_jobs=n_jobs, calibration_fraction=0.0)
        probas.append(model.fit(texts, y).predict_proba(texts)["topic"])
    assert np.array_equal(probas[0], probas[1])
    assert np.array_equal(probas[0], probas[2])


def test_an_empty_batch_scores_to_empty_tables():
    texts, y = make_data(5)
    model = MultiHeadClassifier(validate_taxonomy=False).fit(texts, y)
    table = model.predict_table([])
    assert table.shape == (0, 3 * len(model.heads_))
    assert list(table.columns)[:2] == ["category", "category_proba"]
    assert all(p.shape == (0, len(model.classes_[h])) for h, p in model.predict_proba([]).items())
    assert model.top_k([]) == [] and model.predict([]).empty
