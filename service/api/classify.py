"""POST /v1/classify: labels for 1–1000 texts, nothing stored."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from service.api.deps import reader, served_model
from service.modelling.serving import ServedModel
from service.schemas import Classification, ClassifyRequest, ClassifyResponse
from service.store.items import mask_texts

router = APIRouter(tags=["classify"])


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    summary="Классифицировать тексты",
    description="По каждой голове модели: метка, вероятность и флаг «проверить вручную». "
    "Ничего не сохраняет.",
    dependencies=[Depends(reader)],
)
async def classify(body: ClassifyRequest, model: ServedModel = Depends(served_model)) -> ClassifyResponse:
    # Masking (NER) and the model are CPU work: in a thread, so the event loop keeps serving other requests.
    return await run_in_threadpool(_classify, body.texts, model)


def _classify(texts: list[str], model: ServedModel) -> ClassifyResponse:
    # The one masking path, NER included: the answer may be logged or shown further on.
    masked = mask_texts(texts)
    heads = model.predict(texts)
    return ClassifyResponse(
        model_id=model.model_id,
        results=[Classification(masked_text=m, heads=h) for m, h in zip(masked, heads, strict=True)],
    )
