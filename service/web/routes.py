"""The analysts' pages: login, overview of a quarter, the pain map, uploads, the quarterly report.

Thin like the API's routers: they read and write through `service.store` and `service.reports`, the same
functions the API calls; a page only turns their results into HTML.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Job, PainMapEntry
from service.db.session import request_session as get_db
from service.store.painmap import STATUS_TITLES, change_entry, export_xlsx, periods
from service.web.session import CSRF_FIELD, PageUser, check_form, log_in, log_out, page_user

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_PREVIEW_ROWS = 5
PAIN_PAGE = 20  # a pain's items per page
REVIEW_PAGE = 10  # review items shown at once
QUARTER = r"^\d{4}Q[1-4]$"

router = APIRouter(include_in_schema=False)


def user(request: Request, db: Session = Depends(get_db)) -> PageUser:
    return page_user(request, db)


def _page(
    request: Request, template: str, who: PageUser | None, code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(request=request, user=who, csrf_field=CSRF_FIELD, page=template)
    return TEMPLATES.TemplateResponse(request, f"{template}.html", context, status_code=code)


def _quarter(db: Session, wanted: str | None) -> tuple[str | None, list[str]]:
    known = [p for p in periods(db) if p]
    return (wanted or (known[-1] if known else None)), known


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login", None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, key: str = Form(default="", max_length=200), db: Session = Depends(get_db)):
    if log_in(request, db, key) is None:
        error = (
            "Ключ не подошёл: проверьте его или попросите администратора выдать новый "
            "(painmap keys create)."
        )
        # 200, not 401: the form is shown again with the reason (a 401 asks for HTTP authentication).
        return _page(request, "login", None, error=error)
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, csrf_token: str | None = Form(default=None), who: PageUser = Depends(user)):
    check_form(who, csrf_token, "reader")
    log_out(request)
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    quarter: str | None = Query(default=None, pattern=QUARTER),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.reports.stored import EmptyQuarter, stored_quarterly_report

    chosen, known = _quarter(db, quarter)
    report, message = None, None
    if chosen is None:
        message = "В базе ещё нет записей: загрузите обращения или ответы опросов на странице «Загрузка»."
    else:
        try:
            report = stored_quarterly_report(db, chosen, cache=request.app.state.report_cache)
        except (EmptyQuarter, ValueError) as exc:
            message = str(exc)
    return _page(request, "overview", who, quarter=chosen, quarters=known, report=report, message=message)


@router.get("/report.html", response_class=HTMLResponse)
def report_page(
    request: Request,
    quarter: str = Query(pattern=QUARTER),
    db: Session = Depends(get_db),
    _: PageUser = Depends(user),
) -> HTMLResponse:
    from service.reports.render import render_html

    return HTMLResponse(render_html(_stored_report(request, db, quarter)))


@router.get("/report.xlsx")
def report_xlsx(
    request: Request,
    quarter: str = Query(pattern=QUARTER),
    db: Session = Depends(get_db),
    _: PageUser = Depends(user),
) -> Response:
    from service.reports.render import write_xlsx

    report = _stored_report(request, db, quarter)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_xlsx(report, Path(tmp) / "report.xlsx").read_bytes()
    disposition = f'attachment; filename="report_{quarter}.xlsx"'
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


def _stored_report(request: Request, db: Session, quarter: str) -> dict:
    from service.reports.stored import EmptyQuarter, stored_quarterly_report

    try:
        return stored_quarterly_report(db, quarter, cache=request.app.state.report_cache)
    except EmptyQuarter as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.get("/pains", response_class=HTMLResponse)
def pains_page(
    request: Request,
    period: str | None = Query(default=None, pattern=QUARTER),
    refresh: str | None = Query(default=None, max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.store.pains import period_pains

    chosen, known = _quarter(db, period)
    pains = period_pains(db, chosen) if chosen else []
    job = _job(db, refresh) if refresh else None
    return _page(request, "pains", who, period=chosen, quarters=known, pains=pains, refresh=job)


@router.get("/pains/{pain_id}", response_class=HTMLResponse)
def pain_page(
    request: Request,
    pain_id: str,
    period: str = Query(pattern=QUARTER),
    page_no: int = Query(default=1, ge=1, le=100_000, alias="page"),
    refresh: str | None = Query(default=None, max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.store.pains import pain_detail, pain_items

    pain = pain_detail(db, pain_id, period)
    if pain is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"боли {pain_id} за {period} нет")
    from service.store.pains import period_pains

    items, total = pain_items(db, pain_id, period, PAIN_PAGE, (page_no - 1) * PAIN_PAGE)
    pages = max(1, -(-total // PAIN_PAGE))
    others = [p for p in period_pains(db, period) if p["id"] != pain_id]
    context = {"period": period, "pain": pain, "items": items, "total": total, "page_no": page_no}
    return _page(request, "pain", who, pages=pages, others=others, refresh=_job(db, refresh), **context)


@router.post("/pains/{pain_id}/rename")
def pain_rename(
    pain_id: str,
    csrf_token: str | None = Form(default=None),
    period: str = Form(pattern=QUARTER),
    label: str = Form(default="", max_length=300),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.store.pains import rename_pain

    check_form(who, csrf_token, "analyst")
    try:
        rename_pain(db, pain_id, label, who.principal.author)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    db.commit()
    return RedirectResponse(f"/pains/{pain_id}?period={period}", status.HTTP_303_SEE_OTHER)


@router.post("/pains/{pain_id}/merge")
def pain_merge(
    request: Request,
    pain_id: str,
    csrf_token: str | None = Form(default=None),
    period: str = Form(pattern=QUARTER),
    into: str = Form(max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.store.pains import merge_pain

    check_form(who, csrf_token, "analyst")
    return _corrected(request, db, period, f"/pains/{into}", merge_pain, pain_id, into, who.principal.author)


@router.post("/pains/{pain_id}/not-a-pain")
def pain_not_a_pain(
    request: Request,
    pain_id: str,
    csrf_token: str | None = Form(default=None),
    period: str = Form(pattern=QUARTER),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.store.pains import mark_not_a_pain

    check_form(who, csrf_token, "analyst")
    return _corrected(request, db, period, "/pains", mark_not_a_pain, pain_id, who.principal.author)


@router.post("/pains/{pain_id}/exclude")
def pain_exclude(
    request: Request,
    pain_id: str,
    csrf_token: str | None = Form(default=None),
    period: str = Form(pattern=QUARTER),
    item_id: list[int] = Form(default=[]),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.store.pains import exclude_items

    check_form(who, csrf_token, "analyst")
    if not item_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "отметьте записи, которые убрать из боли")
    return _corrected(
        request, db, period, f"/pains/{pain_id}", exclude_items, pain_id, item_id, who.principal.author
    )


def _corrected(request: Request, db: Session, period: str, then: str, change, *args) -> RedirectResponse:
    """Store one correction, then recompute the pains (a job) so every page and export shows it."""
    try:
        change(db, *args)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    db.commit()
    jobs = request.app.state.jobs
    job_id, _ = jobs.submit("pains_refresh", {"period": period}, created_by="исправление боли")
    return RedirectResponse(f"{then}?period={period}&refresh={job_id}", status.HTTP_303_SEE_OTHER)


@router.get("/painmap", response_class=HTMLResponse)
def painmap_page(
    request: Request,
    period: str | None = Query(default=None, pattern=QUARTER),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    chosen, known = _quarter(db, period)
    entries = list(
        db.scalars(select(PainMapEntry).where(PainMapEntry.period == chosen).order_by(PainMapEntry.number))
    )
    return _page(
        request, "painmap", who, period=chosen, quarters=known, entries=entries, statuses=STATUS_TITLES
    )


@router.post("/painmap/{entry_id}")
def painmap_change(
    entry_id: int,
    csrf_token: str | None = Form(default=None),
    status_: str | None = Form(default=None, alias="status"),
    measures: str | None = Form(default=None, max_length=5000),
    responsible: str | None = Form(default=None, max_length=300),
    deadline: str | None = Form(default=None, max_length=100),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    check_form(who, csrf_token, "analyst")
    entry = db.get(PainMapEntry, entry_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"записи карты болей {entry_id} нет")
    if status_ is not None and status_ not in STATUS_TITLES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"неизвестный статус {status_!r}")
    changes = {"status": status_, "measures": measures, "responsible": responsible, "deadline": deadline}
    change_entry(entry, {k: v.strip() for k, v in changes.items() if v is not None}, who.principal.author)
    db.commit()
    return RedirectResponse(f"/painmap?period={entry.period}#entry-{entry.id}", status.HTTP_303_SEE_OTHER)


@router.get("/painmap/export.xlsx")
def painmap_export(
    period: str | None = Query(default=None, pattern=QUARTER),
    db: Session = Depends(get_db),
    _: PageUser = Depends(user),
) -> Response:
    query = select(PainMapEntry).order_by(PainMapEntry.period, PainMapEntry.number)
    if period is not None:
        query = query.where(PainMapEntry.period == period)
    name = f"painmap_{period}.xlsx" if period else "painmap.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(export_xlsx(list(db.scalars(query)), period), media_type=XLSX, headers=headers)


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    head: str | None = Query(default=None, max_length=50),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """The items the model abstained on, least certain first, with its top 3; one click sets the label."""
    from service.store.review import heads_with_predictions, review_progress, review_queue

    heads = heads_with_predictions(db)
    head = head if head in heads else (heads[0] if heads else None)
    queue = review_queue(db, head, REVIEW_PAGE) if head else []
    model = request.app.state.models.get()
    estimator = getattr(model, "estimator", None)
    top = estimator.top_k([item.text_masked for _, item in queue], k=3) if queue and estimator else []
    classes = [str(c) for c in getattr(estimator, "classes_", {}).get(head, [])] if head else []
    rows = [
        {"item": item, "prediction": pred, "top": (top[n].get(head, []) if top else [])}
        for n, (pred, item) in enumerate(queue)
    ]
    progress = review_progress(db, head) if head else None
    context = {"head": head, "heads": heads, "rows": rows, "classes": classes, "progress": progress}
    return _page(request, "review", who, **context)


@router.post("/review/label")
def review_label(
    csrf_token: str | None = Form(default=None),
    item_id: int = Form(ge=1, le=2**62),
    head: str = Form(max_length=50),
    value: str = Form(min_length=1, max_length=200),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.store.review import add_label

    check_form(who, csrf_token, "analyst")
    try:
        add_label(db, item_id, head, value, who.principal.author)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    db.commit()
    return RedirectResponse(f"/review?head={head}", status.HTTP_303_SEE_OTHER)


@router.get("/models", response_class=HTMLResponse)
def models_page(
    request: Request,
    job: str | None = Query(default=None, max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.modelling.champion import model_cards

    cards = model_cards(db, request.app.state.models)
    return _page(request, "models", who, cards=cards, job=_job(db, job) if job else None)


@router.get("/models/jobs/{job_id}", response_class=HTMLResponse)
def model_job(
    request: Request, job_id: str, db: Session = Depends(get_db), who: PageUser = Depends(user)
) -> HTMLResponse:
    """The retraining job's state, polled by the page (htmx) until it is done or failed."""
    job = _job(db, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"задачи {job_id} нет")
    return _page(request, "model_job", who, job=job)


