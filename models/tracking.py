"""Stable pain ids across periods and each pain's lineage.

Each period is clustered on its own, so vectors of two periods live in different spaces; pains are compared
by their lemma signatures (cosine) and keywords (Jaccard), which mean the same thing in any period.
One-to-one matching (Hungarian, scipy `linear_sum_assignment`) keeps an id on at most one pain.

Lineage of a current pain: `new`; `persisting`, `growing` (its interval lies above the previous share) or
`fading` (below it) when matched; `merged` when it also absorbs other previous pains; `split` when it is a
second heir of a previous pain that matched elsewhere. Previous pains with no heir are listed in `gone`.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from models.pain_report import Pain, PainReport

_NUMBER = re.compile(r"(\d+)$")


def signature_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit-normalised lemma signatures."""
    if len(a) > len(b):
        a, b = b, a
    return float(sum(w * b.get(k, 0.0) for k, w in a.items()))


def keyword_overlap(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


class PainTracker:
    """Renumbers a period's pains to the ids of the previous period's pains they continue.

    `match(previous, current) -> PainReport` (a new report; `current` is not modified).
    """

    def __init__(self, min_similarity: float = 0.5, keyword_weight: float = 0.3, prefix: str = "P") -> None:
        self.min_similarity = min_similarity
        self.keyword_weight = keyword_weight
        self.prefix = prefix

    def similarity(self, previous: list[Pain], current: list[Pain]) -> np.ndarray:
        sims = np.zeros((len(previous), len(current)))
        for i, old in enumerate(previous):
            for j, new in enumerate(current):
                sims[i, j] = (1 - self.keyword_weight) * signature_similarity(
                    old.signature, new.signature
                ) + (self.keyword_weight * keyword_overlap(old.keywords, new.keywords))
        return sims

    def _next_number(self, previous: PainReport) -> int:
        numbers = [
            int(m.group(1))
            for pid in [p.id for p in previous.pains] + previous.gone
            if (m := _NUMBER.search(pid))
        ]
        return max(numbers, default=0) + 1

    def match(self, previous: PainReport | None, current: PainReport) -> PainReport:
        pains = [replace(p, lineage="new", previous_ids=[]) for p in current.pains]
        if previous is None or not previous.pains:
            return replace(current, pains=pains, gone=[])
        old = previous.pains
        sims = self.similarity(old, pains)
        rows, cols = linear_sum_assignment(-sims)
        heir = {int(j): int(i) for i, j in zip(rows, cols, strict=True) if sims[i, j] >= self.min_similarity}
        matched_old = set(heir.values())
        next_number = self._next_number(previous)
        new_ids: dict[str, str] = {}
        for j, pain in enumerate(pains):
            if j in heir:
                before = old[heir[j]]
                pain.previous_ids = [before.id]
                if pain.ci_low > before.prevalence:
                    pain.lineage = "growing"
                elif pain.ci_high < before.prevalence:
                    pain.lineage = "fading"
                else:
                    pain.lineage = "persisting"
                new_ids[pain.id] = before.id
            else:
                best = int(np.argmax(sims[:, j]))
                if sims[best, j] >= self.min_similarity and best in matched_old:
                    pain.lineage, pain.previous_ids = "split", [old[best].id]
                new_ids[pain.id] = f"{self.prefix}{next_number:03d}"
                next_number += 1
        # A matched pain that is also the best match of an unmatched previous pain absorbed it.
        absorbed: set[int] = set()
        for i in set(range(len(old))) - matched_old:
            best = int(np.argmax(sims[i])) if len(pains) else -1
            if best in heir and sims[i, best] >= self.min_similarity:
                pains[best].lineage = "merged"
                pains[best].previous_ids.append(old[i].id)
                absorbed.add(i)
        for pain in pains:
            pain.id = new_ids[pain.id]
        gone = [old[i].id for i in range(len(old)) if i not in matched_old and i not in absorbed]
        item_pain = {k: (new_ids[v] if v is not None else None) for k, v in current.item_pain.items()}
        item_pains = {k: [new_ids[v] for v in vs] for k, vs in current.item_pains.items()}
        return replace(current, pains=pains, item_pain=item_pain, item_pains=item_pains, gone=gone)
