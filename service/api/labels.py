"""POST /v1/labels: analysts' corrections, the input of retraining."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.api.deps import analyst, get_db, reader
from service.auth import Principal
from service.db.models import Item, Label
from service.schemas import MAX_ID, LabelOut, LabelsIn, LabelsResult
from service.store.review import add_label

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
        try:  # the review page saves its labels the same way; nothing is committed before the whole batch
            rows.append(add_label(db, item_id, label.head, label.value, who.author))
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"{where}.value: {exc}") from exc
    ids = [r.id for r in rows]
    db.commit()
    return LabelsResult(created=len(ids), ids=ids)


@router.get(
    "/labels",
    response_model=list[LabelOut],
    summary="Сохранённые метки (импорт и исправления аналитиков), новые первыми",
    dependencies=[Depends(reader)],
)
def list_labels(
    db: Session = Depends(get_db),
    head: str = Query(default=None, max_length=50),
    item_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    source: str = Query(default=None, pattern="^(import|correction)$"),
    author: str = Query(default=None, max_length=100),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> list[LabelOut]:
    query = select(Label).order_by(Label.id.desc())
    for column, value in ((Label.head, head), (Label.item_id, item_id), (Label.source, source),
                          (Label.author, author)):
        if value is not None:
            query = query.where(column == value)
    return [LabelOut.model_validate(row) for row in db.scalars(query.limit(limit).offset(offset))]
