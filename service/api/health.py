"""Liveness, readiness and Prometheus metrics (outside /v1, no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.db.session import get_engine
from service.modelling.champion import hide_paths

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Процесс жив")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="Готов к работе: модель загружена и база доступна")
def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with get_engine(request.app.state.settings.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready", reported, not raised
        checks["database"] = hide_paths(f"недоступна: {type(exc).__name__}: {exc}")
    holder = request.app.state.models
    model = holder.get()
    checks["model"] = f"ok: {model.model_id}" if model else hide_paths(f"нет: {holder.problem}")
    ready = all(v.startswith("ok") for v in checks.values())
    code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=code)


@router.get("/metrics", summary="Метрики Prometheus", response_class=Response)
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
