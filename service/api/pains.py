"""Pains per period and their background refresh."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.api.deps import analyst, get_db, reader
from service.auth import Principal
from service.db.models import Item, Job, Pain, PainSnapshot
from service.schemas import ItemPainsOut, JobOut, PainOut, PainRefreshIn

router = APIRouter(tags=["pains"])


@router.get(
    "/pains",
    response_model=list[PainOut],
    summary="Боли за период",
    description="По умолчанию — последний квартал, за который есть записи; `process` — боли этого процесса.",
    dependencies=[Depends(reader)],
)
def list_pains(
    db: Session = Depends(get_db),
    period: str = Query(default=None, pattern=r"^\d{4}Q[1-4]$", examples=["2025Q4"]),
    process: str = Query(default=None, max_length=200),
) -> list[PainOut]:
    if period is None:  # the latest quarter with items (empty until its pains are refreshed)
        period = db.scalar(select(func.max(Item.period)))
        if period is None:
            return []
    rows = db.execute(
        select(PainSnapshot, Pain.keywords)
        .join(Pain, Pain.id == PainSnapshot.pain_id)
        .where(PainSnapshot.period == period)
        .order_by(PainSnapshot.size.desc(), PainSnapshot.pain_id)
    ).all()
    out = []
    for snap, keywords in rows:
        names = [p.get("name") if isinstance(p, dict) else str(p) for p in snap.processes or []]
        if process is not None and process not in names:
            continue
        out.append(
            PainOut(
                id=snap.pain_id,
                period=snap.period,
                label=snap.label,
                size=snap.size,
                prevalence=snap.prevalence,
                ci_low=snap.ci_low,
                ci_high=snap.ci_high,
                trend=snap.trend,
                processes=snap.processes,
                keywords=keywords,
                quotes=(snap.payload or {}).get("quotes"),
            )
        )
    return out


@router.get(
    "/pains/items",
    response_model=list[ItemPainsOut],
    summary="Боли каждой записи за период",
    description="Для каждой записи периода — её боли, первой основная (пустой список: шум или нет проблемы). "
    "Заполняется расчётом болей (POST /v1/pains/refresh).",
    dependencies=[Depends(reader)],
)
def list_item_pains(
    db: Session = Depends(get_db),
    period: str = Query(default=None, pattern=r"^\d{4}Q[1-4]$", examples=["2025Q4"]),
    limit: int = Query(default=1000, ge=1, le=10_000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> list[ItemPainsOut]:
    from service.store.painmap import item_pains

    if period is None:
        period = db.scalar(select(func.max(Item.period)))
        if period is None:
            return []
    return [ItemPainsOut(**row) for row in item_pains(db, period, limit, offset)]


@router.post(
    "/pains/refresh",
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Пересчитать боли и предложения для карты болей (фоновая задача)",
    description="Возвращает задачу; её состояние — GET /v1/jobs/{id}.",
)
def refresh(
    request: Request,
    body: PainRefreshIn | None = None,
    db: Session = Depends(get_db),
    who: Principal = Depends(analyst),
) -> JobOut:
    params = {"period": body.period if body else None}
    job_id, _ = request.app.state.jobs.submit("pains_refresh", params, created_by=who.author)
    return JobOut.model_validate(db.get(Job, job_id))
