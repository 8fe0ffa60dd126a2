"""422 answers that always render: the echoed input may hold what JSON cannot carry as is."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response


def _json_safe(value: Any) -> Any:
    """NaN/±Infinity (Python's json reads them, `1e999` included) → their text; lone surrogates become
    JSON escapes when encoding below. FastAPI's own handler fails on both: a bad request became a 500."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


async def validation_error(_: Request, exc: RequestValidationError) -> Response:
    body = _json_safe(jsonable_encoder({"detail": exc.errors()}))
    return Response(
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8", "backslashreplace"),
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        media_type="application/json",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
