"""Multi-head text classifier: shared TF-IDF features, calibrated linear models, abstention.

Heads that are a function of a finer label are not trained separately: with
``hierarchy=("category", "reason")`` the (category, reason) pairs are the leaves; a category model decides the
category, and one model per category ranks its reasons (a local classifier per parent node: each sees only
its category's texts, ~5× less work than one model over all leaves), so predictions are always consistent
and P(leaf) = P(category) · P(reason | category). ``hierarchy="auto"`` (default) finds such a pair in ``y``.
Any other head whose value is fixed by the leaf in the training data (e.g. ``process`` mapped from the reason)
is derived the same way; the rest get their own model on the same features.

Probabilities: softmax of LinearSVC scores (per parent block for the leaves) with a temperature fitted on the
newest
``calibration_fraction`` of the rows (rows are taken to be in time order). Per-class thresholds for
``target_precision`` are chosen on that holdout; then, with ``refit=True``, the linear models are
refitted on all rows.

>>> clf = MultiHeadClassifier(hierarchy=("category", "reason")).fit(texts, labels[["category", "reason"]])
>>> clf.predict_table(["Сосульки на крыше"])      # category, category_proba, category_review, reason, …
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.calibration import class_thresholds, holdout_stats
from models.features import AnalyzedText, TextFeatures, analyze, analyze_one
from models.label_checks import LabelError, check_labels, find_hierarchy
from models.leaf_group import LEAF_SEP, LeafGroup, build_groups, class_weight  # noqa: F401 (LEAF_SEP: public here)
from models.neighbours import NEIGHBOUR_WEIGHT, NeighbourVote, checked_weight, choose_weight
from models.rare_labels import MIN_EXAMPLES, RARE_LABEL, pool_rare

_Group = LeafGroup  # bundles written before the move unpickle by this name
_REST = -1  # label of "every other class" in a chunk of one-vs-rest problems
_CHUNK_UNITS = 8  # the work of all linear models is cut into about this many tasks


def _default_preprocessor():
    from nlp import Preprocessor

    return Preprocessor(ner=False)


class MultiHeadClassifier(ClassifierMixin, BaseEstimator):
    """Classifier with one output per label column of ``y`` (see module docstring).

    Parameters: ``preprocessor`` (nlp.Preprocessor; default one without NER), ``hierarchy`` (heads
    coarse → fine forming one leaf label), ``features`` (TextFeatures),
    ``C``/``class_weight``/``tol`` of LinearSVC (``class_weight="sqrt"``: ∝ 1/√class size; ``tol`` 0.1 is
    liblinear's own default for this solver — on SPb dev 1e-3 gave the same accuracy for 1.3× the CPU),
    ``n_jobs`` worker processes for the linear models,
    ``target_precision`` (float or {head: float}) for review thresholds, ``calibration_fraction``, ``refit``,
    ``holdout_error_factor``: thresholds are chosen for this share of the allowed error rate on the holdout
    (0.6: 0.95 is sought as 0.97), as the holdout flatters the next quarter (bench/thresholds.py, SPb
    March: reason precision 0.933 where the holdout promised 0.95; sought as 0.97, 0.952 with metadata),
    ``validate_taxonomy`` (refuse labels missing from data/taxonomy for heads it knows), ``dedupe`` (train on
    unique (text, label) rows with counts as weights: same optimum, but on SPb liblinear converged 3× slower
    — 131 s vs 48 s CPU — so it is off by default).
    ``neighbour_weight``: in the quality mode (features with ``semantic_weight`` > 0) the share of the nearest
    training texts' vote in every probability (``models.neighbours``; 0 turns it off); "auto" picks the one
    of ``NEIGHBOUR_WEIGHTS`` that scores best on the holdout (``NEIGHBOUR_WEIGHT`` without a holdout).
    ``coarse_model``: the coarsest hierarchy head also gets its own model, which decides it; the finer heads
    are then the best leaf inside it (SPb test: a direct category model had macro-F1 0.825 and 67 % coverage
    at precision 0.99 vs 0.821 and 35 % for category read off the leaves).
    """

    def __init__(self, preprocessor=None, hierarchy: Sequence[str] | str | None = "auto",
                 features: TextFeatures | None = None, C: float = 0.6,
                 class_weight: str | dict | None = "sqrt",
                 tol: float = 0.1, max_iter: int = 1000,
                 target_precision: float | Mapping[str, float] = 0.95, calibration_fraction: float = 0.15,
                 refit: bool = True, validate_taxonomy: bool = True, taxonomy_root=None, dedupe: bool = False,
                 min_class_support: int = 20, coarse_model: bool = True, n_jobs: int | None = None,
                 holdout_error_factor: float = 0.6, min_examples: int = MIN_EXAMPLES,
                 taxonomy_file: str | None = None, neighbour_weight: float | str = "auto") -> None:
        self.preprocessor = preprocessor
        self.hierarchy = hierarchy
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.target_precision = target_precision
        self.calibration_fraction = calibration_fraction
        self.refit = refit
        self.validate_taxonomy = validate_taxonomy
        self.taxonomy_root = taxonomy_root
        self.dedupe = dedupe
        self.min_class_support = min_class_support
        self.coarse_model = coarse_model
        self.n_jobs = n_jobs
        self.holdout_error_factor = holdout_error_factor
        self.min_examples = min_examples
        self.taxonomy_file = taxonomy_file
        self.neighbour_weight = neighbour_weight

    # ---------------------------------------------------------------- fitting
    def fit(self, texts: Sequence[str], y: pd.DataFrame, progress=None) -> MultiHeadClassifier:
        """``progress(stage, done, total)``, when given, is told how each stage advances (the CLI's bar)."""
        report = progress or _silent
        y, self.taxonomy_ = check_labels(texts, y, self.hierarchy, self.validate_taxonomy, self.taxonomy_file,
                                         self.taxonomy_root)
        self.hierarchy_ = find_hierarchy(y) if self.hierarchy == "auto" else tuple(self.hierarchy or ())
        # Labels too rare to learn are pooled, named (`unlearned_`) and always sent to review.
        y, self.unlearned_ = pool_rare(y, self.hierarchy_, self.min_examples)
        self.preprocessor_ = self.preprocessor if self.preprocessor is not None else _default_preprocessor()
        self.features_ = TextFeatures() if self.features is None else _clone(self.features)
        docs = analyze(self.preprocessor_, list(texts), partial(report, "Предобработка"))
        report("Признаки", 0, 1)
        X = self.features_.fit_transform(docs, progress=partial(report, "Смысловые векторы (e5)"))
        report("Признаки", 1, 1)
        self.groups_, leaf_labels = self._build_groups(y)
        self.heads_ = list(y.columns)
        self.classes_ = {h: g.classes[h] for g in self.groups_ for h in g.rollup}
        n = len(y)
        n_hold = int(round(n * self.calibration_fraction)) if self.calibration_fraction > 0 else 0
        n_hold = n_hold if n - n_hold >= 2 and n_hold >= 10 else 0
        fit_idx, hold_idx = np.arange(n - n_hold), np.arange(n - n_hold, n)
        fitting = partial(report, f"Обучение ({', '.join(self.heads_)})")
        self._fit_groups(X, leaf_labels, fit_idx, docs, fitting)
        self._fit_neighbours(X, leaf_labels, fit_idx)
        self.thresholds_, self.holdout_stats_ = {}, {}
        if n_hold:
            report("Калибровка и пороги", 0, 1)
            self._fit_temperatures(X[hold_idx], [labels[hold_idx] for labels in leaf_labels])
            votes = self._choose_neighbour_weight(X[hold_idx], y.iloc[hold_idx])
            decoded = self._decode(X[hold_idx], votes=votes)
            for h in self.heads_:
                true_idx = np.searchsorted(self.classes_[h], y[h].to_numpy()[hold_idx])
                proba, pred = decoded[h]
                top = proba[np.arange(len(pred)), pred]
                sought = 1.0 - (1.0 - self._target(h)) * self.holdout_error_factor
                self.thresholds_[h] = class_thresholds(pred, top, true_idx, len(self.classes_[h]), sought,
                                                       self.min_class_support)
                self.holdout_stats_[h] = holdout_stats(true_idx, pred, proba, len(self.classes_[h]))
            report("Калибровка и пороги", 1, 1)
            if self.refit:
                refitting = partial(report, "Дообучение на всех строках")
                self._fit_groups(X, leaf_labels, np.arange(n), docs, refitting)
                self._fit_neighbours(X, leaf_labels, np.arange(n), refit=True)
        else:  # nothing held out: no evidence for any threshold, so nothing is auto-accepted
            self.thresholds_ = {h: np.full(len(self.classes_[h]), np.inf) for h in self.heads_}
        for h in self.heads_:
            self.thresholds_[h][self.classes_[h] == RARE_LABEL] = np.inf
        self.n_holdout_ = n_hold
        keep = getattr(self.preprocessor_, "keep_lemmas_when_pickled", None)
        if keep is not None:  # a loaded model starts with its training vocabulary lemmatised
            keep()
        return self

    def _fit_groups(self, X: sp.csr_matrix, leaf_labels: list[np.ndarray], idx: np.ndarray,
                    docs: AnalyzedText, progress=None) -> None:
        """Every linear model of every group, in parallel worker processes.

        A model with many classes is split into chunks of its one-vs-rest problems so that workers stay busy:
        a chunk's fit sees every other class as one REST label, which leaves each of the chunk's binary
        problems (class vs all other rows) exactly as in the whole fit."""
        parts: list[tuple[int, np.ndarray]] = []  # (group, rows) per model: one per group, or one per block
        for gi, (g, labels) in enumerate(zip(self.groups_, leaf_labels, strict=True)):
            block = getattr(g, "block", None)
            if block is None:
                parts.append((gi, idx))
                continue
            parts.extend((gi, idx[block[labels[idx]] == b]) for b in range(len(g.block_temperature)))
        workers = effective_n_jobs(self.n_jobs)
        present = [np.unique(leaf_labels[gi][rows]) for gi, rows in parts]
        work = [len(rows) * len(leaves) for (_, rows), leaves in zip(parts, present, strict=True)]
        # The plan does not depend on the cores: a model is the same on every machine.
        unit = sum(work) / _CHUNK_UNITS
        tasks: list[tuple[int, np.ndarray | None]] = []  # (part, its chunk of classes or None for all)
        for p, leaves in enumerate(present):
            n_chunks = min(len(leaves) // 2, int(np.ceil(work[p] / unit)))
            if n_chunks <= 1:
                tasks.append((p, None))
            else:
                tasks.extend((p, chunk) for chunk in np.array_split(leaves, n_chunks))
        tasks.sort(key=lambda t: -len(parts[t[0]][1]) * (len(present[t[0]]) if t[1] is None else len(t[1])))

        # Each part's rows deduplicated and sliced once for all its chunks (one copy, shipped once), with its
        # class weights over all its rows.
        part_data: dict[int, tuple] = {}
        for p, (gi, rows) in enumerate(parts):
            if len(present[p]) >= 2:
                unique, labels, sample_weight = self._unique_rows(rows, leaf_labels[gi][rows], docs)
                weights = class_weight(self.class_weight, leaf_labels[gi][rows])
                part_data[p] = (X[unique], labels, sample_weight, weights)
            elif getattr(self.groups_[gi], "block", None) is None:
                raise LabelError("в обучающей части один класс: нужны более разнообразные строки")

        def prepare(task: tuple[int, np.ndarray | None]) -> tuple | None:
            p, chunk = task
            if p not in part_data:
                return None  # a block with one leaf (or none) in this part: that leaf is certain
            X_part, labels, sample_weight, weights = part_data[p]
            if chunk is not None:
                labels = np.where(np.isin(labels, chunk), labels, _REST)
                if isinstance(weights, dict):  # REST's own problem is discarded; negatives are unweighted
                    weights = {**weights, _REST: 1.0}
            return X_part, labels, sample_weight, weights

        # liblinear draws its shuffles from one random generator per process: fits in threads would share it
        # and give a different model on each run (probabilities off by up to 0.05), so fits run in processes.
        params = {"C": self.C, "tol": self.tol, "max_iter": self.max_iter}
        prepared = [prepare(t) for t in tasks]
        todo = [args for args in prepared if args is not None]
        fitted = []
        parallel = Parallel(n_jobs=min(workers, len(tasks)) or 1, prefer="processes", return_as="generator")
        for model in parallel(delayed(_fit_linear_svc)(*args, **params) for args in todo):
            fitted.append(model)
            (progress or _silent)(len(fitted), len(todo))
        models = iter(fitted)
        fitted = [None if args is None else next(models) for args in prepared]
        by_group: dict[int, list[tuple[np.ndarray, LinearSVC | None]]] = {}
        for (p, _), model in zip(tasks, fitted, strict=True):
            by_group.setdefault(parts[p][0], []).append((present[p], model))
        for gi, g in enumerate(self.groups_):
            g.set_models(X.shape[1], by_group[gi])

    def _fit_neighbours(self, X: sp.csr_matrix, leaf_labels: list[np.ndarray], idx: np.ndarray,
                        refit: bool = False) -> None:
        """In the quality mode the rows ``idx`` become the voters (``models.neighbours``) of every group."""
        fixed = None if self.neighbour_weight == "auto" else checked_weight(self.neighbour_weight)
        meaning = self.features_.meaning(X[idx]) if fixed != 0.0 else None
        self.neighbours_ = None if meaning is None else NeighbourVote(
            meaning, [labels[idx] for labels in leaf_labels], [len(g.leaf_classes) for g in self.groups_])
        if not refit:  # at the refit the weight stays what the holdout chose
            self.neighbour_weight_ = 0.0 if meaning is None else NEIGHBOUR_WEIGHT if fixed is None else fixed

    def _choose_neighbour_weight(self, X_hold: sp.csr_matrix, y_hold: pd.DataFrame
                                 ) -> tuple[np.ndarray, np.ndarray] | None:
        """"auto": the weight of the vote with the best holdout accuracy (mean over heads). → the holdout's
        neighbours (None without a vote), for the thresholds that follow."""
        if self.neighbours_ is None:
            return None
        votes = self.neighbours_.neighbours(self.features_.meaning(X_hold))
        if self.neighbour_weight != "auto":
            return votes

        def accuracy(weight: float) -> float:
            self.neighbour_weight_ = weight
            decoded = self._decode(X_hold, votes=votes)
            return float(np.mean([np.mean(self.classes_[h][decoded[h][1]] == y_hold[h].to_numpy())
                                  for h in self.heads_]))

        self.neighbour_weight_ = choose_weight(accuracy)
        return votes

    def _fit_temperatures(self, X_hold: sp.csr_matrix, hold_labels: list[np.ndarray]) -> None:
        for g, labels in zip(self.groups_, hold_labels, strict=True):
            g.fit_temperatures(g.scores(X_hold), labels)

    def _target(self, head: str) -> float:
        if isinstance(self.target_precision, Mapping):
            return float(self.target_precision.get(head, 0.95))
        return float(self.target_precision)

    def _build_groups(self, y: pd.DataFrame) -> tuple[list[LeafGroup], list[np.ndarray]]:
        groups, leaf_labels = build_groups(y, self.hierarchy_, self.coarse_model)
        for g in groups:
            if len(g.leaf_classes) >= 2:
                continue
            heads, only = ", ".join(g.rollup), g.leaf_classes[0]
            rare = (f"метки, у которых меньше {self.min_examples} примеров, не учатся — уменьшите "
                    "--min-examples или добавьте примеры") if self.unlearned_ else ""
            if only == RARE_LABEL:
                raise LabelError(f"голова «{heads}»: выучить нечего — {rare}")
            more = f"; {rare}" if rare else ""
            raise LabelError(f"голова «{heads}»: у всех строк одна метка ({only!r}) — нужны хотя бы две "
                             f"разные: добавьте размеченные тексты других меток{more}")
        return groups, leaf_labels

    def _unique_rows(self, rows: np.ndarray, labels: np.ndarray, docs: AnalyzedText
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """With ``dedupe``: one row per (text, label), weighted by its count; else all rows, unweighted."""
        if not self.dedupe:
            return rows, labels, None
        key = pd.DataFrame({"t": [docs.normalized[i] for i in rows], "y": labels})
        codes = key.groupby(["t", "y"], sort=False).ngroup().to_numpy()
        _, first, counts = np.unique(codes, return_index=True, return_counts=True)
        return rows[first], labels[first], counts.astype(np.float64)

    # ---------------------------------------------------------------- scoring
    def _decode(self, X: sp.csr_matrix | None = None, one: tuple[np.ndarray, np.ndarray] | None = None,
                votes: tuple[np.ndarray, np.ndarray] | None = None
                ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """head → (marginal probabilities, predicted class index); hierarchy heads from the best leaf.
        ``votes``: the neighbours of the rows of ``X`` when the caller has them already."""
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        voters: NeighbourVote | None = getattr(self, "neighbours_", None)  # bundles before the vote lack it
        mix = getattr(self, "neighbour_weight_", 0.0) if voters is not None else 0.0
        if mix > 0 and votes is None:
            votes = voters.neighbours(self.features_.meaning(X, one))
        for gi, g in enumerate(self.groups_):
            scores = g.scores(X) if one is None else g.scores_one(*one)
            ext = getattr(g, "external", None)
            leaf_p = g.leaf_proba(scores, out[ext][0] if ext in out else None)
            if mix > 0:  # the quality mode: mixed with the nearest training texts' vote
                leaf_p = (1.0 - mix) * leaf_p + mix * voters.vote(*votes, gi)
            # Hierarchy heads follow the single best leaf (arg-maxing summed probabilities favours categories
            # with many reasons); with a coarse model, the best leaf *inside* its predicted category.
            best_leaf = leaf_p.argmax(axis=1)
            if ext is not None and ext in out:
                allowed = g.rollup[ext][None, :] == out[ext][1][:, None]
                best_leaf = np.where(allowed, leaf_p, -1.0).argmax(axis=1)
            for h in g.decode_order:
                if h != ext:
                    out[h] = (leaf_p @ g.onehot[h], g.rollup[h][best_leaf])
            for h in g.rollup:
                if h not in out:
                    marginal = leaf_p @ g.onehot[h]
                    out[h] = (marginal, marginal.argmax(axis=1))
        return out

    def _transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        check_is_fitted(self, "groups_")
        if isinstance(texts, str):
            raise TypeError("expected a sequence of texts, got one string (predict_one takes a single text)")
        if len(texts) == 0:  # an empty batch scores to empty tables (sklearn's tf-idf refuses zero rows)
            return sp.csr_matrix((0, self.features_.n_features_), dtype=np.float32)
        return self.features_.transform(analyze(self.preprocessor_, list(texts)))

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """head → (n_texts, n_classes) marginal probabilities, columns in ``classes_[head]`` order."""
        return {h: p for h, (p, _) in self._decode(self._transform(texts)).items()}

    def predict(self, texts: Sequence[str]) -> pd.DataFrame:
        decoded = self._decode(self._transform(texts))
        return pd.DataFrame({h: self.classes_[h][decoded[h][1]] for h in self.heads_})

    def predict_table(self, texts: Sequence[str]) -> pd.DataFrame:
        """Per head: ``<head>`` label, ``<head>_proba`` its probability, ``<head>_review`` (abstained)."""
        decoded = self._decode(self._transform(texts))
        cols: dict[str, np.ndarray] = {}
        for h in self.heads_:
            proba, pred = decoded[h]
            top = proba[np.arange(len(pred)), pred]
            cols[h] = self.classes_[h][pred]
            cols[f"{h}_proba"] = top
            cols[f"{h}_review"] = top < self.thresholds_[h][pred]
        return pd.DataFrame(cols)

    def predict_one(self, text: str) -> dict[str, object]:
        """Fast single-text path (no DataFrame): {head: label, head_proba: float, head_review: bool}."""
        check_is_fitted(self, "groups_")
        text = text if isinstance(text, str) else ""
        normalized, lemmas = analyze_one(self.preprocessor_, text)
        row = self.features_.transform_one(lemmas, normalized)
        decoded = self._decode(one=row)
        out: dict[str, object] = {}
        for h in self.heads_:
            proba, pred = decoded[h]
            c = int(pred[0])
            out[h] = str(self.classes_[h][c])
            out[f"{h}_proba"] = float(proba[0, c])
            out[f"{h}_review"] = bool(proba[0, c] < self.thresholds_[h][c])
        return out

    def top_k(self, texts: Sequence[str], k: int = 3) -> list[dict[str, list[tuple[str, float]]]]:
        """Per text, per head: the k most probable classes with their probabilities, best first."""
        proba = self.predict_proba(texts)
        out: list[dict[str, list[tuple[str, float]]]] = [{} for _ in range(len(texts))]
        for h in self.heads_:
            best = np.argsort(-proba[h], axis=1, kind="stable")[:, :k]
            for i, row in enumerate(best):
                out[i][h] = [(str(self.classes_[h][c]), float(proba[h][i, c])) for c in row]
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        return tags


def _silent(*_args) -> None:
    """No progress to show."""


def _clone(est):
    from sklearn.base import clone

    return clone(est)


def _fit_linear_svc(X: sp.csr_matrix, labels: np.ndarray, sample_weight: np.ndarray | None,
                    weights: dict | str | None, *, C: float, tol: float, max_iter: int) -> LinearSVC:
    if len(np.unique(labels)) < 2:
        raise LabelError("в обучающей части один класс: нужны более разнообразные строки")
    model = LinearSVC(C=C, class_weight=weights, tol=tol, max_iter=max_iter, dual=True, random_state=0)
    return model.fit(X, labels, sample_weight=sample_weight)
