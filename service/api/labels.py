"""POST /v1/labels: analysts' corrections, the input of retraining."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.api.deps import analyst, get_db
from service.auth import Principal
from service.db.models import Item, Label
from service.schemas import LabelsIn, LabelsResult

router = APIRouter(tags=["labels"])


@router.post(
    "/labels",
    response_model=LabelsResult,
    status_code=status.HTTP_201_CREATED,
    summary="Сохранить исправленные метки",
    description="Каждая метка ссылается на запись по `item_id` или по паре (`source`, `external_id`).",
)
def post_labels(
    body: LabelsIn, db: Session = Depends(get_db), who: Principal = Depends(analyst)
) -> LabelsResult:
    rows = []
    for number, label in enumerate(body.labels):
        where = f"labels[{number}]"
        if label.item_id is not None:
            item_id = db.scalar(select(Item.id).where(Item.id == label.item_id))
            missing = f"{where}.item_id: записи {label.item_id} нет"
        elif label.external_id is not None:
            item_id = db.scalar(
                select(Item.id).where(Item.source == label.source, Item.external_id == label.external_id)
            )
            missing = f"{where}.external_id: записи {label.external_id!r} (источник {label.source!r}) нет"
        else:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_ENTITY, f"{where}: нужен item_id или external_id"
            )
        if item_id is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing)
        row = Label(
            item_id=item_id, head=label.head, value=label.value, source="correction", author=who.author
        )
        db.add(row)
        rows.append(row)
    db.flush()
    ids = [r.id for r in rows]
    db.commit()
    return LabelsResult(created=len(ids), ids=ids)
