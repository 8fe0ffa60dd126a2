"""Labels with too few examples to learn — a new municipality's long tail — pooled, named and sent to review.

A class seen two or three times gets a linear model that guesses it on unrelated texts or never at all;
either way the user cannot tell. Its rows are pooled into one class per head, `RARE_LABEL`, which the
classifier learns like any other and always sends to review (`models.classify.MultiHeadClassifier`,
`min_examples`). In a hierarchy a fine label backs off to its coarse one: a rare reason becomes
«<category> / RARE_LABEL», so the category is still predicted, and only a rare category pools its reasons too.

    >>> pooled, names = pool_rare(y, ("category", "reason"), min_examples=5)
    >>> names["reason"]      # the labels the model could not learn, for the card and the console
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RARE_LABEL = "(мало примеров — на проверку)"
# `painmap train --min-examples`: a label with fewer training rows is not learned. 3, not 5: 2,000 SPb train
# appeals with 105 reasons (40 under 5 rows), scored on dev: reason accuracy 0.637 with none pooled, 0.634
# at 3, 0.630 at 5 — each pooled label is a sure miss, so the bar stays where a label cannot be learned.
MIN_EXAMPLES = 3


def pool_rare(
    y: pd.DataFrame, hierarchy: Sequence[str], min_examples: int = MIN_EXAMPLES
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """``y`` (string labels) with each label of fewer than ``min_examples`` rows replaced by `RARE_LABEL`
    → (pooled labels, head → the labels pooled, sorted). Hierarchy heads (coarse → fine) count a label within
    its parents; a pooled parent pools its children."""
    if min_examples <= 1 or not len(y):
        return y, {}
    out = y.copy()
    names: dict[str, list[str]] = {}
    parent_rare = np.zeros(len(y), dtype=bool)
    for level, head in enumerate(hierarchy):
        key = list(hierarchy[: level + 1])
        size = y.groupby(key, sort=False)[head].transform("size").to_numpy()
        rare = parent_rare | (size < min_examples)
        _pool(out, y, head, rare, names)
        parent_rare = rare
    for head in y.columns:
        if head not in hierarchy:
            size = y.groupby(head, sort=False)[head].transform("size").to_numpy()
            _pool(out, y, head, size < min_examples, names)
    return out, names


def _pool(out: pd.DataFrame, y: pd.DataFrame, head: str, rare: np.ndarray, names: dict[str, list[str]]
          ) -> None:
    if rare.any():
        names[head] = sorted(set(y[head].to_numpy()[rare]))
        out.loc[rare, head] = RARE_LABEL
