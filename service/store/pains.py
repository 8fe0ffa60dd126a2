"""Stored pains as analysts read and correct them: a period's pains, one pain with its items, and the
corrections every refresh keeps — a rename (the refresh rewrites `label`, never `analyst_label`), a merge,
«не боль», items moved out (`models.pain_corrections` applies them) — each with its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Item, ItemPains, Pain, PainChange, PainExclusion, PainSnapshot

MAX_LABEL = 300


def period_pains(session: Session, period: str) -> list[dict[str, Any]]:
    """The period's pains, largest first: shown label, size, prevalence with its interval, lineage, and
    the prevalence in each earlier period (the trend)."""
    rows = session.execute(
        select(PainSnapshot, Pain)
        .join(Pain, Pain.id == PainSnapshot.pain_id)
        .where(PainSnapshot.period == period, Pain.not_a_pain.is_(False), Pain.merged_into.is_(None))
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


def stored_corrections(session: Session):  # noqa: ANN201 (models imported lazily)
    """Every analyst correction, as `models.pain_corrections.PainCorrections`."""
    from models.pain_corrections import PainCorrections

    query = select(Pain.id, Pain.merged_into).where(Pain.merged_into.is_not(None))
    merged = {pain_id: into for pain_id, into in session.execute(query)}
    hidden = frozenset(session.scalars(select(Pain.id).where(Pain.not_a_pain.is_(True))))
    rows = session.execute(select(PainExclusion.item_id, PainExclusion.pain_id))
    excluded = frozenset((item_id, pain_id) for item_id, pain_id in rows)
    return PainCorrections(merged=merged, hidden=hidden, excluded=excluded)


def merge_pain(session: Session, pain_id: str, into: str, author: str) -> Pain:
    """`pain_id`'s items count to `into` from the next refresh on (and in every later one)."""
    pain, target = session.get(Pain, pain_id), session.get(Pain, into)
    if pain is None or target is None or pain_id == into:
        raise LookupError(f"нельзя объединить боль {pain_id} с {into}: одной из них нет или это одна боль")
    change = PainChange(field="merged_into", old_value=pain.merged_into, new_value=into, author=author)
    pain.changes.append(change)
    pain.merged_into = into
    session.flush()
    return target


def mark_not_a_pain(session: Session, pain_id: str, author: str, value: bool = True) -> Pain:
    """«Не боль»: the pain leaves lists, reports and suggestions (True), or comes back (False)."""
    pain = session.get(Pain, pain_id)
    if pain is None:
        raise LookupError(f"боли {pain_id} нет")
    if pain.not_a_pain != value:
        old = "не боль" if pain.not_a_pain else "боль"
        new = "не боль" if value else "боль"
        pain.changes.append(PainChange(field="not_a_pain", old_value=old, new_value=new, author=author))
        pain.not_a_pain = value
        session.flush()
    return pain


def exclude_items(session: Session, pain_id: str, item_ids: list[int], author: str) -> int:
    """Move items out of a pain; → how many were not moved out before."""
    if session.get(Pain, pain_id) is None:
        raise LookupError(f"боли {pain_id} нет")
    known = set(session.scalars(select(PainExclusion.item_id).where(PainExclusion.pain_id == pain_id)))
    fresh = [i for i in dict.fromkeys(item_ids) if i not in known and session.get(Item, i) is not None]
    for item_id in fresh:
        session.add(PainExclusion(pain_id=pain_id, item_id=item_id, author=author))
    if fresh:
        listed = ", ".join(map(str, fresh[:20])) + (" …" if len(fresh) > 20 else "")
        session.add(PainChange(pain_id=pain_id, field="excluded_items", new_value=listed, author=author))
    session.flush()
    return len(fresh)
