"""The clusterer and vectoriser under the pains, on synthetic vectors with known directions."""

from __future__ import annotations

import numpy as np

from models.pain_clusters import NOISE, MergedKMeansClusterer


def test_clusterer_sends_outliers_to_noise():
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:2]
    blobs = np.vstack([c + 0.05 * rng.standard_normal((40, 8)) for c in centres])
    outliers = np.eye(8)[5:8]
    X = np.vstack([blobs, outliers])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    model = MergedKMeansClusterer(n_over=10, min_similarity=0.5, min_size=5).fit(X)
    assert len(set(model.labels_[:80]) - {NOISE}) == 2
    assert (model.labels_[80:] == NOISE).all()
    assert len(set(model.labels_[:40])) == 1 and len(set(model.labels_[40:80])) == 1


def test_zero_and_cancelling_rows_go_to_noise_instead_of_a_cosine_error():
    # Regression: rows of no direction (zero, or SVD round-off that cancels inside one k-means group) made a
    # zero centroid and AgglomerativeClustering raised «Cosine affinity cannot be used when X contains zero
    # vectors» (seen on the sample quarters 2025Q1 and 2025Q3 in the service).
    rng = np.random.default_rng(0)
    blobs = np.vstack([c + 0.05 * rng.standard_normal((10, 8)) for c in np.eye(8)[:2]])
    blobs /= np.linalg.norm(blobs, axis=1, keepdims=True)
    residue = np.zeros((2, 8))
    residue[0, 3], residue[1, 3] = 1e-20, -1e-20
    X = np.vstack([blobs, residue, np.zeros((1, 8))]).astype(np.float32)
    model = MergedKMeansClusterer(min_size=3).fit(X)
    assert (model.labels_[20:] == NOISE).all()
    assert len(set(model.labels_[:10])) == 1 and len(set(model.labels_[10:20])) == 1
    assert model.labels_[0] != model.labels_[10] != NOISE
    assert (model.weight_ > 0).all() and len(model.weight_) == len(model.centroids_)


def test_vectorizer_gives_unit_or_exactly_zero_rows():
    from models.pain_vectors import LemmaSvdVectorizer

    rows = [["очередь", "долгий"]] * 3 + [["сайт", "не_работать"]] * 3 + [["абырвалг"], ["очередь", "сайт"]]
    X = LemmaSvdVectorizer(n_components=1, navec_weight=0.0).fit(rows).transform(rows)
    norms = np.linalg.norm(X, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-5) | (norms == 0))


def test_grouped_clusterer_never_mixes_groups_and_keeps_the_budget():
    from models.grouped_clusters import GroupedClusterer

    # Two groups share the same two directions: without groups they would form two mixed pains.
    rng = np.random.default_rng(0)
    blobs = np.vstack([c + 0.05 * rng.standard_normal((30, 8)) for c in np.eye(8)[:2]] * 2)
    X = (blobs / np.linalg.norm(blobs, axis=1, keepdims=True)).astype(np.float32)
    groups = np.array(["A"] * 60 + ["B"] * 60, dtype=object)
    model = GroupedClusterer(MergedKMeansClusterer(min_size=5), max_clusters=10).fit(X, groups=groups)
    labels = model.labels_
    assert (labels != NOISE).all()
    for pain in set(labels):
        assert len(set(groups[labels == pain])) == 1
        assert model.group_of_[pain] == groups[labels == pain][0]
    assert len(set(labels)) == 4 == len(model.centroids_) <= 10
    assert len(model.weight_) == len(model.centroids_) and (model.weight_ > 0).all()


def test_grouped_clusterer_pools_light_groups_with_a_stricter_threshold():
    from models.grouped_clusters import GroupedClusterer

    rng = np.random.default_rng(1)
    heavy = np.eye(8)[0] + 0.05 * rng.standard_normal((100, 8))
    light = np.vstack([np.eye(8)[k] + 0.05 * rng.standard_normal((6, 8)) for k in (3, 4, 5)])
    X = np.vstack([heavy, light])
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    groups = np.array(["big"] * 100 + ["x"] * 6 + ["y"] * 6 + ["z"] * 6, dtype=object)
    model = GroupedClusterer(MergedKMeansClusterer(min_size=5), min_group_share=0.1).fit(X, groups=groups)
    assert None in model.group_of_  # the three light groups were clustered together as the rest
    rest_labels = set(model.labels_[100:]) - {NOISE}
    assert all(model.group_of_[p] is None for p in rest_labels)
    assert len(rest_labels) == 3  # distinct directions stay apart even inside the pooled rest


def test_loose_pain_goes_to_noise_instead_of_mixing_problems():
    # Six unrelated directions sharing a weak common part: forced into one pain (max_clusters=3), its
    # members sit at cosine ~0.49 to the centroid, a mixed pain that must not reach the analyst. The floor is
    # set here at 0.5, the value for lexical vectors (in these 12 dimensions a looser pain cannot be built;
    # the default 0.35 is for the lower cosines of the hybrid lexical + e5 space).
    rng = np.random.default_rng(2)
    eye = np.eye(12)
    tight = np.vstack([c + 0.03 * rng.standard_normal((40, 12)) for c in eye[:2]])
    noise = 0.02 * rng.standard_normal((6, 7, 12))
    loose = np.vstack([0.3 * eye[2] + 0.954 * eye[k] + noise[k - 3] for k in range(3, 9)])
    X = np.vstack([tight, loose])
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    # Uncentred merging, so the weak common part forces them together (what the floor must catch).
    mixed = MergedKMeansClusterer(max_clusters=3, min_cohesion=0.0, min_size=5, centre_merge=False).fit(X)
    assert len(set(mixed.labels_[80:])) == 1 and mixed.labels_[80] != NOISE  # the mixed pain exists
    model = MergedKMeansClusterer(
        max_clusters=3, min_size=5, min_cohesion=0.5, min_similarity=0.3, centre_merge=False
    ).fit(X)
    assert (model.labels_[80:] == NOISE).all()
    assert len(set(model.labels_[:80]) - {NOISE}) == 2 and len(model.centroids_) == 2


