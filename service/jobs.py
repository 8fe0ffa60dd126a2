"""Background jobs (pains refresh, retrain): run in a worker thread (a pains refresh in a process of its own),
state kept in the `jobs` table.

The state lives in the database so that any API worker can answer GET /v1/jobs/{id}. One thread per process:
jobs are CPU-heavy and the machines are small, so running two at once would only slow both.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.db.models import Item, Job, Prediction
from service.db.session import begin_write, session_scope
from service.memory import return_free_memory
from service.modelling.serving import ModelHolder

log = logging.getLogger("painmap.jobs")


@dataclass(frozen=True, slots=True)
class JobContext:
    database_url: str
    model_dir: Path
    models: ModelHolder | None = None
    store_raw: bool = False
    # The app's cache of quarterly reports: a job that changed the data computes the latest quarter's report
    # into it, so the overview opens at once (on 60k appeals the report takes ~4 s).
    report_cache: Any = None
    # Set for each run: progress(done, total) records how far the job has got (the pages' progress bars).
    progress: Callable[[int, int], None] | None = None


JobFunction = Callable[[Session, dict[str, Any], JobContext], dict[str, Any]]


def refresh_pains_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    return refresh_pains_apart(ctx, params.get("period"))


def refresh_pains_apart(ctx: JobContext, period: str | None = None) -> dict[str, Any]:
    """`refresh_pains`, and the report of its quarter for the app's cache, in a fresh process of its own
    that ends with them: the sentence model, the clustering's arrays and the report's frames (~280 MB on
    2,000 appeals; +90 MB for the report of 11,000) leave with it instead of staying in the server worker
    for good (a 10-minute soak grew 28 % after one refresh), and its CPU work does not hold the worker's
    GIL. The child ends with the server worker that started it (`service.orphans`), also when the worker
    died while the child was still starting."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spawn = multiprocessing.get_context("spawn")
    warm = ctx.report_cache is not None
    with ProcessPoolExecutor(
        max_workers=1, mp_context=spawn, initializer=_background_child, initargs=(os.getpid(),)
    ) as pool:
        summary, reports = pool.submit(_refresh_pains_in_child, ctx.database_url, period, warm).result()
    for key, report in reports:
        ctx.report_cache.put(key, report)
    return summary


def _background_child(parent: int) -> None:
    """A job's process yields to the requests: lower CPU priority and one compute thread for the sentence
    model (on a 2-core machine a refresh at full speed held every request back for its half minute); and it
    ends with its parent (`service.orphans`)."""
    from service.orphans import end_with_parent

    os.environ["OMP_NUM_THREADS"] = "1"
    with contextlib.suppress(OSError):
        os.nice(10)
    end_with_parent(parent)


def _refresh_pains_in_child(
    database_url: str, period: str | None, warm: bool
) -> tuple[dict[str, Any], list[tuple[tuple, dict]]]:
    from service.reports.stored import ReportCache
    from service.store.painmap import refresh_pains

    cache = ReportCache() if warm else None
    with session_scope(database_url) as session:
        summary = refresh_pains(session, period)
        _warm_report(session, JobContext(database_url, Path("."), report_cache=cache), summary.get("period"))
    return summary, cache.entries() if cache is not None else []


def _warm_report(session: Session, ctx: JobContext, period: str | None) -> None:
    """Compute the quarter's report into the app's cache (nothing to do without a cache or a period)."""
    if ctx.report_cache is None or not period:
        return
    from service.reports.stored import EmptyQuarter, stored_quarterly_report

    with contextlib.suppress(EmptyQuarter, ValueError):  # the page says what is wrong when it is opened
        stored_quarterly_report(session, period, cache=ctx.report_cache)


def retrain_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """`painmap retrain` on the database's labels (`service.modelling.retraining`): the same gate, the same
    card."""
    from models.registry import ModelRegistry
    from service.modelling.retraining import export_labels, retrain

    registry = ModelRegistry(ctx.model_dir)
    snapshot = export_labels(session, registry, Path(ctx.model_dir).resolve().parent / "training-data")
    outcome = retrain(
        registry,
        [snapshot],
        since=params.get("since"),
        until=params.get("until"),
        eval_fraction=float(params.get("eval_fraction", 0.3)),
        max_drop=float(params.get("max_drop", 0.5)),
        force=bool(params.get("force")),
    )
    if outcome.promoted and ctx.models is not None:
        ctx.models.load(outcome.model_id)
    return outcome.to_dict()


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


