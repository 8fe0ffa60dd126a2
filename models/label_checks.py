"""Label columns a classifier can be trained on: no empty label, hierarchy heads present, taxonomy checked
where one applies (`models.taxonomy.check_heads`), and which pair of heads nests (category → reason)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd


class LabelError(ValueError):
    """Label columns that cannot be trained on (empty head, missing labels, one class only)."""


def check_labels(
    texts: Sequence[str], y, hierarchy: Sequence[str] | str | None, validate: bool,
    taxonomy_file: str | Path | None = None, taxonomy_root: Path | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    """(labels as strings, head → where its labels come from) or LabelError / UnknownLabelError saying what
    to fix. The taxonomy is checked when ``validate`` (heads whose labels mostly match the project's own) or
    when ``taxonomy_file`` names one (strictly)."""
    y = pd.DataFrame(y).reset_index(drop=True)
    if y.shape[1] == 0:
        raise LabelError("нет ни одной колонки с метками: укажите голову (--head ИМЯ=КОЛОНКА)")
    if len(y) != len(texts):
        raise LabelError(f"текстов {len(texts)}, а строк с метками {len(y)}")
    for h in y.columns:
        missing = y[h].isna() | (y[h].astype(str).str.strip() == "")
        if missing.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy())[:10])
            raise LabelError(f"голова «{h}»: пустая метка в {int(missing.sum())} строках (первые: {rows}; "
                             "строки обучающих данных по порядку, с 1) — удалите их или разметьте")
    y = y.astype(str)
    for h in () if hierarchy == "auto" else hierarchy or ():
        if h not in y.columns:
            raise LabelError(f"голова иерархии «{h}» не среди голов ({', '.join(map(str, y.columns))})")
    if not validate and taxonomy_file is None:
        return y, {}
    from models.taxonomy import check_heads

    return y, check_heads(y, taxonomy_file, taxonomy_root)


def find_hierarchy(y: pd.DataFrame) -> tuple[str, ...]:
    """A (coarse, fine) pair of heads whose fine labels (nearly) nest in the coarse ones: e.g. category and
    reason, each reason belonging to one category. Nothing when no pair nests."""
    n = {h: y[h].nunique() for h in y.columns}
    for fine in sorted(y.columns, key=lambda h: -n[h]):
        for coarse in sorted(y.columns, key=lambda h: n[h]):
            if coarse == fine or not 1 < n[coarse] < n[fine]:
                continue
            pairs = len(y[[coarse, fine]].drop_duplicates())
            if pairs <= 1.05 * n[fine]:  # a few fine labels may recur under two parents
                return (coarse, fine)
    return ()
