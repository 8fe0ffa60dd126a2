"""Multi-head text classifier: shared TF-IDF features, calibrated linear models, abstention.

Heads that are a function of a finer label are not trained separately: with
``hierarchy=("category", "reason")`` one model scores the (category, reason) leaves; the best leaf gives
both the reason and the category, so predictions are always consistent, and the reported category
probability is the sum over its leaves.
Any other head whose value is fixed by the leaf in the training data (e.g. ``process`` mapped from the reason)
is derived the same way; the rest get their own model on the same features.

Probabilities: softmax of LinearSVC scores with a temperature fitted on the newest
``calibration_fraction`` of the rows (rows are taken to be in time order). Per-class thresholds for
``target_precision`` are chosen on that holdout; then, with ``refit=True``, the linear models are
refitted on all rows.

>>> clf = MultiHeadClassifier(hierarchy=("category", "reason")).fit(texts, labels[["category", "reason"]])
>>> clf.predict_table(["Сосульки на крыше"])      # category, category_proba, category_review, reason, …
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.calibration import class_thresholds, fit_temperature, holdout_stats, softmax
from models.features import AnalyzedText, TextFeatures, analyze, analyze_one

LEAF_SEP = " || "


class LabelError(ValueError):
    """Label columns that cannot be trained on (empty head, missing labels, one class only)."""


def _default_preprocessor():
    from nlp import Preprocessor

    return Preprocessor(ner=False)


class _Group:
    """One linear model over leaf labels and the heads rolled up from them (plain object: pickles)."""

    def __init__(self, leaf_classes: np.ndarray, heads: dict[str, np.ndarray], classes: dict[str, np.ndarray],
                 decode_order: tuple[str, ...]) -> None:
        self.leaf_classes = leaf_classes
        self.rollup = heads  # head → int array: leaf index → class index of that head
        self.classes = classes
        self.decode_order = decode_order  # hierarchy heads, coarse → fine; decoded top-down
        self.temperature = 1.0
        self.external: str | None = None  # coarse hierarchy head predicted by its own model (coarse_model)
        self.onehot = {h: np.eye(len(classes[h]), dtype=np.float64)[m] for h, m in heads.items()}
        # scores = X @ coef + intercept over the leaves the model saw (``seen``); float32 halves the bundle.
        self.coef = np.zeros((0, 0), np.float32)
        self.intercept = np.zeros(0, np.float32)
        self.seen = np.arange(len(leaf_classes))

    def set_model(self, model: LinearSVC) -> None:
        coef, intercept = model.coef_, model.intercept_
        if coef.shape[0] == 1:  # binary LinearSVC: one row scoring classes_[1]
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self.coef = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept = intercept.astype(np.float32)
        self.seen = model.classes_.astype(np.int64)

    def scores(self, X: sp.csr_matrix) -> np.ndarray:
        """Scores in ``leaf_classes`` order; leaves absent from the training part get a hopeless score."""
        raw = np.asarray(X @ self.coef, dtype=np.float64) + self.intercept
        return self._expand(raw)

    def scores_one(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        raw = (val.astype(np.float64) @ self.coef[idx] + self.intercept)[None, :]
        return self._expand(raw)

    def _expand(self, raw: np.ndarray) -> np.ndarray:
        if len(self.seen) == len(self.leaf_classes):
            return raw
        out = np.full((raw.shape[0], len(self.leaf_classes)), raw.min() - 50.0)
        out[:, self.seen] = raw
        return out


class MultiHeadClassifier(ClassifierMixin, BaseEstimator):
    """Classifier with one output per label column of ``y`` (see module docstring).

    Parameters: ``preprocessor`` (nlp.Preprocessor; default one without NER), ``hierarchy`` (heads
    coarse → fine forming one leaf label), ``features`` (TextFeatures),
    ``C``/``class_weight``/``tol`` of LinearSVC,
    ``target_precision`` (float or {head: float}) for review thresholds, ``calibration_fraction``, ``refit``,
    ``validate_taxonomy`` (refuse labels missing from data/taxonomy for heads it knows), ``dedupe`` (train on
    unique (text, label) rows with counts as weights: same optimum, but on SPb liblinear converged 3× slower
    — 131 s vs 48 s CPU — so it is off by default).
    ``coarse_model``: the coarsest hierarchy head also gets its own model, which decides it; the finer heads
    are then the best leaf inside it (SPb test: a direct category model had macro-F1 0.825 and 67 % coverage
    at precision 0.99 vs 0.821 and 35 % for category read off the leaves).
    """

    def __init__(self, preprocessor=None, hierarchy: Sequence[str] | None = None,
                 features: TextFeatures | None = None, C: float = 0.3, class_weight: str | None = None,
                 tol: float = 1e-3, max_iter: int = 1000,
                 target_precision: float | Mapping[str, float] = 0.95, calibration_fraction: float = 0.15,
                 refit: bool = True, validate_taxonomy: bool = True, taxonomy_root=None, dedupe: bool = False,
                 min_class_support: int = 20, coarse_model: bool = True) -> None:
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

    # ---------------------------------------------------------------- fitting
    def fit(self, texts: Sequence[str], y: pd.DataFrame) -> MultiHeadClassifier:
        y = self._check_labels(texts, y)
        self.preprocessor_ = self.preprocessor if self.preprocessor is not None else _default_preprocessor()
        self.features_ = TextFeatures() if self.features is None else _clone(self.features)
        docs = analyze(self.preprocessor_, list(texts))
        X = self.features_.fit_transform(docs)
        self.groups_, leaf_labels = self._build_groups(y)
        self.heads_ = list(y.columns)
        self.classes_ = {h: g.classes[h] for g in self.groups_ for h in g.rollup}
        n = len(y)
        n_hold = int(round(n * self.calibration_fraction)) if self.calibration_fraction > 0 else 0
        n_hold = n_hold if n - n_hold >= 2 and n_hold >= 10 else 0
        fit_idx, hold_idx = np.arange(n - n_hold), np.arange(n - n_hold, n)
        for g, labels in zip(self.groups_, leaf_labels, strict=True):
            g.set_model(self._fit_linear(X, labels, fit_idx, docs))
            if n_hold:
                scores = g.scores(X[hold_idx])
                g.temperature = fit_temperature(scores, labels[hold_idx])
        self.thresholds_, self.holdout_stats_ = {}, {}
        if n_hold:
            decoded = self._decode(X[hold_idx])
            for h in self.heads_:
                true_idx = np.searchsorted(self.classes_[h], y[h].to_numpy()[hold_idx])
                proba, pred = decoded[h]
                top = proba[np.arange(len(pred)), pred]
                self.thresholds_[h] = class_thresholds(pred, top, true_idx, len(self.classes_[h]),
                                                       self._target(h), self.min_class_support)
                self.holdout_stats_[h] = holdout_stats(true_idx, pred, proba, len(self.classes_[h]))
            if self.refit:
                for g, labels in zip(self.groups_, leaf_labels, strict=True):
                    g.set_model(self._fit_linear(X, labels, np.arange(n), docs))
        else:  # nothing held out: no evidence for any threshold, so nothing is auto-accepted
            self.thresholds_ = {h: np.full(len(self.classes_[h]), np.inf) for h in self.heads_}
        self.n_holdout_ = n_hold
        return self

    def _target(self, head: str) -> float:
        if isinstance(self.target_precision, Mapping):
            return float(self.target_precision.get(head, 0.95))
        return float(self.target_precision)

    def _check_labels(self, texts: Sequence[str], y) -> pd.DataFrame:
        y = pd.DataFrame(y).reset_index(drop=True)
        if y.shape[1] == 0:
            raise LabelError("y has no label columns: give one column per head")
        if len(y) != len(texts):
            raise LabelError(f"{len(texts)} texts but {len(y)} label rows")
        for h in y.columns:
            missing = y[h].isna() | (y[h].astype(str).str.strip() == "")
            if missing.any():
                rows = np.flatnonzero(missing.to_numpy())[:10].tolist()
                raise LabelError(f"head {h!r}: empty label in rows {rows} (0-based) — drop or label them")
        y = y.astype(str)
        for h in self.hierarchy or ():
            if h not in y.columns:
                raise LabelError(f"hierarchy head {h!r} is not a label column (columns: {list(y.columns)})")
        if self.validate_taxonomy:
            from models.taxonomy import load_taxonomy

            load_taxonomy(self.taxonomy_root).validate(y)
        return y

    def _build_groups(self, y: pd.DataFrame) -> tuple[list[_Group], list[np.ndarray]]:
        hierarchy = tuple(self.hierarchy or ())
        groups: list[_Group] = []
        leaf_labels: list[np.ndarray] = []
        remaining = list(y.columns)
        if hierarchy:
            leaf = y[list(hierarchy)].agg(LEAF_SEP.join, axis=1).to_numpy() if len(hierarchy) > 1 \
                else y[hierarchy[0]].to_numpy()
            derived = [h for h in remaining if h in hierarchy or y.groupby(leaf)[h].nunique().max() == 1]
            if self.coarse_model and len(hierarchy) > 1:
                coarse = y[hierarchy[0]].to_numpy()
                groups.append(self._group(coarse, y, [hierarchy[0]], (hierarchy[0],)))
                leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, coarse))
            groups.append(self._group(leaf, y, derived, hierarchy))
            leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, leaf))
            if self.coarse_model and len(hierarchy) > 1:
                groups[-1].external = hierarchy[0]
            remaining = [h for h in remaining if h not in derived]
        for h in remaining:
            groups.append(self._group(y[h].to_numpy(), y, [h], (h,)))
            leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, y[h].to_numpy()))
        for g in groups:
            if len(g.leaf_classes) < 2:
                raise LabelError(f"heads {list(g.rollup)}: only one class ({g.leaf_classes[0]!r}); need two+")
        return groups, leaf_labels

    @staticmethod
    def _group(leaf: np.ndarray, y: pd.DataFrame, heads: list[str], order: tuple[str, ...]) -> _Group:
        leaf_classes, first = np.unique(leaf, return_index=True)
        classes = {h: np.unique(y[h].to_numpy()) for h in heads}
        rollup = {h: np.searchsorted(classes[h], y[h].to_numpy()[first]) for h in heads}
        return _Group(leaf_classes, rollup, classes, order)

    def _fit_linear(self, X: sp.csr_matrix, labels: np.ndarray, idx: np.ndarray,
                    docs: AnalyzedText) -> LinearSVC:
        weights = None
        if self.dedupe:
            key = pd.DataFrame({"t": [docs.normalized[i] for i in idx], "y": labels[idx]})
            codes = key.groupby(["t", "y"], sort=False).ngroup().to_numpy()
            _, first, weights = np.unique(codes, return_index=True, return_counts=True)
            idx = idx[first]
            weights = weights.astype(np.float64)
        if len(np.unique(labels[idx])) < 2:
            raise LabelError("the training part has a single class; give more varied or more rows")
        model = LinearSVC(C=self.C, class_weight=self.class_weight, tol=self.tol, max_iter=self.max_iter,
                          dual=True)
        return model.fit(X[idx], labels[idx], sample_weight=weights)

    # ---------------------------------------------------------------- scoring
    def _decode(self, X: sp.csr_matrix | None = None, one: tuple[np.ndarray, np.ndarray] | None = None
                ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """head → (marginal probabilities, predicted class index); hierarchy heads from the best leaf."""
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for g in self.groups_:
            scores = g.scores(X) if one is None else g.scores_one(*one)
            leaf_p = softmax(scores, g.temperature)
            # Hierarchy heads follow the single best leaf (arg-maxing summed probabilities favours categories
            # with many reasons); with a coarse model, the best leaf *inside* its predicted category.
            best_leaf = leaf_p.argmax(axis=1)
            ext = getattr(g, "external", None)
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


def _clone(est):
    from sklearn.base import clone

    return clone(est)
