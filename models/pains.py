"""Pains of one period: problem fragments → vectors → clusters (+ noise) → labelled pains with prevalence.

    >>> report = find_pains(pd.DataFrame({"text": answers, "process": processes}))
    >>> report.pains[0].label, report.pains[0].prevalence, report.to_dict()["pains"][0]["ci_high"]

A pure function of a DataFrame: no I/O, no DB. The parts (preprocessor, vectoriser, clusterer, labeller,
cue lexicon) are injected, so each can be swapped (e.g. another clusterer with the same fit/labels_ API).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from models.grouped_clusters import GroupedClusterer
from models.intervals import wilson_bounds
from models.pain_clusters import NOISE, MergedKMeansClusterer
from models.pain_concepts import merge_by_area
from models.pain_cues import PainCues
from models.pain_fragments import FragmentRows, fragment_rows, problem_fragments
from models.pain_labels import CentralPhraseLabeller, PainMembers, distinct_quotes
from models.pain_naming import label_pains
from models.pain_refine import ClassifierRefiner, settle_pains
from models.pain_report import Pain, PainReport
from models.pain_semantic import SemanticVectorizer, merge_by_meaning

# `unit="auto"`: periods whose median text is longer than this are clustered by whole text, and so are
# periods of mostly appeals or reviews (the items' `kind`).
AUTO_TEXT_CHARS = 200
ONE_MATTER_KINDS = frozenset({"appeal", "review", "complaint"})
# Survey answers: an area (models.pain_concepts) named by over this share of a period's problem fragments is
# what the survey is about («транспорт», 43 % of planted «transport»; no problem area of the other planted
# sets passes 17 %), not one problem; it joins nothing: «transport» 3 → 4 of 8 found, the others unchanged.
# Reviews and appeals keep every area (bank reviews by product AMI 0.208 → 0.176 with the cap).
SUBJECT_SHARE = 0.3


class PainFinder:
    """Finds the pains of one period. All parts are optional and swappable:

    - `preprocessor`: `nlp.Preprocessor` (fragments, masked text, `features()` lemmas);
    - `vectorizer`: `fit(rows, sample_weight=)`, `transform(rows)`, `tfidf(rows)`, `feature_names()`;
    - `clusterer`: `fit(X, sample_weight=)` → `labels_` (-1 noise), `similarity_`;
    - `labeller`: `keywords(...)`, `label(members)`, `quotes(members)`;
    - `cues`: `PainCues` deciding which fragments carry a problem;
    - `embedder`: sentence vectors for the default `SemanticVectorizer` (`models.embeddings.E5Embedder`
      with an in-memory cache when None; pass one with an `EmbeddingCache` to keep vectors; False: lexical
      vectors only).

    `unit="text"` clusters whole texts instead of fragments (appeals that each describe one problem);
    `"fragment"` clusters clauses; `"auto"` (default) chooses by the period's median text length.
    An item belongs to its primary pain (most of its fragments) and to at most `max_pains_per_item - 1`
    more, each holding at least `secondary_share` of its fragments. Survey answers' pains are then joined
    when their e5 centroids are closer than `meaning_merge` (`merge_by_meaning`) and when most of their rows
    mean one problem area (`area_merge`, `merge_by_area`).

    Survey answers join a pain only within `answer_min_similarity` of its centre (the default clusterer's
    0.2 suits appeals): a one-off complaint («нет питьевой воды», «неудобные стулья») stays noise instead of
    swelling the nearest pain. Planted sets within ±2 pp: МФЦ 9 → 9 of 10, ЖКХ 9 → 9, social 7 → 8 of 8,
    reception 4 → 6 of 8 (NMI 0.844 → 0.826, 0.936 → 0.929, 0.891 → 0.874, 0.812 → 0.828; noise 1–6 %).

    Appeals and reviews (whole texts) are merged at `text_merge_similarity` (finer pains than the
    clusterer's default, 0.45 against 0.25) and then redrawn by `refiner` (`models.pain_refine.
    ClassifierRefiner`, fed each text's own e5 vector and lemmas; False: no refinement): SPb appeals
    without groups, NMI 0.556 → 0.577 on three tuning months, April 0.515 → 0.547. A pain of whole texts at
    least `praise_share` of whose texts praise (`PainCues.praising`) is no pain: its items carry none (bank
    reviews: 23 reviews of «положительный отзыв, вежливость, профессионализм», 74 % praising; no other pain
    over 18 %). Survey answers leave out the areas over `subject_share` of the period names (`SUBJECT_SHARE`).

    `find(..., cluster_by=COL)` clusters each value of COL on its own (`GroupedClusterer`), e.g. the process
    of a survey answer or the topic a trained classifier predicted: pains then never mix groups.
    """

    def __init__(
        self,
        preprocessor=None,
        vectorizer=None,
        clusterer=None,
        labeller=None,
        cues=None,
        embedder=None,
        random_state: int = 0,
        signature_size: int = 60,
        unit: str = "auto",
        max_pains_per_item: int = 3,
        secondary_share: float = 0.3,
        area_merge: float = 0.5,
        meaning_merge: float = 0.33,
        answer_min_similarity: float = 0.3,
        text_merge_similarity: float = 0.45,
        refiner=None,
        praise_share: float = 0.5,
        subject_share: float | None = SUBJECT_SHARE,
    ) -> None:
        self.preprocessor = preprocessor
        self.vectorizer = vectorizer
        self.clusterer = clusterer
        self.labeller = labeller
        self.cues = cues
        self.embedder = embedder
        self.random_state = random_state
        self.signature_size = signature_size
        self.unit = unit
        self.max_pains_per_item = max_pains_per_item
        self.secondary_share = secondary_share
        self.area_merge = area_merge
        self.meaning_merge = meaning_merge
        self.answer_min_similarity = answer_min_similarity
        self.text_merge_similarity = text_merge_similarity
        self.refiner = refiner
        self.praise_share = praise_share
        self.subject_share = subject_share

    def _parts(self):
        from nlp import Preprocessor

        return (
            self.preprocessor or Preprocessor(),
            self.vectorizer
            or SemanticVectorizer(embedder=self._embedder(), random_state=self.random_state),
            self.clusterer or MergedKMeansClusterer(random_state=self.random_state),
            self.labeller or CentralPhraseLabeller(),
            self.cues or PainCues.load(),
        )

    def _embedder(self):
        if self.embedder is False:  # lexical vectors only
            return None
        if self.embedder is not None:
            return self.embedder
        from models.embeddings import E5Embedder

        return E5Embedder()

    def unit_for(self, texts: Sequence[str], kinds: Sequence[str] | None = None) -> str:
        """`fragment` or `text`; `auto` picks `text` when most items are appeals or reviews (`kinds`, the
        items' `kind` column) or when the period's median text is longer than `AUTO_TEXT_CHARS`: an appeal,
        a letter or a review is about one matter with its details (SPb dev appeals NMI 0.50 by fragment,
        0.54 by text; bank reviews AMI 0.10 → 0.24), a short survey answer may name two problems (ЖКХ
        planted set: 8 of 10 found by fragment, 5 by text)."""
        if self.unit != "auto":
            return self.unit
        if kinds is not None and len(kinds):
            one_matter = sum(str(k) in ONE_MATTER_KINDS for k in kinds)
            if one_matter * 2 > len(kinds):
                return "text"
        lengths = sorted(len(t) for t in texts)
        return "text" if lengths and lengths[len(lengths) // 2] > AUTO_TEXT_CHARS else "fragment"

    def _problem_fragments(self, texts: Sequence[str], preprocessor, cues, kinds=None):
        """`models.pain_fragments.problem_fragments`, whole texts or clauses as `unit_for` decides."""
        whole = self.unit_for(texts, kinds) == "text"
        return problem_fragments(texts, preprocessor, cues, whole)

    def find(
        self,
        items: pd.DataFrame,
        *,
        text_col: str = "text",
        id_col: str | None = None,
        group_cols: Sequence[str] = ("process", "topic"),
        channel_col: str | None = "channel",
        cluster_by: str | None = None,
        kind_col: str = "kind",
    ) -> PainReport:
        if text_col not in items.columns:
            raise ValueError(
                f"нет колонки с текстом «{text_col}»; есть: {', '.join(map(str, items.columns))}"
            )
        if id_col is not None and id_col not in items.columns:
            raise ValueError(f"нет колонки с идентификатором «{id_col}»")
        if cluster_by is not None and cluster_by not in items.columns:
            raise ValueError(
                f"нет колонки группировки «{cluster_by}»; есть: {', '.join(map(str, items.columns))}"
            )
        preprocessor, vectorizer, clusterer, labeller, cues = self._parts()
        # Without an id column an item is known by its index label (the row number for a fresh frame).
        ids = list(items[id_col]) if id_col else list(items.index)
        texts = items[text_col].fillna("").astype(str).tolist()
        kinds = items[kind_col].fillna("").astype(str).tolist() if kind_col in items.columns else None
        answers = self.unit_for(texts, kinds) != "text"
        if answers and self.clusterer is None and self.answer_min_similarity:
            clusterer.set_params(min_similarity=self.answer_min_similarity)
        if answers and self.vectorizer is None:
            vectorizer.set_params(subject_share=self.subject_share)
        if not answers and self.clusterer is None and self.text_merge_similarity:
            clusterer.set_params(merge_similarity=self.text_merge_similarity)
        if cluster_by is not None and not isinstance(clusterer, GroupedClusterer):
            clusterer = GroupedClusterer(base=clusterer)
        item_group = (
            items[cluster_by].fillna("").astype(str).tolist() if cluster_by else [""] * len(items)
        )
        rows = fragment_rows(texts, item_group, not answers, preprocessor, cues)
        X, labels, similarity = self._cluster(rows, vectorizer, clusterer)
        concepts = getattr(vectorizer, "concepts_", None)
        embedder = getattr(vectorizer, "embedder", None)
        semantic = getattr(vectorizer, "semantic_", None)
        if not answers and self.refiner is not False:
            refiner = self.refiner or ClassifierRefiner(embedder=embedder, random_state=self.random_state)
            # Borrowed e5 vectors repeat the lexical over-clusters: the refiner needs each row's own.
            own = semantic if getattr(vectorizer, "embedded_", 0) == len(rows.read) else None
            refined = refiner.refine(labels, rows.read, own, rows.counts, rows.groups, rows.lemmas)
            if (refined != labels).any():
                labels, similarity = settle_pains(X, refined, rows.counts, rows.groups, clusterer)
        if self.meaning_merge and semantic is not None and answers:
            labels = merge_by_meaning(labels, rows.counts, semantic, self.meaning_merge)
        if self.area_merge and concepts is not None and semantic is not None and answers:
            # Survey answers only: an appeal's area is too coarse (SPb reasons differ within «мусор»).
            areas = concepts.meant_areas(semantic, embedder)
            labels = merge_by_area(labels, rows.counts, areas, self.area_merge, self.subject_share)
        occurrences = rows.occurrences
        if not answers:
            labels, occurrences = _without_praise(labels, rows, cues, self.praise_share)
        n_pains = int(labels.max()) + 1 if len(labels) else 0
        item_list = self._item_pains(occurrences, labels)
        pain_items: list[set[int]] = [set() for _ in range(n_pains)]
        for index, chosen in item_list.items():
            for p in chosen:
                pain_items[p].add(index)

        keywords = (
            labeller.keywords(
                vectorizer.tfidf(rows.lemmas), rows.counts, labels, n_pains, vectorizer.feature_names()
            )
            if n_pains
            else []
        )
        group_col = next((c for c in group_cols if c in items.columns), None)
        breakdown_cols = [c for c in (*group_cols, cluster_by, channel_col) if c and c in items.columns]
        breakdown_cols = list(dict.fromkeys(breakdown_cols))
        n_items = len(items)
        pains, all_members = [], []
        for p in range(n_pains):
            members_idx = np.flatnonzero(labels == p)
            members = PainMembers(
                # Labels come from the corrected text («Нардоу много» is no label); quotes stay verbatim.
                texts=[rows.read[i] for i in members_idx],
                counts=rows.counts[members_idx],
                similarity=similarity[members_idx],
                vectors=X[members_idx],
                item_texts=[rows.quote_source[i] for i in members_idx],
            )
            all_members.append(members)
            item_idx = sorted(pain_items[p])
            pain = self._pain(items, item_idx, breakdown_cols, group_col, ids)
            pain.id, pain.keywords, pain.n_fragments = f"P{p + 1:03d}", keywords[p], int(members.counts.sum())
            pain.signature = self._signature([rows.lemmas[i] for i in members_idx], members.counts)
            pains.append(pain)
        order = sorted(range(n_pains), key=lambda p: (-pains[p].size, p))
        renamed = self._name_in_order(order, pains, all_members, labeller, cues)
        with_problem = sorted({i for i, _ in occurrences})
        item_pain: dict[Hashable, str | None] = {ids[i]: None for i in with_problem}
        item_pains: dict[Hashable, list[str]] = {ids[i]: [] for i in range(n_items)}
        for index, chosen in item_list.items():
            item_pain[ids[index]] = renamed[chosen[0]]
            item_pains[ids[index]] = [renamed[p] for p in chosen]
        return PainReport(
            item_pains=item_pains,
            pains=[pains[p] for p in order],
            n_items=n_items,
            noise_item_ids=[ids[i] for i in with_problem if i not in item_list],
            no_pain_item_ids=[ids[i] for i in sorted(set(range(n_items)) - set(with_problem))],
            item_pain=item_pain,
        )

    @staticmethod
    def _pain(items: pd.DataFrame, item_idx: list[int], breakdown_cols: list, group_col, ids: list) -> Pain:
        """A pain's counts: size, prevalence with its Wilson interval, breakdown by column, processes."""
        n_items = len(items)
        low, high = wilson_bounds(len(item_idx), n_items)
        breakdown = {c: _value_counts(items[c].iloc[item_idx]) for c in breakdown_cols}
        processes = [
            {"name": name, "items": n, "share": round(n / len(item_idx), 4)}
            for name, n in (breakdown.get(group_col, {}) if group_col else {}).items()
        ]
        return Pain(
            id="",
            label="",
            keywords=[],
            quotes=[],
            size=len(item_idx),
            n_fragments=0,
            prevalence=len(item_idx) / n_items if n_items else 0.0,
            ci_low=low,
            ci_high=high,
            processes=processes,
            breakdown=breakdown,
            item_ids=[ids[i] for i in item_idx],
        )

    @staticmethod
    def _cluster(rows: FragmentRows, vectorizer, clusterer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(vectors, pain of each row with -1 for noise, similarity of each row to its pain)."""
        if not rows.lemmas:
            return np.zeros((0, 1)), np.zeros(0, dtype=int), np.zeros(0)
        vectorizer.fit(rows.lemmas, sample_weight=rows.counts)
        if getattr(vectorizer, "needs_texts", False):
            X = vectorizer.transform(rows.lemmas, texts=rows.read, sample_weight=rows.counts)
        else:
            X = vectorizer.transform(rows.lemmas)
        if isinstance(clusterer, GroupedClusterer):
            clusterer.fit(X, sample_weight=rows.counts, groups=rows.groups)
        else:
            clusterer.fit(X, sample_weight=rows.counts)
        return X, np.asarray(clusterer.labels_), np.asarray(clusterer.similarity_)

    def _item_pains(self, occurrences: list[tuple[int, int]], labels: np.ndarray) -> dict[int, list[int]]:
        """Each item's pains: the one most of its fragments belong to first (ties: the earliest fragment, as
        Counter keeps insertion order), then the others, at most `max_pains_per_item`: a long appeal whose
        every clause joined some pain read as 2–24 problems at once. A further pain needs a fair share of
        the item's fragments (`secondary_share`): a survey answer naming two problems keeps both; one clause
        of a long letter does not make it a second problem. Items whose fragments are all noise are absent."""
        votes: dict[int, Counter] = defaultdict(Counter)
        for index, row in occurrences:
            if labels[row] != NOISE:
                votes[index][int(labels[row])] += 1
        chosen: dict[int, list[int]] = {}
        for index, counter in votes.items():
            ranked = sorted(counter.items(), key=lambda pv: -pv[1])
            need = self.secondary_share * sum(counter.values())
            picks = [ranked[0][0]] + [p for p, v in ranked[1:] if v >= need]
            chosen[index] = picks[: self.max_pains_per_item]
        return chosen

    @staticmethod
    def _name_in_order(
        order: list[int], pains: list[Pain], members: list[PainMembers], labeller, cues
    ) -> dict[int, str]:
        """Number the pains in `order` (by size: P001 the most widespread), then label and quote them in that
        order, each with a phrase no bigger pain took and items no bigger pain quotes: two pains named or
        quoted alike read as one problem counted twice. → the new id of each pain's cluster index."""
        renamed = {p: f"P{rank + 1:03d}" for rank, p in enumerate(order)}
        ordered = [members[p] for p in order]
        keywords = [pains[p].keywords for p in order]
        labels = label_pains(labeller, ordered, keywords, cues)
        quotes = distinct_quotes(labeller, ordered)
        for p, label, quote in zip(order, labels, quotes, strict=True):
            pains[p].id, pains[p].label, pains[p].quotes = renamed[p], label, quote
        return renamed

    def _signature(self, rows: list[list[str]], counts: np.ndarray) -> dict[str, float]:
        bag: Counter = Counter()
        for lemmas, count in zip(rows, counts, strict=True):
            for lemma in dict.fromkeys(lemmas):  # not set(): its order changes with PYTHONHASHSEED
                bag[lemma] += float(count)
        # Ties broken by the lemma itself, so the top-N cut (and tracking) is the same in every process.
        top = sorted(bag.items(), key=lambda kv: (-kv[1], kv[0]))[: self.signature_size]
        norm = math.sqrt(sum(v * v for _, v in top)) or 1.0
        return {k: round(v / norm, 6) for k, v in top}


def _value_counts(values: pd.Series) -> dict[str, int]:
    counts = values.dropna().astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def find_pains(
    items: pd.DataFrame,
    *,
    text_col: str = "text",
    id_col: str | None = None,
    group_cols: Sequence[str] = ("process", "topic"),
    channel_col: str | None = "channel",
    cluster_by: str | None = None,
    finder: PainFinder | None = None,
    embedder=None,
) -> PainReport:
    """Pains of one period's items (see module docstring); `finder` carries non-default parts."""
    return (finder or PainFinder(embedder=embedder)).find(
        items,
        text_col=text_col,
        id_col=id_col,
        group_cols=group_cols,
        channel_col=channel_col,
        cluster_by=cluster_by,
    )


def _without_praise(labels: np.ndarray, rows: FragmentRows, cues: PainCues, share: float, sample: int = 300):
    """Labels and occurrences without the pains at least `share` of whose texts (by count; the `sample` rows
    listed first of a pain are read, so a period of 100,000 appeals reads at most `sample` per pain) praise:
    their rows leave (their items carry no problem unless another row of theirs does); ids stay dense."""
    member = labels != NOISE
    if not share or not member.any():
        return labels, rows.occurrences
    gone = []
    for pain in range(int(labels.max()) + 1):
        read = np.flatnonzero(labels == pain)[:sample]
        praised = sum(rows.counts[i] for i in read if cues.praising(rows.read[i]))
        gone.append(praised >= share * rows.counts[read].sum())
    if not any(gone):
        return labels, rows.occurrences
    dropped = member & np.asarray(gone)[np.maximum(labels, 0)]
    out = np.where(dropped, NOISE, labels)
    _, out[out != NOISE] = np.unique(out[out != NOISE], return_inverse=True)
    return out, [(i, r) for i, r in rows.occurrences if not dropped[r]]
