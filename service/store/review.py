"""The review queue: items the classifier abstained on (flagged for review) and nobody has labelled yet,
the least certain first; a label set there is stored like any analyst correction — the retraining input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from service.db.models import Item, Label, Prediction


def _open_reviews(head: str):  # noqa: ANN202 (a SQLAlchemy select)
    """Latest prediction per item for `head` that asks for review, on items without a label for `head`."""
    latest = (
        select(Prediction.item_id, func.max(Prediction.id).label("pid"))
        .where(Prediction.head == head)
        .group_by(Prediction.item_id)
        .subquery()
    )
    labelled = exists().where(and_(Label.item_id == Prediction.item_id, Label.head == head))
    return (
        select(Prediction, Item)
        .join(latest, latest.c.pid == Prediction.id)
        .join(Item, Item.id == Prediction.item_id)
        .where(Prediction.review.is_(True), ~labelled)
    )


def review_queue(session: Session, head: str, limit: int = 10) -> list[tuple[Prediction, Item]]:
    """The next `limit` items to label, the least certain first (ties: the oldest item)."""
    query = _open_reviews(head).order_by(Prediction.probability.asc().nulls_first(), Item.id).limit(limit)
    return [(p, i) for p, i in session.execute(query).all()]


def review_progress(session: Session, head: str) -> dict[str, Any]:
    """How many flagged items are still open, how many labels analysts gave for `head`, and per class."""
    open_count = session.scalar(select(func.count()).select_from(_open_reviews(head).subquery()))
    per_class = session.execute(
        select(Label.value, func.count())
        .where(Label.head == head, Label.source == "correction")
        .group_by(Label.value)
        .order_by(func.count().desc(), Label.value)
    ).all()
    done = sum(n for _, n in per_class)
    return {"open": int(open_count or 0), "labelled": done, "per_class": [(v, int(n)) for v, n in per_class]}


def heads_with_predictions(session: Session) -> list[str]:
    return [h for (h,) in session.execute(select(Prediction.head).distinct().order_by(Prediction.head))]


def add_label(session: Session, item_id: int, head: str, value: str, author: str) -> Label:
    """An analyst's label for one item (the latest label of a head wins in training)."""
    from models.rare_labels import RARE_LABEL

    if value.strip() == RARE_LABEL:  # what the model says of labels too rare to learn: never a label itself
        raise ValueError(f"«{RARE_LABEL}» — не тема, а отметка модели: выберите или впишите настоящую метку")
    if session.get(Item, item_id) is None:
        raise LookupError(f"записи {item_id} нет")
    row = Label(item_id=item_id, head=head, value=value, source="correction", author=author)
    session.add(row)
    session.flush()
    return row