@router.post("/models/retrain")
def models_retrain(
    request: Request,
    csrf_token: str | None = Form(default=None),
    since: str | None = Form(default=None, pattern=r"^(\d{4}-\d{2}-\d{2})?$"),
    until: str | None = Form(default=None, pattern=r"^(\d{4}-\d{2}-\d{2})?$"),
    force: bool = Form(default=False),
    who: PageUser = Depends(user),
):
    """The same job as POST /v1/retrain: the champion's data + the labels in the database, the same gate."""
    check_form(who, csrf_token, "admin" if force else "analyst")
    params = {"since": since or None, "until": until or None, "force": force}
    job_id, _ = request.app.state.jobs.submit("retrain", params, created_by=who.principal.author)
    return RedirectResponse(f"/models?job={job_id}", status.HTTP_303_SEE_OTHER)


@router.post("/models/promote")
def models_promote(
    request: Request,
    csrf_token: str | None = Form(default=None),
    model_id: str = Form(max_length=100),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
):
    from service.modelling.champion import PromotionRefused, promote_model

    check_form(who, csrf_token, "admin")
    try:
        promote_model(db, request.app.state.models, model_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except PromotionRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return RedirectResponse("/models", status.HTTP_303_SEE_OTHER)


def _job(db: Session, job_id: str | None) -> Job | None:
    return db.get(Job, job_id) if job_id else None


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, who: PageUser = Depends(user)) -> HTMLResponse:
    return _page(request, "upload", who, step="file")


