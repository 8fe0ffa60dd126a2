"""POST /v1/preprocess: masked text, lemmas, fragments and sentences of each text (one Preprocessor a
process)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from service.api.deps import reader
from service.schemas import LimitedText

router = APIRouter(tags=["preprocess"])


class PreprocessRequest(BaseModel):
    texts: list[LimitedText] = Field(
        min_length=1, max_length=1000, examples=[["Во дворе не убран снег, звоните 8 900 123-45-67"]]
    )


@lru_cache(maxsize=1)
def _shared_preprocessor():  # noqa: ANN202 (nlp imported lazily)
    """One Preprocessor per process: dictionaries and NER load once, not per request."""
    from nlp import Preprocessor

    return Preprocessor()


@router.post("/preprocess", summary="Предобработка текстов (маскирование, леммы, фрагменты)")
def preprocess(body: PreprocessRequest, _: object = Depends(reader)) -> dict:
    # A sync route: FastAPI runs it in a thread, so NER never blocks the event loop.
    preprocessor = _shared_preprocessor()
    docs = list(preprocessor.pipe(body.texts))
    return {
        "version": preprocessor.version,
        "docs": [
            {
                "masked_text": d.masked_text,
                # Lemmas of the masked text: the raw text's would carry the names masking removed.
                "lemmas": preprocessor.features(d.masked_text),
                "fragments": d.fragments,
                "sentences": d.sentences,
            }
            for d in docs
        ],
    }
