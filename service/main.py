"""Builds the FastAPI app: routers under /v1, health outside; model and job runner live in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.middleware.sessions import SessionMiddleware

from models.bundle_signing import read_secret
from service.api import (
    classify,
    errors,
    health,
    items,
    jobs,
    labels,
    models,
    painmap,
    pains,
    preprocess,
    reports,
)
from service.api.deps import KeyCache, known_query
from service.api.errors import ERROR_RESPONSES
from service.api.middleware import BodyLimitMiddleware, Metrics, MetricsMiddleware
from service.config import Settings, get_settings
from service.jobs import JobContext, JobRunner
from service.modelling.serving import ModelHolder
from service.orphans import end_with_supervisor
from service.reports.stored import ReportCache
from service.web import routes as pages
from service.web.session import SESSION_COOKIE, LoginRequired

STATIC = Path(__file__).resolve().parent / "web" / "static"

DESCRIPTION = """\
API «Карты болей»: классификация обращений и ответов опросов, хранение записей, боли по периодам,
карта болей с предложениями и выгрузкой в форме регламента.

Ключ API передаётся в заголовке `X-API-Key` (`painmap keys create --role reader|analyst|admin`).
Чтение — любой роли, запись — analyst или admin, смена модели — admin.
"""


def _classify_missing(app: FastAPI) -> None:
    """Queue the classification of unlabelled stored items, unless there are none."""
    from sqlalchemy import exists, select

    from service.db.models import Item, Prediction
    from service.db.session import session_scope

    with session_scope(app.state.settings.database_url) as session:
        missing = session.execute(
            select(Item.id).where(~exists().where(Prediction.item_id == Item.id)).limit(1)
        ).first()
    if missing is not None:
        app.state.jobs.submit("classify_missing", {}, created_by="модель загружена")


async def _to_login(request: Request, _: Exception) -> RedirectResponse:
    """A page opened without a valid session goes to the login form (303: a form POST becomes a GET)."""
    return RedirectResponse("/login", status_code=303)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: environment). Migrations are not run here: `painmap serve` and
    `make run` run them once before starting workers, so workers never race on the schema."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        end_with_supervisor()
        app.state.models.load()
        yield
        app.state.jobs.shutdown()

    # /docs and /redoc from the assets inside the fastapi-offline wheel: municipal networks have no CDN.
    app = FastAPIOffline(
        title="painmap",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/docs-assets",
    )
    app.state.settings = settings
    app.state.models = ModelHolder(settings.model_dir)
    app.state.report_cache = ReportCache()
    app.state.jobs = JobRunner(
        JobContext(
            settings.database_url,
            settings.model_dir,
            app.state.models,
            store_raw=settings.store_raw,
            report_cache=app.state.report_cache,
        )
    )
    # Items stored while no model was loaded get their labels as soon as one is (at start or later).
    app.state.models.on_change.append(lambda _: _classify_missing(app))
    app.state.metrics = Metrics()
    app.state.key_cache = KeyCache()

    # Every answer an operation may give is in /openapi.json: 4xx (no or wrong key, no such record, bad value,
    # too large) and 503 (the database is busy) with the same {"detail": …} body.
    v1 = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, dependencies=[Depends(known_query)])
    for module in (classify, items, labels, pains, painmap, models, jobs, reports, preprocess):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    app.add_exception_handler(LoginRequired, _to_login)

    app.add_middleware(
        SessionMiddleware,
        secret_key=read_secret(settings.session_secret_file, create=True).hex(),
        session_cookie=SESSION_COOKIE,
        max_age=int(settings.session_hours * 3600),
        same_site="strict",
        https_only=settings.https_only,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app
