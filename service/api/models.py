"""Models: the registry's bundles, promotion (hot swap in serving) and retraining as a job."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from service.api.deps import admin, analyst, get_db, model_holder, reader
from service.auth import Principal
from service.db.models import Job
from service.modelling.champion import PromotionRefused, model_cards, promote_model
from service.modelling.serving import ModelHolder
from service.schemas import JobOut, ModelOut, PromoteIn, RetrainIn

router = APIRouter(tags=["models"])


@router.get(
    "/models", response_model=list[ModelOut], summary="Модели в реестре", dependencies=[Depends(reader)]
)
def list_models(db: Session = Depends(get_db), holder: ModelHolder = Depends(model_holder)) -> list[ModelOut]:
    cards = model_cards(db, holder)
    return [
        ModelOut(id=str(c["id"]), champion=bool(c.get("champion")), created=c.get("created"), card=c)
        for c in cards
    ]


@router.post(
    "/models",
    response_model=ModelOut,
    summary="Сделать модель чемпионом",
    description="Модель проверяется (хэши, совместимость), загружается и атомарно подменяет текущую.",
)
def promote(
    body: PromoteIn,
    db: Session = Depends(get_db),
    holder: ModelHolder = Depends(model_holder),
    _: Principal = Depends(admin),
) -> ModelOut:
    try:
        card = promote_model(db, holder, body.model_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except PromotionRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return ModelOut(id=body.model_id, champion=True, created=card.get("created"), card=card)


@router.post(
    "/retrain",
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Переобучить модель на размеченных записях (фоновая задача)",
    description=(
        "То же, что `painmap retrain`: претендент учится на данных чемпиона и метках из базы (кроме самых "
        "новых `eval_fraction` записей, на которых модели сравниваются) и становится чемпионом, если "
        "macro-F1 ни одной головы не упал больше чем на `max_drop` п.п.; `force: true` (только admin) "
        "продвигает его в любом случае. Итог задачи: решение, причина и сравнение по головам."
    ),
)
def retrain(
    request: Request,
    body: RetrainIn | None = None,
    db: Session = Depends(get_db),
    who: Principal = Depends(analyst),
) -> JobOut:
    body = body or RetrainIn()
    if body.force and not who.allows("admin"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "force: продвинуть модель в обход сравнения может только admin"
        )
    params = body.model_dump(mode="json")
    job_id, _ = request.app.state.jobs.submit("retrain", params, created_by=who.author)
    return JobOut.model_validate(db.get(Job, job_id))