def test_a_small_wording_pain_joins_the_similar_bigger_one_and_far_ones_stay():
    from sklearn.preprocessing import normalize

    from models.pain_clusters import MergedKMeansClusterer

    rng = np.random.default_rng(0)
    big = normalize(np.array([1.0, 0.0, 0.0]) + 0.05 * rng.normal(size=(60, 3)))
    sliver = normalize(np.array([0.8, 0.6, 0.0]) + 0.03 * rng.normal(size=(6, 3)))  # cosine 0.8 to big
    far = normalize(np.array([0.0, 0.0, 1.0]) + 0.05 * rng.normal(size=(40, 3)))
    X = np.vstack([big, sliver, far]).astype(np.float32)
    kept = MergedKMeansClusterer(merge_similarity=0.95, absorb_share=0.0, min_cohesion=0).fit(X)
    joined = MergedKMeansClusterer(merge_similarity=0.95, absorb_share=0.1, absorb_similarity=0.5,
                                   min_cohesion=0).fit(X)
    assert len(set(kept.labels_[60:66]) - set(kept.labels_[:60])) >= 1  # the sliver was its own pain
    assert set(joined.labels_[60:66]) <= set(joined.labels_[:60])
    assert not set(joined.labels_[66:]) & set(joined.labels_[:66])


def test_greedy_joins_do_not_chain_weak_links():
    # Pains A–B strongly linked; B–C just over the threshold for little B (8+8 links of 2·5·10): a union of
    # every linked pair joined all three; the greedy join takes A+B first, and AB's links to big C are then
    # too few for AB's size (16 of 2·5·20).
    model = MergedKMeansClusterer(link_share=0.15, link_lift=0.0)
    links = np.array([[0.0, 40.0, 0.0], [40.0, 0.0, 8.0], [0.0, 8.0, 0.0]])
    size = np.array([10.0, 10.0, 30.0])
    groups = model._greedy_joins(links, size, k=5)
    assert groups[0] == groups[1]
    assert groups[2] != groups[1]
    # With a strong B–C link too, all three are one problem.
    links[1, 2] = links[2, 1] = 30.0
    groups = model._greedy_joins(links, size, k=5)
    assert len(set(groups)) == 1


def test_a_big_pain_does_not_swallow_the_small_ones_by_size_alone():
    # 80 appeals: one pain of 60 and four of 5. Each small pain sends 70 % of its outside links to the big
    # one — what its size alone predicts (60 of the 75 other items) — so none is a wording of it; a join
    # of all of them was one pain of 76 appeals. A small pair linked far beyond their size is joined.
    size = np.array([60.0, 5.0, 5.0, 5.0, 5.0])
    k = 5
    links = np.zeros((5, 5))
    for p in range(1, 5):
        links[p, 0] = 0.7 * k * size[p]
        links[0, p] = 0.1 * k * size[p]
    links[3, 4] = links[4, 3] = 0.3 * k * 5
    groups = MergedKMeansClusterer(link_share=0.15, link_lift=2.0)._greedy_joins(links, size, k)
    assert len({groups[0], groups[1], groups[2]}) == 3 and groups[3] != groups[0]
    assert groups[3] == groups[4]
    swallowed = MergedKMeansClusterer(link_share=0.15, link_lift=0.0)._greedy_joins(links, size, k)
    assert len(set(swallowed)) == 1  # without the lift every small pain joins the big one


def test_pains_that_mean_one_area_are_merged():
    from models.pain_concepts import merge_by_area

    # pains 0 and 2 mostly mean area 5 (a queue said in two wordings), pain 1 area 7, pain 3 is mixed
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 3, NOISE])
    areas = np.array([5, 5, -1, 7, 7, 5, 5, 5, 7, -1, 5])
    weight = np.ones(len(labels))
    merged = merge_by_area(labels, weight, areas, min_share=0.5)
    assert merged[0] == merged[5] == merged[6]  # the larger pain 0 absorbs pain 2
    assert len({merged[0], merged[3], merged[7]}) == 3 and merged[10] == NOISE
    assert set(merged[merged != NOISE]) == {0, 1, 2}  # ids stay dense
    assert (merge_by_area(labels, weight, areas, min_share=0.0) == labels).all()
    assert (merge_by_area(labels, weight, np.full(len(labels), -1)) == labels).all()


def test_a_shared_domain_direction_does_not_merge_every_problem():
    # Five problems of one domain: every row also carries a strong common part (the bank, the card) that
    # lifts all cosines above the merge threshold. Centred merging keeps the five apart; uncentred merges.
    rng = np.random.default_rng(4)
    dims = 16
    common = np.zeros(dims)
    common[0] = 1.0
    X = np.vstack([
        0.8 * common + 0.6 * np.eye(dims)[k + 1] + 0.03 * rng.standard_normal((30, dims)) for k in range(5)
    ])
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    truth = np.repeat(np.arange(5), 30)
    order = rng.permutation(len(X))  # the k-means seeds (the first rows on equal weights) see every problem
    X, truth = X[order], truth[order]
    centred = MergedKMeansClusterer(min_size=5).fit(X)
    assert len(set(centred.labels_) - {NOISE}) == 5
    for k in range(5):
        assert len(set(centred.labels_[truth == k])) == 1
    assert len(set(MergedKMeansClusterer(min_size=5, centre_merge=False).fit(X).labels_) - {NOISE}) < 5
