"""The pains pages: a quarter's pains, one pain with its items, and the analysts' corrections (rename, merge,
move items out, «не боль»), each followed by a recomputation the page shows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field
from sqlalchemy.orm import Session

from service.db.session import request_session as get_db
from service.schemas import MAX_ID
from service.web.pages import QUARTER, job_of, quarter_choice, render, user
from service.web.session import PageUser, check_form

PAIN_PAGE = 20  # a pain's items per page

router = APIRouter(include_in_schema=False)


@router.get("/pains", response_class=HTMLResponse)
def painsrender(
    request: Request,
    period: str | None = Query(default=None, pattern=QUARTER),
    refresh: str | None = Query(default=None, max_length=64),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    from service.store.pains import period_pains

    chosen, known = quarter_choice(db, period)
    pains = period_pains(db, chosen) if chosen else []
    job = job_of(db, refresh) if refresh else None
    return render(request, "pains", who, period=chosen, quarters=known, pains=pains, refresh=job)


@router.get("/pains/{pain_id}", response_class=HTMLResponse)
def painrender(
    request: Request,
    pain_id: str = PathParam(max_length=64),
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
    return render(request, "pain", who, pages=pages, others=others, refresh=job_of(db, refresh), **context)


@router.post("/pains/{pain_id}/rename")
def pain_rename(
    pain_id: str = PathParam(max_length=64),
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
    pain_id: str = PathParam(max_length=64),
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
    pain_id: str = PathParam(max_length=64),
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
    pain_id: str = PathParam(max_length=64),
    csrf_token: str | None = Form(default=None),
    period: str = Form(pattern=QUARTER),
    item_id: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Form(default=[], max_length=PAIN_PAGE),
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
