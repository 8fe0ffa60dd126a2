"""The cluster-then-classify refinement of appeals' pains (models/pain_refine.py) and its settling."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.pain_clusters import NOISE, MergedKMeansClusterer
from models.pain_refine import ClassifierRefiner, settle_pains
from models.pains import PainFinder

LITTER = [
    "мусор на газоне у дома {n}",
    "на газоне валяется мусор, дом {n}",
    "убрать мусор с газона напротив подъезда {n}",
    "газон завален мусором и бутылками ({n})",
    "мусор на газонах вдоль дома {n}, просьба убрать",
]
GRAFFITI = [
    "надписи на стене дома {n}",
    "граффити на фасаде, дом {n}",
    "закрасить надписи на торце дома {n}",
    "несанкционированные надписи на стене ({n})",
    "на фасаде дома {n} нарисовали граффити",
]


def _rows(per_problem: int = 40) -> tuple[list[str], np.ndarray]:
    texts = [LITTER[n % 5].format(n=n) for n in range(per_problem)]
    texts += [GRAFFITI[n % 5].format(n=n) for n in range(per_problem)]
    return texts, np.array([0] * per_problem + [1] * per_problem)


def test_a_row_the_clusterer_put_in_the_wrong_pain_moves_to_the_one_its_words_name():
    texts, truth = _rows()
    labels = truth.copy()
    wrong = [3, 11, 17, 45, 58]  # litter rows in the graffiti pain and the other way round
    labels[wrong] = 1 - truth[wrong]
    refined = ClassifierRefiner(min_rows=10).refine(labels, texts)
    assert (refined[wrong] == truth[wrong]).all()
    assert (refined == truth).mean() >= 0.95


def test_noise_stays_noise_no_pain_is_made_and_the_result_is_deterministic():
    texts, labels = _rows()
    labels = labels.copy()
    labels[[0, 50]] = NOISE
    first = ClassifierRefiner(min_rows=10).refine(labels, texts)
    assert (first[[0, 50]] == NOISE).all()
    assert set(first.tolist()) <= set(labels.tolist())
    assert (ClassifierRefiner(min_rows=10).refine(labels, texts) == first).all()


def test_rows_of_different_groups_never_trade_pains():
    texts, truth = _rows()
    # Group «a» holds pains 0 and 1, group «b» its own pains 2 and 3 over the same wordings.
    texts = texts + texts
    labels = np.concatenate([truth, truth + 2])
    groups = np.array(["a"] * len(truth) + ["b"] * len(truth), dtype=object)
    labels[[3, 83]] = [1, 3]  # mislabelled within their own groups
    refined = ClassifierRefiner(min_rows=10).refine(labels, texts, groups=groups)
    assert set(refined[groups == "a"].tolist()) <= {0, 1}
    assert set(refined[groups == "b"].tolist()) <= {2, 3}
    assert refined[3] == 0 and refined[83] == 2


def test_a_period_over_the_row_limit_keeps_the_clusterers_pains():
    texts, truth = _rows()
    labels = truth.copy()
    labels[[3, 45]] = 1 - truth[[3, 45]]
    assert (ClassifierRefiner(min_rows=10, max_rows=len(texts) - 1).refine(labels, texts) == labels).all()


def test_a_pain_left_with_too_few_rows_gives_them_to_the_nearest_pain_of_its_group():
    rng = np.random.default_rng(0)
    a, b = np.eye(4)[0], np.eye(4)[1]
    X = np.vstack([a + 0.05 * rng.normal(size=(30, 4)), b + 0.05 * rng.normal(size=(30, 4)), a[None] * 1.0])
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    labels = np.array([0] * 30 + [1] * 30 + [2])  # pain 2 kept a single row after a refinement
    weight = np.ones(len(X))
    groups = np.array([""] * len(X), dtype=object)
    out, similarity = settle_pains(X, labels, weight, groups, MergedKMeansClusterer(min_size=3))
    assert out[-1] == 0 and set(out.tolist()) == {0, 1}
    assert similarity[-1] > 0.9
    # In another group than every other pain, the row has nowhere to go: noise, not a foreign pain.
    groups[-1] = "other"
    out, _ = settle_pains(X, labels, weight, groups, MergedKMeansClusterer(min_size=3))
    assert out[-1] == NOISE


class _Recording(ClassifierRefiner):
    calls: list[int]

    def refine(self, labels, texts, semantic=None, weight=None, groups=None, lemmas=None):
        self.calls.append(len(labels))
        assert lemmas is not None and len(lemmas) == len(labels)
        return super().refine(labels, texts, semantic, weight, groups, lemmas)


def test_appeals_are_refined_and_survey_answers_are_not():
    texts, _ = _rows(30)
    appeals = pd.DataFrame({"text": texts, "kind": "appeal"})
    answers = pd.DataFrame({"text": texts, "kind": "survey"})
    refiner = _Recording(min_rows=10)
    refiner.calls = []
    finder = PainFinder(embedder=False, refiner=refiner)
    report = finder.find(appeals, text_col="text")
    assert len(refiner.calls) == 1 and report.pains
    finder.find(answers.assign(text=[t.split(",")[0] for t in texts]), text_col="text")
    assert len(refiner.calls) == 1


def test_a_small_period_keeps_the_clusterers_pains():
    # With a handful of texts per pain the classifier favours the big pains: 79 sample appeals of a quarter
    # went from 11 pains to 5, the largest holding 44.
    texts, truth = _rows()
    labels = truth.copy()
    labels[[3, 45]] = 1 - truth[[3, 45]]
    assert (ClassifierRefiner().refine(labels, texts) == labels).all()
    assert not (ClassifierRefiner(min_rows=10).refine(labels, texts) == labels).all()


class _CountingEmbedder:
    """Random but fixed vectors per text; counts what it was asked to embed."""

    def __init__(self) -> None:
        self.asked = 0

    def embed(self, texts):
        self.asked += len(texts)
        return np.array([np.random.default_rng(len(t)).normal(size=8) for t in texts], dtype=np.float32)


def test_only_the_rows_of_groups_that_get_refined_are_embedded():
    texts, truth = _rows()
    embedder = _CountingEmbedder()
    ClassifierRefiner(embedder=embedder).refine(truth, texts)  # too few rows: nothing to refine or embed
    assert embedder.asked == 0
    groups = np.array(["big"] * 60 + ["small"] * 20, dtype=object)
    labels = np.where(np.arange(80) < 60, np.arange(80) % 2, 2 + np.arange(80) % 2)
    ClassifierRefiner(embedder=embedder, min_rows=50).refine(labels, texts, groups=groups)
    assert embedder.asked == 60
