"""The nearest training texts' vote (models.neighbours) and its place in the classifier's quality mode."""

from __future__ import annotations

import numpy as np
import pytest

from models.classify import MultiHeadClassifier
from models.features import TextFeatures
from models.neighbours import NeighbourVote
from tests.unit.test_classify import make_data


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.array(rows, np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_the_closest_texts_carry_the_vote_and_each_group_gets_its_own_labels():
    train = _unit([[1, 0, 0], [0.98, 0.2, 0], [0, 1, 0], [0, 0, 1]])
    fine, coarse = np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1])
    voters = NeighbourVote(train, [coarse, fine], [2, 4], k=3, sharpness=0.05)
    idx, weight = voters.neighbours(_unit([[1, 0.05, 0], [0, 0.1, 1]]))
    assert idx.shape == (2, 3)
    np.testing.assert_allclose(weight.sum(axis=1), 1.0)
    coarse_vote, fine_vote = voters.vote(idx, weight, 0), voters.vote(idx, weight, 1)
    assert coarse_vote.shape == (2, 2) and fine_vote.shape == (2, 4)
    assert coarse_vote[0, 0] > 0.99  # both near texts are of coarse class 0
    assert fine_vote[0].argmax() == 0 and fine_vote[0, 1] > 0.2  # the nearest wins; the next one counts
    assert fine_vote[1].argmax() == 3 and coarse_vote[1].argmax() == 1
    np.testing.assert_allclose(fine_vote.sum(axis=1), 1.0)


def test_fewer_training_texts_than_k_vote_all_and_none_is_refused():
    voters = NeighbourVote(_unit([[1, 0], [0, 1]]), [np.array([0, 1])], [2], k=20)
    idx, weight = voters.neighbours(_unit([[1, 1]]))
    assert sorted(idx[0].tolist()) == [0, 1]
    np.testing.assert_allclose(weight, [[0.5, 0.5]], atol=1e-3)
    with pytest.raises(ValueError, match="no training vectors"):
        NeighbourVote(np.zeros((0, 2)), [np.array([], int)], [2])


def test_the_quality_mode_mixes_the_vote_into_every_path_and_only_there():
    texts, y = make_data(12, seed=3)
    heads = y[["category", "reason"]]

    def fit(weight: float, semantic: float) -> MultiHeadClassifier:
        return MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False,
                                   neighbour_weight=weight, features=TextFeatures(semantic_weight=semantic)
                                   ).fit(texts, heads)

    voted, unvoted, plain = fit(0.3, 1.0), fit(0.0, 1.0), fit(0.3, 0.0)
    assert voted.neighbours_ is not None
    assert len(voted.neighbours_.vectors) == len(texts)  # rebuilt from all rows at the refit
    assert unvoted.neighbours_ is None and plain.neighbours_ is None  # no e5 block: nothing to vote with
    unseen = ["Во дворе навалили горы хлама и отходов", "Подъёмник в доме опять встал между этажами"]
    a, b = voted.predict_proba(unseen), unvoted.predict_proba(unseen)
    assert not np.allclose(a["reason"], b["reason"])
    for h in ("category", "reason"):
        np.testing.assert_allclose(a[h].sum(axis=1), 1.0, atol=1e-6)
    for i, text in enumerate(unseen):
        one = voted.predict_one(text)
        best = int(a["reason"][i].argmax())
        assert one["reason"] == voted.classes_["reason"][best]
        assert np.isclose(one["reason_proba"], a["reason"][i, best], atol=1e-5)
    del voted.neighbours_  # a bundle saved before the vote existed still scores, without it
    np.testing.assert_allclose(voted.predict_proba(unseen)["reason"], b["reason"], atol=1e-6)


def test_the_bundle_keeps_float16_only():
    import pickle

    voters = NeighbourVote(_unit([[1, 0], [0, 1], [1, 1]]), [np.array([0, 1, 1])], [2])
    before = voters.vote(*voters.neighbours(_unit([[1, 0.2]])), 0)
    assert "_float32" in voters.__dict__
    again = pickle.loads(pickle.dumps(voters))
    assert "_float32" not in again.__dict__ and again.vectors.dtype == np.float16
    np.testing.assert_allclose(again.vote(*again.neighbours(_unit([[1, 0.2]])), 0), before)


def test_auto_takes_the_share_that_scores_best_on_the_holdout_and_a_bad_share_is_refused():
    from models.neighbours import NEIGHBOUR_WEIGHTS, choose_weight

    assert choose_weight(lambda w: -abs(w - 0.3)) == 0.3
    assert choose_weight(lambda w: 1.0) == NEIGHBOUR_WEIGHTS[0]  # a tie keeps the smaller share
    texts, y = make_data(12, seed=3)
    heads = y[["category", "reason"]]
    model = MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False,
                                features=TextFeatures(semantic_weight=1.0)).fit(texts, heads)
    assert model.neighbour_weight == "auto" and model.neighbour_weight_ in NEIGHBOUR_WEIGHTS
    for bad in (1.5, -0.1, "много"):
        with pytest.raises(ValueError, match="neighbour_weight"):
            MultiHeadClassifier(hierarchy=("category", "reason"), validate_taxonomy=False,
                                neighbour_weight=bad, features=TextFeatures(semantic_weight=1.0)
                                ).fit(texts, heads)
