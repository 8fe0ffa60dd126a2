"""One linear model (or one per coarse class) over leaf labels, as stored in a MultiHeadClassifier bundle.

Plain objects and numpy arrays only, so a bundle pickles small and loads without sklearn's estimators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from models.calibration import fit_temperature, softmax

LEAF_SEP = " || "  # joins the hierarchy heads' labels into one leaf label
_UNSEEN = -1e4  # score of a leaf no model saw: zero probability after any softmax


class LeafGroup:
    """One linear model over leaf labels and the heads rolled up from them (plain object: pickles).

    With ``block`` set (leaf → class index of the coarse head), the leaf scores come from one model per coarse
    class, comparable only inside their block: probabilities are a softmax per block times P(coarse class).
    """

    def __init__(self, leaf_classes: np.ndarray, heads: dict[str, np.ndarray], classes: dict[str, np.ndarray],
                 decode_order: tuple[str, ...]) -> None:
        self.leaf_classes = leaf_classes
        self.rollup = heads  # head → int array: leaf index → class index of that head
        self.classes = classes
        self.decode_order = decode_order  # hierarchy heads, coarse → fine; decoded top-down
        self.temperature = 1.0
        self.external: str | None = None  # coarse hierarchy head predicted by its own model (coarse_model)
        self.block: np.ndarray | None = None
        self.block_temperature = np.ones(0)
        self.onehot = {h: np.eye(len(classes[h]), dtype=np.float64)[m] for h, m in heads.items()}
        # scores = X @ coef + intercept; float32 halves the bundle. Leaves no model saw score _UNSEEN.
        self.coef = np.zeros((0, 0), np.float32)
        self.intercept = np.zeros(0, np.float32)
        self.seen = np.arange(len(leaf_classes))

    def set_models(self, n_features: int, parts: list[tuple[np.ndarray, LinearSVC | None]]) -> None:
        """``parts``: (leaf indices, model over labels that are those indices) — one part, or one per block;
        a part with a single leaf has no model (the leaf is certain inside its block)."""
        coef = np.zeros((n_features, len(self.leaf_classes)), np.float32)
        intercept = np.full(len(self.leaf_classes), _UNSEEN, np.float32)
        for leaves, model in parts:
            if model is None:
                intercept[leaves] = 0.0
                continue
            c, b = model.coef_, model.intercept_
            if c.shape[0] == 1:  # binary LinearSVC: one row scoring classes_[1]
                c, b = np.vstack([-c, c]), np.concatenate([-b, b])
            cols = model.classes_.astype(np.int64)
            own = cols >= 0  # a negative label stands for the classes another chunk scores
            coef[:, cols[own]] = c[own].T
            intercept[cols[own]] = b[own]
        self.coef, self.intercept = coef, intercept
        self.seen = np.arange(len(self.leaf_classes))

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

    def fit_temperatures(self, scores: np.ndarray, labels: np.ndarray) -> None:
        """Temperatures on held-out ``scores`` with true leaf ``labels``: one, or one per block (a block with
        one leaf or under 20 held-out rows takes the median of the others)."""
        block = getattr(self, "block", None)
        if block is None:
            self.temperature = fit_temperature(scores, labels)
            return
        temps = np.full(block.max() + 1, np.nan)
        for b in range(len(temps)):
            cols = np.flatnonzero(block == b)
            rows = np.flatnonzero(np.isin(labels, cols))
            if len(cols) > 1 and len(rows) >= 20:
                local = np.searchsorted(cols, labels[rows])
                temps[b] = fit_temperature(scores[np.ix_(rows, cols)], local)
        fallback = float(np.nanmedian(temps)) if np.isfinite(temps).any() else 1.0
        self.block_temperature = np.where(np.isfinite(temps), temps, fallback)
        self.temperature = fallback

    def leaf_proba(self, scores: np.ndarray, coarse_proba: np.ndarray | None) -> np.ndarray:
        block = getattr(self, "block", None)
        if block is None or coarse_proba is None:
            return softmax(scores, self.temperature)
        # Softmax inside each block (per-block max for stability), in a few whole-array steps: the leaves
        # sorted by block make each block one segment for reduceat.
        order = np.argsort(block, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(block[order]) != 0])
        z = scores / self.block_temperature[block]
        z -= np.maximum.reduceat(z[:, order], starts, axis=1)[:, block]
        np.exp(z, out=z)
        z /= np.add.reduceat(z[:, order], starts, axis=1)[:, block]
        z *= coarse_proba[:, block]
        return z


def class_weight(kind: str | dict | None, labels: np.ndarray) -> str | dict | None:
    """LinearSVC's class_weight, plus "sqrt": weights ∝ 1/√(class size) — halfway to "balanced", which
    lifts the rare classes' recall (SPb dev: category macro-F1 +1 pt) and keeps accuracy on common ones."""
    if kind not in ("sqrt", "balanced"):
        return kind
    values, counts = np.unique(labels, return_counts=True)
    weights = counts.mean() / counts  # = sklearn's "balanced"; computed here so chunked fits get the same
    return dict(zip(values.tolist(), (np.sqrt(weights) if kind == "sqrt" else weights).tolist(), strict=True))


def build_groups(y: pd.DataFrame, hierarchy: tuple[str, ...], coarse_model: bool
                 ) -> tuple[list[LeafGroup], list[np.ndarray]]:
    """The groups a MultiHeadClassifier fits for the label columns ``y`` and each group's leaf label per row.

    With a ``hierarchy`` its heads (and every head the leaf fixes) form one group; with ``coarse_model`` the
    coarsest head also gets its own group, which decides it; each other head is a group of its own."""
    groups: list[LeafGroup] = []
    leaf_labels: list[np.ndarray] = []
    remaining = list(y.columns)
    if hierarchy:
        leaf = y[list(hierarchy)].agg(LEAF_SEP.join, axis=1).to_numpy() if len(hierarchy) > 1 \
            else y[hierarchy[0]].to_numpy()
        derived = [h for h in remaining if h in hierarchy or y.groupby(leaf)[h].nunique().max() == 1]
        if coarse_model and len(hierarchy) > 1:
            coarse = y[hierarchy[0]].to_numpy()
            groups.append(_group(coarse, y, [hierarchy[0]], (hierarchy[0],)))
            leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, coarse))
        groups.append(_group(leaf, y, derived, hierarchy))
        leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, leaf))
        if coarse_model and len(hierarchy) > 1:
            groups[-1].external = hierarchy[0]
            groups[-1].block = groups[-1].rollup[hierarchy[0]]
            groups[-1].block_temperature = np.ones(len(groups[-1].classes[hierarchy[0]]))
        remaining = [h for h in remaining if h not in derived]
    for h in remaining:
        groups.append(_group(y[h].to_numpy(), y, [h], (h,)))
        leaf_labels.append(np.searchsorted(groups[-1].leaf_classes, y[h].to_numpy()))
    return groups, leaf_labels


def _group(leaf: np.ndarray, y: pd.DataFrame, heads: list[str], order: tuple[str, ...]) -> LeafGroup:
    leaf_classes, first = np.unique(leaf, return_index=True)
    classes = {h: np.unique(y[h].to_numpy()) for h in heads}
    rollup = {h: np.searchsorted(classes[h], y[h].to_numpy()[first]) for h in heads}
    return LeafGroup(leaf_classes, rollup, classes, order)
