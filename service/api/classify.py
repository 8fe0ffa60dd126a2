"""POST /v1/classify: labels for 1–1000 texts, nothing stored."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.deps import reader, served_model
from service.api.serving import ServedModel
from service.ingest import mask_texts
from service.schemas import Classification, ClassifyRequest, ClassifyResponse

router = APIRouter(tags=["classify"])


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    summary="Классифицировать тексты",
    description="По каждой голове модели: метка, вероятность и флаг «проверить вручную». "
    "Ничего не сохраняет.",
    dependencies=[Depends(reader)],
)
def classify(body: ClassifyRequest, model: ServedModel = Depends(served_model)) -> ClassifyResponse:
    # Regex-only masking here: the caller already has the raw text, and NER would cost most of the latency.
    masked = mask_texts(body.texts, ner=False)
    heads = model.predict(body.texts)
    return ClassifyResponse(
        model_id=model.model_id,
        results=[Classification(masked_text=m, heads=h) for m, h in zip(masked, heads, strict=True)],
    )
