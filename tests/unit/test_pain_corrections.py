"""Analysts' corrections applied to a fresh pains report: merge, «не боль», items moved out."""

from __future__ import annotations

from models.pain_corrections import PainCorrections, apply_corrections
from models.pain_report import Pain, PainReport


def _pain(pid: str, items: list[int], n: int = 100) -> Pain:
    return Pain(
        id=pid, label=f"боль {pid}", keywords=[], quotes=[f"цитата {pid}"], size=len(items),
        n_fragments=len(items), prevalence=len(items) / n, ci_low=0.0, ci_high=1.0, processes=[],
        breakdown={}, item_ids=list(items),
    )  # fmt: skip


def _report() -> PainReport:
    pains = [_pain("P001", [1, 2, 3, 4]), _pain("P002", [4, 5, 6]), _pain("P003", [7, 8])]
    pains.append(_pain("P004", [9]))
    item_pains = {i: [] for i in range(1, 11)}
    for pain in pains:
        for i in pain.item_ids:
            item_pains[i].append(pain.id)
    return PainReport(
        pains=pains, n_items=100, noise_item_ids=[10], no_pain_item_ids=[], item_pain={},
        item_pains=item_pains,
    )  # fmt: skip


def test_merge_hide_and_move_out():
    report = apply_corrections(
        _report(),
        PainCorrections(
            merged={"P002": "P001"}, hidden=frozenset({"P003"}), excluded=frozenset({(2, "P001")})
        ),
    )
    ids = [p.id for p in report.pains]
    assert ids == ["P001", "P004"]
    first = report.pains[0]
    assert first.item_ids == [1, 3, 4, 5, 6] and first.size == 5  # 4 counted once, 2 moved out
    assert first.label == "боль P001" and first.quotes == ["цитата P001"]  # the target's own words
    assert abs(first.prevalence - 0.05) < 1e-9 and first.ci_low < 0.05 < first.ci_high
    assert report.item_pains[5] == ["P001"] and report.item_pains[7] == [] and report.item_pains[2] == []
    assert report.item_pains[4] == ["P001"]  # two pains of one item merged into one


def test_a_merge_into_a_pain_absent_this_period_keeps_the_targets_id():
    report = apply_corrections(_report(), PainCorrections(merged={"P003": "P777"}))
    moved = next(p for p in report.pains if p.id == "P777")
    assert moved.item_ids == [7, 8] and "P003" in moved.previous_ids
    assert report.item_pains[7] == ["P777"]


def test_no_corrections_change_nothing():
    before = _report()
    after = apply_corrections(_report(), PainCorrections())
    shape = [(p.id, p.item_ids, p.size) for p in before.pains]
    assert [(p.id, p.item_ids, p.size) for p in after.pains] == shape
