"""Builds the FastAPI app. Routers live in service/api/; heavy objects are loaded in the lifespan."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field

from nlp import Preprocessor


class PreprocessRequest(BaseModel):
    texts: list[str] = Field(
        min_length=1, max_length=1000, examples=[["Во дворе не убран снег, звоните 8 900 123-45-67"]]
    )


def create_app() -> FastAPI:
    app = FastAPI(title="painmap", version="0.1.0")
    preprocessor = Preprocessor()

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/v1/preprocess")
    def preprocess(body: PreprocessRequest) -> dict:
        docs = list(preprocessor.pipe(body.texts))
        return {
            "version": preprocessor.version,
            "docs": [
                {
                    "masked_text": d.masked_text,
                    "lemmas": d.lemmas,
                    "fragments": d.fragments,
                    "sentences": d.sentences,
                }
                for d in docs
            ],
        }

    return app
