"""The pain map: suggestions analysts accept or reject, edits with history, export in the seeds' form."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.api.deps import analyst, get_db, reader
from service.auth import Principal
from service.db.models import PainMapEntry
from service.schemas import MAX_ID, PainMapEntryOut, PainMapPatch, Status
from service.store.painmap import change_entry, painmap_workbook

router = APIRouter(tags=["painmap"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _entry(db: Session, entry_id: int) -> PainMapEntry:
    entry = db.get(PainMapEntry, entry_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"записи карты болей {entry_id} нет")
    return entry


@router.get(
    "/painmap",
    response_model=list[PainMapEntryOut],
    summary="Карта болей",
    dependencies=[Depends(reader)],
)
def list_entries(
    db: Session = Depends(get_db),
    status_: Status | None = Query(default=None, alias="status"),
    process: str = Query(default=None, max_length=200),
    period: str = Query(default=None, pattern=r"^\d{4}Q[1-4]$"),
) -> list[PainMapEntryOut]:
    # The histories in one query, not one per entry (the list took ~10 ms for 40 entries that way).
    query = select(PainMapEntry).options(selectinload(PainMapEntry.history)).order_by(PainMapEntry.number)
    if status_ is not None:
        query = query.where(PainMapEntry.status == status_)
    if process is not None:
        query = query.where(PainMapEntry.process == process)
    if period is not None:
        query = query.where(PainMapEntry.period == period)
    return [PainMapEntryOut.model_validate(e) for e in db.scalars(query)]


@router.get(
    "/painmap/export.xlsx",
    summary="Карта болей в форме регламента (XLSX)",
    description="Записи квартала `period` (или всех периодов) со всеми статусами, или только со статусом "
    "`status`, в колонках приложения 3 и со статусом; период указан в заголовке листа.",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Файл XLSX"}},
    dependencies=[Depends(reader)],
)
def export(
    db: Session = Depends(get_db),
    status_: Status | None = Query(default=None, alias="status"),
    period: str = Query(default=None, pattern=r"^\d{4}Q[1-4]$", examples=["2025Q2"]),
) -> Response:
    content, name = painmap_workbook(db, period, status_)
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


def _decide(db: Session, entry_id: int, new_status: str, who: Principal) -> PainMapEntryOut:
    entry = _entry(db, entry_id)
    if entry.status not in ("suggested", new_status):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"запись {entry_id} уже в статусе {entry.status!r}; "
            f"изменить статус можно через PATCH /v1/painmap/{entry_id}",
        )
    change_entry(entry, {"status": new_status}, who.author)
    db.commit()
    return PainMapEntryOut.model_validate(entry)


@router.post(
    "/painmap/suggestions/{entry_id}/accept",
    response_model=PainMapEntryOut,
    summary="Принять предложение в карту болей",
)
def accept(
    entry_id: int = Path(ge=1, le=MAX_ID), db: Session = Depends(get_db), who: Principal = Depends(analyst)
) -> PainMapEntryOut:
    return _decide(db, entry_id, "accepted", who)


@router.post(
    "/painmap/suggestions/{entry_id}/reject",
    response_model=PainMapEntryOut,
    summary="Отклонить предложение",
)
def reject(
    entry_id: int = Path(ge=1, le=MAX_ID), db: Session = Depends(get_db), who: Principal = Depends(analyst)
) -> PainMapEntryOut:
    return _decide(db, entry_id, "rejected", who)


@router.patch(
    "/painmap/{entry_id}",
    response_model=PainMapEntryOut,
    summary="Изменить запись карты болей (мероприятия, ответственный, срок, статус)",
)
def patch(
    body: PainMapPatch,
    entry_id: int = Path(ge=1, le=MAX_ID),
    db: Session = Depends(get_db),
    who: Principal = Depends(analyst),
) -> PainMapEntryOut:
    entry = _entry(db, entry_id)
    change_entry(entry, body.model_dump(exclude_unset=True, exclude_none=True), who.author)
    db.commit()
    return PainMapEntryOut.model_validate(entry)
