"""PainTracker: stable ids and lineage across periods."""

from __future__ import annotations

import math

from models.intervals import wilson_bounds
from models.pain_report import Pain, PainReport
from models.tracking import PainTracker


def _pain(pid: str, words: list[str], size: int, n: int, keywords: list[str] | None = None) -> Pain:
    norm = math.sqrt(len(words))
    low, high = wilson_bounds(size, n)
    return Pain(
        id=pid,
        label=" ".join(words).capitalize(),
        keywords=keywords or words[:3],
        quotes=[],
        size=size,
        n_fragments=size,
        prevalence=size / n,
        ci_low=low,
        ci_high=high,
        processes=[],
        breakdown={},
        item_ids=list(range(size)),
        signature={w: 1 / norm for w in words},
    )


def _report(pains: list[Pain], n: int) -> PainReport:
    return PainReport(
        pains=pains,
        n_items=n,
        noise_item_ids=[],
        no_pain_item_ids=[],
        item_pain={f"{p.id}-item": p.id for p in pains},
    )


QUEUE = ["очередь", "ожидание", "долго", "час"]
SITE = ["сайт", "ошибка", "портал", "работать"]
PHONE = ["дозвониться", "телефон", "трубка"]
DOCS = ["справка", "документ", "лишний"]
STAFF = ["сотрудник", "грубость", "хамство"]


def test_persisting_pains_keep_ids_and_new_ones_get_fresh_ids():
    before = _report(
        [_pain("P001", QUEUE, 50, 500), _pain("P002", SITE, 40, 500), _pain("P003", PHONE, 30, 500)], 500
    )
    # The current period numbers its pains itself; the tracker must map them back.
    now = _report(
        [_pain("P001", SITE, 41, 500), _pain("P002", QUEUE, 49, 500), _pain("P003", DOCS, 20, 500)], 500
    )
    matched = PainTracker().match(before, now)
    by_label = {p.label: p for p in matched.pains}
    assert by_label[" ".join(SITE).capitalize()].id == "P002"
    assert by_label[" ".join(QUEUE).capitalize()].id == "P001"
    docs = by_label[" ".join(DOCS).capitalize()]
    assert docs.lineage == "new" and docs.id == "P004"
    assert matched.gone == ["P003"]
    assert matched.item_pain["P001-item"] == "P002"  # item ids follow the renumbering


def test_growing_and_fading_follow_the_interval():
    before = _report([_pain("P001", QUEUE, 50, 1000), _pain("P002", SITE, 100, 1000)], 1000)
    now = _report([_pain("P001", QUEUE, 150, 1000), _pain("P002", SITE, 30, 1000)], 1000)
    lineage = {p.id: p.lineage for p in PainTracker().match(before, now).pains}
    assert lineage == {"P001": "growing", "P002": "fading"}


def test_merge_and_split_are_reported():
    staff_rude = ["сотрудник", "грубость", "хамство", "нагрубить"]
    before = _report([_pain("P001", staff_rude, 40, 400), _pain("P002", DOCS + ["справка"], 30, 400)], 400)
    # P001 splits into two similar pains.
    now = _report(
        [
            _pain("P001", staff_rude, 25, 400),
            _pain("P002", ["сотрудник", "грубость", "хамство"], 15, 400),
            _pain("P003", DOCS, 30, 400),
        ],
        400,
    )
    matched = PainTracker().match(before, now)
    lineages = sorted(p.lineage for p in matched.pains)
    assert "split" in lineages
    split = next(p for p in matched.pains if p.lineage == "split")
    assert split.previous_ids == ["P001"] and split.id not in {"P001", "P002"}

    merged_before = _report(
        [_pain("P001", STAFF, 20, 400), _pain("P002", ["сотрудник", "грубость"], 20, 400)], 400
    )
    merged_now = _report([_pain("P001", STAFF, 40, 400)], 400)
    merged = PainTracker().match(merged_before, merged_now)
    assert merged.pains[0].lineage == "merged" and sorted(merged.pains[0].previous_ids) == ["P001", "P002"]
    assert merged.gone == []


def test_first_period_is_all_new():
    now = _report([_pain("P001", QUEUE, 10, 100)], 100)
    matched = PainTracker().match(None, now)
    assert [p.lineage for p in matched.pains] == ["new"] and matched.pains[0].id == "P001"
