"""Items: batch ingest (JSON or an uploaded table), listing with filters."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.api.deps import analyst, get_db, model_holder, reader
from service.auth import Principal
from service.db.models import Item, Job, Prediction
from service.modelling.serving import ModelHolder
from service.schemas import MAX_BATCH, IngestResult, ItemOut, ItemsIn, ItemsPage, JobOut, without_nul
from service.store.items import ingest_file_items, ingest_items

router = APIRouter(tags=["items"])


@router.post(
    "/items",
    response_model=IngestResult,
    summary="Загрузить записи (идемпотентно по external_id)",
    description=f"До {MAX_BATCH} записей. Запись с уже известной парой (source, external_id) не дублируется. "
    "Новые записи классифицируются текущей моделью; тексты хранятся с маскированными персональными данными.",
)
def post_items(
    body: ItemsIn,
    request: Request,
    db: Session = Depends(get_db),
    who: Principal = Depends(analyst),
    holder: ModelHolder = Depends(model_holder),
) -> IngestResult:
    items = [it.model_dump() for it in body.items]
    model = holder.get()
    result = ingest_items(db, items, model, store_raw=request.app.state.settings.store_raw, author=who.author)
    return IngestResult(**result, warning=_no_model_warning(holder, model, result["created"]))


def _no_model_warning(holder: ModelHolder, model, created: int) -> str | None:  # noqa: ANN001
    if model is not None or not created:
        return None
    from service.modelling.champion import hide_paths

    return hide_paths(
        f"записи сохранены без классификации: модель не загружена ({holder.problem}); они будут "
        "классифицированы автоматически, когда модель загрузится (см. /readyz)"
    )


@router.post(
    "/items/upload",
    response_model=IngestResult,
    summary="Загрузить таблицу записей (CSV/XLSX/Parquet/JSON)",
    description="Multipart-поле `file`. Столбцы текста, идентификатора, даты и канала можно назвать полями "
    "`text_col`, `id_col`, `date_col`, `channel_col`; без них колонка текста: text/answer/текст/ответ; "
    "id: external_id/id/respondent_id; необязательные: channel, created_at, answered_at, satisfied, process, "
    "nps, period/quarter, rating_*/q10_*, метки topic/process. Файл проверяется сразу (ошибки — 422 со "
    "строкой и столбцом); файл больше 5 000 строк сохраняется фоновой задачей: ответ 202 с задачей "
    "(`GET /v1/jobs/{id}`), файл сохраняется целиком или не сохраняется.",
    responses={202: {"model": JobOut, "description": "Большой файл: сохраняется фоновой задачей"}},
)
def upload_items(
    request: Request,
    file: UploadFile = File(description="Таблица с записями"),
    source: str = Form(default="upload", min_length=1, max_length=100),
    text_col: str | None = Form(default=None, max_length=200, description="Столбец текста (иначе по имени)"),
    id_col: str | None = Form(default=None, max_length=200, description="Столбец идентификатора записи"),
    date_col: str | None = Form(default=None, max_length=200, description="Столбец даты поступления"),
    channel_col: str | None = Form(default=None, max_length=200, description="Столбец канала"),
    db: Session = Depends(get_db),
    who: Principal = Depends(analyst),
    holder: ModelHolder = Depends(model_holder),
):
    from service.store.uploads import JOB_ROWS, UploadError, check_suffix, upload_dir, upload_items

    name = Path(file.filename or "upload.csv").name
    chosen = {"text": text_col, "id": id_col, "date": date_col, "channel": channel_col}
    settings = request.app.state.settings
    try:
        suffix = check_suffix(name)
    except UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    path = upload_dir(settings.cache_dir) / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(file.file.read())
    try:
        items = upload_items(path, name, source=source, chosen=chosen)
    except UploadError as exc:
        path.unlink(missing_ok=True)
        raise HTTPException(exc.status, str(exc)) from exc
    if len(items) > JOB_ROWS:
        params = {"path": str(path), "name": name, "source": source, "chosen": chosen, "author": who.author}
        job_id, _ = request.app.state.jobs.submit("upload", params, created_by=who.author)
        job = JobOut.model_validate(db.get(Job, job_id)).model_dump(mode="json")
        headers = {"Location": f"/v1/jobs/{job_id}"}
        return JSONResponse(job, status_code=status.HTTP_202_ACCEPTED, headers=headers)
    path.unlink(missing_ok=True)
    model = holder.get()
    totals = ingest_file_items(
        db, items, model, store_raw=settings.store_raw, author=who.author, batch=MAX_BATCH
    )
    return IngestResult(**totals, warning=_no_model_warning(holder, model, totals["created"]))


@router.get(
    "/items",
    response_model=ItemsPage,
    summary="Список записей с фильтрами",
    description="Исходный текст (если хранится, PAINMAP_STORE_RAW=true) виден только ролям analyst и admin.",
)
def list_items(
    db: Session = Depends(get_db),
    who: Principal = Depends(reader),
    # Optional filters are typed `str` with a None default (not `str | None`): the schema then says
    # «string», not «string or null» — a query value is always text, and schemathesis sent `author=0`
    # as a «non-string» the API was expected to refuse.
    period: str = Query(default=None, pattern=r"^\d{4}Q[1-4]$", examples=["2025Q1"]),
    kind: str = Query(default=None, pattern="^(appeal|survey_answer|review)$"),
    channel: str = Query(default=None, max_length=100),
    process: str = Query(default=None, max_length=200, description="Известный процесс записи"),
    source: str = Query(default=None, max_length=100),
    external_id: str = Query(default=None, max_length=200),
    label: str = Query(default=None, max_length=200, description="Предсказанная метка любой головы"),
    review: bool | None = Query(default=None, description="Только записи, которые модель просит проверить"),
    q: str = Query(default=None, max_length=200, description="Подстрока текста"),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> ItemsPage:
    query = select(Item)
    for column, value in (
        (Item.period, period),
        (Item.kind, kind),
        (Item.channel, channel),
        (Item.process, process),
        (Item.source, source),
        (Item.external_id, external_id),
    ):
        if value is not None:  # stored values have no NUL (ingest drops it; PostgreSQL refuses it)
            query = query.where(column == without_nul(value))
    if q:
        query = query.where(Item.text_masked.contains(without_nul(q), autoescape=True))
    if label is not None or review is not None:
        sub = select(Prediction.item_id)
        if label is not None:
            sub = sub.where(Prediction.label == label)
        if review is not None:
            sub = sub.where(Prediction.review == review)
        query = query.where(Item.id.in_(sub))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Item.id).limit(limit).offset(offset)).all()
    items = [ItemOut.model_validate(r) for r in rows]
    if not who.allows("analyst"):  # raw text may hold personal data: readers see the masked text only
        items = [item.model_copy(update={"text_raw": None}) for item in items]
    return ItemsPage(total=total, limit=limit, offset=offset, items=items)
