"""Models: the registry's bundles, promotion (hot swap in serving) and retraining as a job."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from service.api.deps import admin, analyst, get_db, model_holder, reader
from service.api.errors import hide_paths
from service.auth import Principal
from service.db.models import Job, ModelRow
from service.modelling.serving import ModelHolder
from service.schemas import JobOut, ModelOut, PromoteIn, RetrainIn

router = APIRouter(tags=["models"])


def _mirror(db: Session, cards: list[dict]) -> None:
    """Keep the `models` table in step with the registry on disk (the bundles stay the source of truth)."""
    for card in cards:
        row = db.get(ModelRow, str(card["id"])) or ModelRow(id=str(card["id"]))
        row.card = {k: v for k, v in card.items() if k != "champion"}
        if card.get("champion") and not row.is_champion:
            row.promoted_at = datetime.now(UTC)
        row.is_champion = bool(card.get("champion"))
        db.add(row)
    db.commit()


@router.get(
    "/models", response_model=list[ModelOut], summary="Модели в реестре", dependencies=[Depends(reader)]
)
def list_models(db: Session = Depends(get_db), holder: ModelHolder = Depends(model_holder)) -> list[ModelOut]:
    cards = holder.registry().list()
    _mirror(db, cards)
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
    from models.registry import BundleError

    registry = holder.registry()
    if body.model_id not in registry.ids():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"model_id: модели {body.model_id!r} нет в реестре")
    try:
        registry.load(body.model_id)  # refuse before promoting what could not be served
        registry.promote(body.model_id)
    except BundleError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, hide_paths(f"model_id: {exc}")) from exc
    holder.load(body.model_id)
    cards = registry.list()
    _mirror(db, cards)
    card = next(c for c in cards if str(c["id"]) == body.model_id)
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
