"""Stored pains as analysts read and correct them: a period's pains, one pain with its items, a rename
that the next refresh keeps (the refresh rewrites `label`, never `analyst_label`), with its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Item, ItemPains, Pain, PainChange, PainSnapshot

MAX_LABEL = 300


def period_pains(session: Session, period: str) -> list[dict[str, Any]]:
    """The period's pains, largest first: shown label, size, prevalence with its interval, lineage, and
    the prevalence in each earlier period (the trend)."""
    rows = session.execute(
        select(PainSnapshot, Pain)
        .join(Pain, Pain.id == PainSnapshot.pain_id)
        .where(PainSnapshot.period == period)
        .order_by(PainSnapshot.size.desc(), PainSnapshot.pain_id)
    ).all()
    ids = [pain.id for _, pain in rows]
    history: dict[str, list[tuple[str, float]]] = {i: [] for i in ids}
    earlier = session.execute(
        select(PainSnapshot.pain_id, PainSnapshot.period, PainSnapshot.prevalence)
        .where(PainSnapshot.pain_id.in_(ids), PainSnapshot.period <= period)
        .order_by(PainSnapshot.period)
    )
    for pain_id, when, prevalence in earlier:
        history[pain_id].append((when, prevalence or 0.0))
    return [
        {
            "id": pain.id,
            "label": pain.shown_label,
            "renamed": pain.analyst_label is not None,
            "size": snap.size,
            "prevalence": snap.prevalence or 0.0,
            "ci_low": snap.ci_low or 0.0,
            "ci_high": snap.ci_high or 0.0,
            "lineage": snap.trend or "new",
            "trend": history[pain.id],
            "processes": snap.processes or [],
        }
        for snap, pain in rows
    ]


def pain_detail(session: Session, pain_id: str, period: str) -> dict[str, Any] | None:
    """One pain in `period`: what the finder reported (quotes, keywords, breakdown) and its corrections."""
    pain = session.get(Pain, pain_id)
    snap = session.scalar(
        select(PainSnapshot).where(PainSnapshot.pain_id == pain_id, PainSnapshot.period == period)
    )
    if pain is None or snap is None:
        return None
    payload = snap.payload or {}
    return {
        "id": pain.id,
        "label": pain.shown_label,
        "found_label": snap.label,
        "size": snap.size,
        "prevalence": snap.prevalence or 0.0,
        "ci_low": snap.ci_low or 0.0,
        "ci_high": snap.ci_high or 0.0,
        "lineage": snap.trend or "new",
        "keywords": payload.get("keywords", []),
        "quotes": payload.get("quotes", []),
        "breakdown": payload.get("breakdown", {}),
        "changes": [
            {"field": c.field, "old": c.old_value, "new": c.new_value, "author": c.author, "at": c.changed_at}
            for c in pain.changes
        ],
    }


def pain_items(session: Session, pain_id: str, period: str, limit: int, offset: int) -> tuple[list, int]:
    """(masked items of the pain in `period`, a page of `limit` from `offset`; how many there are)."""
    query = select(ItemPains.item_id, ItemPains.pains).where(ItemPains.period == period)
    rows = session.execute(query.order_by(ItemPains.item_id))
    ids = [item_id for item_id, pains in rows if pain_id in (pains or [])]
    page = ids[offset : offset + limit]
    columns = (Item.id, Item.external_id, Item.channel, Item.created_at, Item.text_masked)
    items = session.execute(select(*columns).where(Item.id.in_(page))).all()
    by_id = {row.id: row for row in items}
    return [by_id[i] for i in page if i in by_id], len(ids)


def rename_pain(session: Session, pain_id: str, label: str, author: str) -> Pain:
    """The analyst's name for a pain (empty: back to the found one), recorded in its history."""
    pain = session.get(Pain, pain_id)
    if pain is None:
        raise LookupError(f"боли {pain_id} нет")
    label = " ".join(label.split())[:MAX_LABEL] or None
    if label == pain.analyst_label:
        return pain
    pain.changes.append(
        PainChange(field="label", old_value=pain.shown_label, new_value=label or pain.label, author=author)
    )
    pain.analyst_label = label
    session.flush()
    return pain