def upload_job(session: Session, params: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
    """A file kept by the upload page or a large POST /v1/items/upload, stored whole or not at all (one
    transaction; a re-run stores each row once), its progress counted batch by batch; the kept file is
    removed either way (its rows are in the database or the error says what to fix)."""
    from service.store.items import ingest_file_items
    from service.store.uploads import upload_items

    path = Path(params["path"])
    try:
        items = upload_items(path, params["name"], source=params["source"], chosen=params.get("chosen"))
        model = ctx.models.get() if ctx.models is not None else None
        totals = ingest_file_items(
            session, items, model, store_raw=ctx.store_raw, author=params.get("author"), progress=ctx.progress
        )
    finally:
        path.unlink(missing_ok=True)
    totals.pop("ids", None)
    result = {**totals, "name": params["name"], "rows": len(items), "classified_now": model is not None}
    if params.get("refresh_pains") and totals["created"]:
        # The page's upload: the pains of the data are recomputed (every quarter up to the latest).
        summary = refresh_pains_apart(ctx)
        result["pains"] = summary.get("pains", 0)
    return result


JOBS: dict[str, JobFunction] = {
    "pains_refresh": refresh_pains_job,
    "retrain": retrain_job,
    "classify_missing": classify_missing_job,
    "upload": upload_job,
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
    """Submits jobs to one background thread and records their state in the database (their progress in
    var/jobs/, see `_progress`)."""

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
        try:
            self._set_state(job_id, status="running", started_at=datetime.now(UTC))
            ctx = replace(self.ctx, progress=lambda done, total: self._progress(job_id, done, total))
            with session_scope(self.ctx.database_url) as session:
                result = JOBS[kind](session, params, ctx)
            status, error = "done", None
        except Exception as exc:  # a job's failure is its result, not the server's
            log.error("задача %s (%s) не выполнена:\n%s", job_id, kind, traceback.format_exc())
            status, result, error = "failed", None, f"{type(exc).__name__}: {exc}"
        try:
            self._set_state(
                job_id, status=status, result=result, error=error, finished_at=datetime.now(UTC)
            )
        except Exception:  # nothing to tell the client but the log; a restart marks it interrupted
            log.error("состояние задачи %s не записано:\n%s", job_id, traceback.format_exc())
        (self._progress_dir() / f"{job_id}.json").unlink(missing_ok=True)
        return_free_memory()  # a job's frames are gone now; their heap goes back to the system

    def _set_state(self, job_id: str, **fields: Any) -> None:
        """Update the job's row as a writer from the start: a row read first and written later lost the
        SQLite write race to the request writes at once (no busy wait) — a 10-minute soak's refresh job
        stayed «queued» for good, its exception held by a future nobody read. Retried a few times."""
        for attempt in range(5):
            try:
                with session_scope(self.ctx.database_url) as session:
                    begin_write(session)
                    job = session.get(Job, job_id)
                    for name, value in fields.items():
                        setattr(job, name, value)
                return
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _progress(self, job_id: str, done: int, total: int) -> None:
        """Record progress in a small file beside the models (var/jobs/ID.json), not in the database: a job
        that stores a file holds SQLite's write lock until it commits, so a row update would wait for it.
        Every worker of the server reads the same file."""
        folder = self._progress_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{job_id}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"done": int(done), "total": int(total)}), encoding="utf-8")
        os.replace(tmp, folder / f"{job_id}.json")

    def progress(self, job_id: str) -> dict[str, int] | None:
        """{"done": n, "total": m} of a running job, or None before its first step."""
        try:
            return json.loads((self._progress_dir() / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _progress_dir(self) -> Path:
        return Path(self.ctx.model_dir).resolve().parent / "jobs"

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
