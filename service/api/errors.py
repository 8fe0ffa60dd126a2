"""Error answers that always render: 422 with the echoed input made JSON-safe, and 503 + Retry-After
when the database is busy (a writer holds SQLite's lock past the busy timeout, or PostgreSQL cannot give
a connection or a lock): the request may simply be repeated, so it is never a 500."""

from __future__ import annotations

import json
import logging
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


def _error(description: str) -> dict[str, Any]:
    from service.schemas import ApiError

    # Named as JSON as well: operations that answer HTML or XLSX still say what went wrong in JSON.
    schema = {"$ref": "#/components/schemas/ApiError"}
    content = {"application/json": {"schema": schema}}
    return {"model": ApiError, "description": description, "content": content}


# What every /v1 operation may answer besides its success (FastAPI then adds no default 422 of its own, whose
# `detail` is always a list: ours is a sentence for the checks a schema cannot state).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("Тело запроса не разобрано (повреждённая форма или JSON)"),
    401: _error("Нет ключа API или ключ неверен"),
    403: _error("Роли ключа не хватает для этой операции"),
    404: _error("Такой записи, модели, задачи или квартала нет"),
    409: _error("Конфликт с уже сохранёнными данными"),
    413: _error("Запрос или текст больше допустимого размера"),
    415: _error("Формат файла не поддерживается"),
    422: _error("Значение не подходит: что и где, в `detail`"),
    503: _error("База данных занята или модель не загружена; повторите позже (Retry-After)"),
}

# An absolute path in an answer tells a caller how the server is laid out: keep its last two parts only.
RETRY_AFTER_S = 5
# Messages of a database that is busy, not broken: SQLite's lock, PostgreSQL's lock and pool timeouts.
_BUSY = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock",
         "canceling statement due to lock timeout", "deadlock detected", "queuepool limit")


def database_busy(exc: BaseException) -> bool:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and any(b in str(exc).lower() for b in _BUSY)


async def operational_error(request: Request, exc: Exception) -> Response:
    if not database_busy(exc):
        raise exc  # a real fault: the server error middleware logs it and answers 500
    # Said once in the log, without the statement: how often and where the database was busy.
    logging.getLogger("painmap.api").warning(
        "база занята: %s %s → 503 (%s)", request.method, request.url.path, str(exc).split("\n", 1)[0][:200]
    )
    body = {"detail": "база данных занята другой операцией (например, пересчётом болей); "
                      f"повторите запрос через {RETRY_AFTER_S} с"}
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        media_type="application/json",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def install(app: FastAPI) -> None:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OperationalError, operational_error)
    app.add_exception_handler(PoolTimeout, operational_error)
