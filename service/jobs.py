"""Background jobs (pains refresh, retrain): run in a worker thread, state kept in the `jobs` table.

The state lives in the database so that any API worker can answer GET /v1/jobs/{id}. One thread per process:
jobs are CPU-heavy and the machines are small, so running two at once would only slow both.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Item, Job, Label, Prediction
from service.db.session import session_scope
from service.serving import ModelHolder

log = logging.getLogger("painmap.jobs")


@dataclass(frozen=True, slots=True)
class JobContext:
    database_url: str
    model_dir: Path
    models: ModelHolder | None = None


JobFunction = Callable[[Session, dict[str, Any], JobContext], dict[str, Any]]


def refresh_pains_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    from service.painmap_store import refresh_pains

    return refresh_pains(session, params.get("period"))


def training_frame(session: Session, heads: list[str]) -> tuple[list[str], pd.DataFrame]:
    """Texts and labels of items that have a label for every head; the latest label of a head wins."""
    labels: dict[int, dict[str, str]] = {}
    for item_id, head, value in session.execute(
        select(Label.item_id, Label.head, Label.value).where(Label.head.in_(heads)).order_by(Label.id)
    ):
        labels.setdefault(item_id, {})[head] = value
    complete = sorted(i for i, known in labels.items() if len(known) == len(heads))
    texts: dict[int, str] = {}
    for start in range(0, len(complete), 500):
        chunk = complete[start : start + 500]
        for item_id, raw, masked in session.execute(
            select(Item.id, Item.text_raw, Item.text_masked).where(Item.id.in_(chunk))
        ):
            texts[item_id] = raw or masked
    ids = [i for i in complete if i in texts]
    return [texts[i] for i in ids], pd.DataFrame([labels[i] for i in ids], columns=heads)


def retrain_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Train a challenger on stored labels, register it and promote it only when asked."""
    from models.classify import MultiHeadClassifier
    from models.registry import ModelRegistry
    from nlp import Preprocessor

    heads = list(params.get("heads") or ["topic", "process"])
    texts, y = training_frame(session, heads)
    if len(texts) < 20:
        raise ValueError(
            f"мало размеченных записей для обучения: {len(texts)} (нужно ≥ 20 с метками {heads})"
        )
    for head in heads:
        if y[head].nunique() < 2:
            raise ValueError(f"у головы {head!r} только один класс в разметке — обучать нечего")
    estimator = MultiHeadClassifier(preprocessor=Preprocessor()).fit(texts, y)
    registry = ModelRegistry(ctx.model_dir)
    model_id = registry.save(estimator, {"training_data": {"rows": len(texts), "source": "database labels"}})
    if params.get("promote"):
        registry.promote(model_id)
        if ctx.models is not None:
            ctx.models.load(model_id)
    return {"model_id": model_id, "rows": len(texts), "heads": heads, "promoted": bool(params.get("promote"))}


def classify_missing_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """Classify the items stored while no model was loaded (they have no prediction at all), in batches
    committed one by one: rerunning continues where an interrupted run stopped."""
    from sqlalchemy import exists

    model = ctx.models.get() if ctx.models is not None else None
    if model is None:
        raise ValueError("модель не загружена — классифицировать нечем")
    done = 0
    while True:
        rows = session.execute(
            select(Item.id, Item.text_raw, Item.text_masked)
            .where(~exists().where(Prediction.item_id == Item.id))
            .order_by(Item.id)
            .limit(500)
        ).all()
        if not rows:
            break
        predictions = model.predict([raw or masked for _, raw, masked in rows])
        for (item_id, _, _), heads in zip(rows, predictions, strict=True):
            for head, pred in heads.items():
                session.add(Prediction(item_id=item_id, head=head, model_id=model.model_id, **pred))
        session.commit()
        done += len(rows)
    return {"classified": done, "model_id": model.model_id}


JOBS: dict[str, JobFunction] = {
    "pains_refresh": refresh_pains_job,
    "retrain": retrain_job,
    "classify_missing": classify_missing_job,
}


def fail_interrupted_jobs(database_url: str) -> int:
    """Mark jobs left queued/running by a stopped server as failed (call before workers start)."""
    with session_scope(database_url) as session:
        jobs = session.scalars(select(Job).where(Job.status.in_(("queued", "running")))).all()
        for job in jobs:
            job.status, job.finished_at = "failed", datetime.now(UTC)
            job.error = "задача прервана остановкой сервера; запустите её снова"
    return len(jobs)


class JobRunner:
    """Submits jobs to one background thread and records their progress in the database."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="painmap-job")

    def submit(self, kind: str, params: dict[str, Any], created_by: str | None = None) -> tuple[str, Future]:
        if kind not in JOBS:
            raise ValueError(f"неизвестный вид задачи {kind!r}: {', '.join(JOBS)}")
        job_id = str(uuid.uuid4())
        with session_scope(self.ctx.database_url) as session:
            session.add(Job(id=job_id, kind=kind, status="queued", params=params, created_by=created_by))
        return job_id, self._executor.submit(self._run, job_id, kind, params)

    def _run(self, job_id: str, kind: str, params: dict[str, Any]) -> None:
        with session_scope(self.ctx.database_url) as session:
            job = session.get(Job, job_id)
            job.status, job.started_at = "running", datetime.now(UTC)
        try:
            with session_scope(self.ctx.database_url) as session:
                result = JOBS[kind](session, params, self.ctx)
            status, error = "done", None
        except Exception as exc:  # a job's failure is its result, not the server's
            log.error("задача %s (%s) не выполнена:\n%s", job_id, kind, traceback.format_exc())
            status, result, error = "failed", None, f"{type(exc).__name__}: {exc}"
        with session_scope(self.ctx.database_url) as session:
            job = session.get(Job, job_id)
            job.status, job.result, job.error, job.finished_at = status, result, error, datetime.now(UTC)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
