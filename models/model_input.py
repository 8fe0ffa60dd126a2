"""What a model reads: the text, optionally preceded by metadata columns ("<object>. <district>. <text>").

One composition shared by training (service.modelling.training) and batch scoring (service.scoring.batch), so
a model sees
its metadata exactly as it was trained on it. The card remembers the columns (``card["input"]``); a card
without that field (older bundles) means plain text. The HTTP API gets texts only: there the metadata is
empty and the input is the plain text, as for a row whose metadata cells are all empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

SEPARATOR = ". "


class MetaColumnsError(ValueError):
    """The metadata columns asked for do not fit the model's."""


def compose_text(text: pd.Series, meta: Sequence[pd.Series] = ()) -> pd.Series:
    """Non-empty stripped meta values joined by ". ", then ". " and the text; no metadata → the text itself.

    Missing values (NaN/None) count as empty; the result keeps `text`'s index.
    """
    plain = text.fillna("").astype(str)
    if not meta:
        return plain
    columns = [m.fillna("").astype(str).str.strip().to_numpy() for m in meta]
    prefixes = (SEPARATOR.join(v for v in values if v) for values in zip(*columns, strict=True))
    composed = [f"{p}{SEPARATOR}{t}" if p else t for p, t in zip(prefixes, plain, strict=True)]
    return pd.Series(composed, index=plain.index, dtype=object)


def input_card(text_col: str, meta_cols: Sequence[str] | None) -> dict[str, Any]:
    """The card's ``input`` field: which columns the model reads."""
    return {"text_col": text_col, "meta_cols": list(meta_cols or [])}


def card_meta_cols(card: dict[str, Any]) -> list[str]:
    """The metadata columns a model was trained with (none for cards written before the field existed)."""
    return [str(c) for c in (card.get("input") or {}).get("meta_cols") or []]


def resolve_meta_cols(card: dict[str, Any], override: Sequence[str] | None) -> list[str]:
    """The input file's metadata columns: the card's names, or `override` (same count, same order).

    Raises MetaColumnsError (Russian message) when `override` and the model differ in the number of columns.
    """
    trained = card_meta_cols(card)
    if not override:
        return trained
    if not trained:
        raise MetaColumnsError(f"--meta-col: модель {card.get('id')} обучена без столбцов метаданных")
    if len(override) != len(trained):
        raise MetaColumnsError(
            f"--meta-col: задано столбцов {len(override)}, а модель {card.get('id')} обучена с "
            f"{len(trained)} ({', '.join(trained)}); названия заменяются по порядку, число должно совпадать"
        )
    return list(override)
