"""What a period's pains are: `Pain` (one recurring problem) and `PainReport` (a period's pains, its noise
and each item's pains), as `models.pains.PainFinder` finds them and the store, the CLI and the API show
them."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """numpy scalars → Python, so reports serialise to JSON."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Pain:
    """One recurring problem of a period. `signature` (lemma → weight) lets tracking compare periods."""

    id: str
    label: str
    keywords: list[str]
    quotes: list[str]
    size: int
    n_fragments: int
    prevalence: float
    ci_low: float
    ci_high: float
    processes: list[dict[str, Any]]
    breakdown: dict[str, dict[str, int]]
    item_ids: list[Hashable]
    signature: dict[str, float] = field(repr=False, default_factory=dict)
    lineage: str = "new"
    previous_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["item_ids"] = [_plain(i) for i in self.item_ids]
        data.pop("signature")
        return data


@dataclass
class PainReport:
    """Pains of one period plus the items that went to noise and those that carried no problem at all."""

    pains: list[Pain]
    n_items: int
    noise_item_ids: list[Hashable]
    no_pain_item_ids: list[Hashable]
    item_pain: dict[Hashable, str | None]
    gone: list[str] = field(default_factory=list)
    # Every item of the period (input order) → its pains, primary first; [] for noise and no-pain items.
    item_pains: dict[Hashable, list[str]] = field(default_factory=dict)

    @property
    def noise_share(self) -> float:
        return len(self.noise_item_ids) / self.n_items if self.n_items else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Pains, items and counts; pain-map suggestions are `models.painmap.suggest_entries(report)`."""
        return {
            "pains": [p.to_dict() for p in self.pains],
            "noise_item_ids": [_plain(i) for i in self.noise_item_ids],
            "no_pain_item_ids": [_plain(i) for i in self.no_pain_item_ids],
            "n_items": self.n_items,
            "gone": list(self.gone),
            "items": [
                {"id": _plain(i), "pains": list(pains)} for i, pains in self.item_pains.items()
            ],
        }
