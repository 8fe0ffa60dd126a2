"""Stored items and pains for the quarterly report: the DB → items-frame query and the stored pains of a
period, shared by `painmap report` (from the database) and `GET /v1/reports/quarterly`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

# Survey fields that travel in Item.ratings (a JSON bag) and become item-frame columns of the same name.
_RATING_PREFIXES = ("rating_", "portal_", "grid_")
_RATING_FIELDS = {"ease", "audience", "internal_object", "respondent"}


def _latest_labels(session: Session, item_ids: list[int], head: str) -> tuple[dict[int, str], dict[int, str]]:
    """Predictions and analyst labels of `head` (the newest of each kind counts)."""
    from service.db.models import Label, Prediction

    preds = session.execute(
        select(Prediction.item_id, Prediction.label)
        .where(Prediction.head == head, Prediction.item_id.in_(item_ids))
        .order_by(Prediction.created_at, Prediction.id)
    )
    labels = session.execute(
        select(Label.item_id, Label.value)
        .where(Label.head == head, Label.item_id.in_(item_ids))
        .order_by(Label.created_at, Label.id)
    )
    return {item_id: label for item_id, label in preds if label}, dict(labels.all())


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC, rows still in the session are aware: one frame must not mix them."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def items_frame(session: Session, periods: list[str], *, topic_head: str = "topic") -> pd.DataFrame:
    """Stored items of `periods` as the report's items frame (masked text only).

    Topic: an analyst's label of `topic_head`, else a survey answer's own topic (the question's area, in
    Item.attributes), else the model's prediction. Item.attributes (audience, internal_object, grid_*,
    respondent token) become columns of the same names.
    """
    from service.db.models import Item

    rows = session.execute(select(Item).where(Item.period.in_(periods))).scalars().all()
    ids = [r.id for r in rows]
    predicted: dict[int, str] = {}
    labelled: dict[int, str] = {}
    for start in range(0, len(ids), 500):  # keep IN lists short for SQLite's parameter limit
        preds, labels = _latest_labels(session, ids[start : start + 500], topic_head)
        predicted.update(preds)
        labelled.update(labels)
    records: list[dict[str, Any]] = []
    for r in rows:
        rec: dict[str, Any] = {
            "id": r.id,
            "text": r.text_masked,
            "kind": r.kind,
            "channel": r.channel,
            "created_at": _utc(r.created_at),
            "answered_at": _utc(r.answered_at),
            "satisfied": r.satisfied,
            "process": r.process,
            "nps": r.nps,
            "period": r.period,
            "topic": labelled.get(r.id) or (r.attributes or {}).get("topic") or predicted.get(r.id),
        }
        for key, value in (r.ratings or {}).items():
            # Survey fields keep their names; a bare rating name (e.g. {"speed": 4}) is a CSAT parameter.
            plain = key.startswith(_RATING_PREFIXES) or key in _RATING_FIELDS
            rec[key if plain else f"rating_{key}"] = value
        for key, value in (r.attributes or {}).items():
            if key != "topic":
                rec[key] = value
        records.append(rec)
    columns = [
        "id",
        "text",
        "kind",
        "channel",
        "created_at",
        "answered_at",
        "satisfied",
        "process",
        "nps",
        "period",
        "topic",
    ]
    return pd.DataFrame.from_records(records, columns=None if records else columns)


def stored_pains(session: Session, period: str) -> list[dict]:
    """Pain snapshots of `period` in the issue #5 JSON shape (what the pains job stored)."""
    from service.db.models import Pain, PainSnapshot

    rows = session.execute(
        select(PainSnapshot, Pain.analyst_label)
        .join(Pain, Pain.id == PainSnapshot.pain_id)
        .where(PainSnapshot.period == period)
    ).all()
    return [
        {
            "id": s.pain_id,
            "label": renamed or s.label,  # an analyst's name for the pain wins over the found one
            "size": s.size,
            "prevalence": s.prevalence,
            "ci_low": s.ci_low,
            "ci_high": s.ci_high,
            "processes": s.processes or [],
            "lineage": s.trend or "new",  # against the quarter before (models.tracking)
        }
        for s, renamed in rows
    ]


def stored_painmap(session: Session, period: str) -> list[dict]:
    """The analysts' pain map for `period` (suggested, accepted and done entries; rejected ones left out)."""
    from service.db.models import PainMapEntry

    entries = session.execute(
        select(PainMapEntry)
        .where(PainMapEntry.period == period, PainMapEntry.status != "rejected")
        .order_by(PainMapEntry.number, PainMapEntry.id)
    ).scalars()
    fields = ("process", "problem", "prevalence", "priority", "measures", "responsible", "deadline", "status")
    return [{f: getattr(e, f) or "" for f in fields} for e in entries]


def stored_pain_report(session: Session, period: str) -> dict | None:
    """Stored pains and pain map of `period` in the issue #5 shape, or None when neither exists."""
    pains, painmap = stored_pains(session, period), stored_painmap(session, period)
    return {"pains": pains, "suggestions": painmap} if pains or painmap else None