@router.post("/upload", response_class=HTMLResponse)
def upload_preview(
    request: Request,
    csrf_token: str | None = Form(default=None),
    file: UploadFile = File(),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """Step 1: keep the file for step 2, show its header and first rows, guess the columns."""
    from service.store.uploads import UploadError, check_suffix, guess_columns, preview

    check_form(who, csrf_token, "analyst")
    name = Path(file.filename or "upload.csv").name
    try:
        token = f"{uuid.uuid4().hex}{check_suffix(name)}"
        path = _upload_dir(request) / token
        path.write_bytes(file.file.read())
        columns, rows, n_rows = preview(path, name, UPLOAD_PREVIEW_ROWS)
    except UploadError as exc:
        return _page(request, "upload", who, exc.status, step="file", error=str(exc))
    return _page(
        request, "upload", who, step="columns", token=token, name=name, columns=columns, rows=rows,
        n_rows=n_rows, guess=guess_columns(columns),
    )  # fmt: skip


@router.post("/upload/store", response_class=HTMLResponse)
def upload_store(
    request: Request,
    csrf_token: str | None = Form(default=None),
    token: str = Form(pattern=r"^[0-9a-f]{32}\.[a-z.]+$"),
    name: str = Form(max_length=300),
    text_col: str = Form(max_length=200),
    id_col: str | None = Form(default=None, max_length=200),
    date_col: str | None = Form(default=None, max_length=200),
    channel_col: str | None = Form(default=None, max_length=200),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """Step 2: store the kept file with the chosen columns as a background job the page follows."""
    check_form(who, csrf_token, "analyst")
    path = _upload_dir(request) / token
    if not path.is_file():
        error = "Файл для загрузки не найден (сервер перезапускался?): выберите его снова."
        return _page(request, "upload", who, 410, step="file", error=error)
    chosen = {"text": text_col, "id": id_col, "date": date_col, "channel": channel_col}
    params = {
        "path": str(path),
        "name": name,
        "source": name,
        "chosen": {role: (column or None) for role, column in chosen.items()},
        "author": who.principal.author,
        "refresh_pains": True,  # an analyst who uploads wants to see the pains of it
    }
    job_id, _ = request.app.state.jobs.submit("upload", params, created_by=who.principal.author)
    return RedirectResponse(f"/upload/jobs/{job_id}", status.HTTP_303_SEE_OTHER)


@router.get("/upload/jobs/{job_id}", response_class=HTMLResponse)
def upload_job_page(
    request: Request,
    job_id: str,
    fragment: bool = Query(default=False),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """The upload's progress (polled by htmx as a fragment until the job ends), then its summary."""
    job = _job(db, job_id)
    if job is None or job.kind != "upload":
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"загрузки {job_id} нет")
    progress = request.app.state.jobs.progress(job_id)
    template = "upload_job" if fragment else "upload"
    return _page(request, template, who, step="job", job=job, progress=progress)


def _upload_dir(request: Request) -> Path:
    from service.store.uploads import upload_dir

    return upload_dir(request.app.state.settings.cache_dir)
