"""Analysts' corrections of pains, applied to every fresh `PainReport` before it is stored, so they survive
each refresh (pain ids are stable across refreshes: `models.tracking`):

- a pain merged into another counts its items to the target (under the target's id, label and quotes);
- a pain marked «не боль» leaves the report (its items keep their other pains);
- an item moved out of a pain no longer counts to it.

Sizes, prevalence and its Wilson interval are recomputed for every pain the corrections touched.

    >>> apply_corrections(report, PainCorrections(merged={"P007": "P002"}, hidden={"P011"}))
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from models.intervals import wilson_bounds
from models.pain_report import Pain, PainReport


@dataclass(frozen=True)
class PainCorrections:
    merged: dict[str, str] = field(default_factory=dict)  # pain id → the pain it was merged into
    hidden: frozenset[str] = frozenset()  # «не боль»
    excluded: frozenset[tuple[Hashable, str]] = frozenset()  # (item id, pain id) moved out

    def target(self, pain_id: str) -> str:
        """Where a pain's items go, following merges of merges (a cycle stops where it closes)."""
        seen = {pain_id}
        while pain_id in self.merged and self.merged[pain_id] not in seen:
            pain_id = self.merged[pain_id]
            seen.add(pain_id)
        return pain_id

    def __bool__(self) -> bool:
        return bool(self.merged or self.hidden or self.excluded)


def apply_corrections(report: PainReport, corrections: PainCorrections) -> PainReport:
    """`report` with the corrections applied (in place, and returned)."""
    if not corrections or not report.pains:
        return report
    by_id: dict[str, Pain] = {}
    touched: set[str] = set()
    for pain in report.pains:  # largest first: a merge keeps the target's label and quotes if it is here
        to = corrections.target(pain.id)
        if to in corrections.hidden or pain.id in corrections.hidden:
            touched.add(pain.id)
            continue
        if to in by_id:
            known = set(by_id[to].item_ids)
            by_id[to].item_ids += [i for i in pain.item_ids if i not in known]
            touched.add(to)
        else:
            if to != pain.id:
                pain.previous_ids = [*pain.previous_ids, pain.id]
                pain.id = to
                touched.add(to)
            by_id[to] = pain
    for pain in by_id.values():
        kept = [i for i in pain.item_ids if (i, pain.id) not in corrections.excluded]
        if len(kept) != len(pain.item_ids):
            pain.item_ids = kept
            touched.add(pain.id)
    for pain_id in touched & set(by_id):
        pain = by_id[pain_id]
        pain.size = len(pain.item_ids)
        pain.prevalence = pain.size / report.n_items if report.n_items else 0.0
        pain.ci_low, pain.ci_high = wilson_bounds(pain.size, report.n_items)
    report.pains = sorted((p for p in by_id.values() if p.size), key=lambda p: -p.size)
    alive = {p.id for p in report.pains}
    members = {p.id: set(p.item_ids) for p in report.pains}
    for item, pains in report.item_pains.items():
        moved = [corrections.target(p) for p in pains]
        report.item_pains[item] = [p for p in dict.fromkeys(moved) if p in alive and item in members[p]]
    report.item_pain = {
        item: (report.item_pains.get(item) or [None])[0] for item in report.item_pain
    }
    return report
