"""The work pages: the review queue, the models (retrain, promote) and uploads (preview, columns, a job)."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from service.db.session import request_session as get_db
from service.schemas import MAX_ID
from service.web.pages import job_of, render, user
from service.web.session import PageUser, check_form

UPLOAD_PREVIEW_ROWS = 5
REVIEW_PAGE = 10  # review items shown at once

router = APIRouter(include_in_schema=False)


@router.get("/review", response_class=HTMLResponse)
def reviewrender(
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
    from models.rare_labels import RARE_LABEL

    # «too few examples» is the model's mark, not a label an analyst can give
    known = getattr(estimator, "classes_", {}).get(head, []) if head else []
    classes = [str(c) for c in known if str(c) != RARE_LABEL]
    rows = [
        {"item": item, "prediction": pred,
         "top": [(c, p) for c, p in (top[n].get(head, []) if top else []) if c != RARE_LABEL]}
        for n, (pred, item) in enumerate(queue)
    ]
    progress = review_progress(db, head) if head else None
    context = {"head": head, "heads": heads, "rows": rows, "classes": classes, "progress": progress}
    return render(request, "review", who, **context)


@router.post("/review/label")
def review_label(
    csrf_token: str | None = Form(default=None),
    item_id: int = Form(ge=1, le=MAX_ID),
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
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    db.commit()
    return RedirectResponse(f"/review?head={head}", status.HTTP_303_SEE_OTHER)



@router.get("/models", response_class=HTMLResponse)
def modelsrender(
    request: Request,
    job: str | None = Query(default=None, max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.modelling.champion import model_cards

    cards = model_cards(db, request.app.state.models)
    return render(request, "models", who, cards=cards, job=job_of(db, job) if job else None)


@router.get("/models/jobs/{job_id}", response_class=HTMLResponse)
def modeljob_of(
    request: Request,
    job_id: str = PathParam(max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """The retraining job's state, polled by the page (htmx) until it is done or failed."""
    job = job_of(db, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"задачи {job_id} нет")
    return render(request, "model_job", who, job=job)


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

@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, who: PageUser = Depends(user)) -> HTMLResponse:
    return render(request, "upload", who, step="file")


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
        return render(request, "upload", who, exc.status, step="file", error=str(exc))
    return render(
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
        return render(request, "upload", who, 410, step="file", error=error)
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
def upload_jobrender(
    request: Request,
    job_id: str = PathParam(max_length=64),
    fragment: bool = Query(default=False),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    """The upload's progress (polled by htmx as a fragment until the job ends), then its summary."""
    job = job_of(db, job_id)
    if job is None or job.kind != "upload":
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"загрузки {job_id} нет")
    progress = request.app.state.jobs.progress(job_id)
    template = "upload_job" if fragment else "upload"
    return render(request, template, who, step="job", job=job, progress=progress)


def _upload_dir(request: Request) -> Path:
    from service.store.uploads import upload_dir

    return upload_dir(request.app.state.settings.cache_dir)
