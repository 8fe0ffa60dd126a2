"""The analysts' pages: login, the overview of a quarter, the quarterly report, the pain map; the pains
(`pain_pages`) and the work pages — review, models, uploads (`work_pages`) — are included here.

Thin like the API's routers: they read and write through `service.store` and `service.reports`, the same
functions the API calls; a page only turns their results into HTML.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import PainMapEntry
from service.db.session import request_session as get_db
from service.schemas import MAX_ID
from service.store.painmap import STATUS_TITLES, change_entry, painmap_workbook
from service.web import pain_pages, work_pages
from service.web.pages import QUARTER, XLSX, quarter_choice, render, user
from service.web.session import PageUser, check_form, log_in, log_out

router = APIRouter(include_in_schema=False)
router.include_router(pain_pages.router)
router.include_router(work_pages.router)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login", None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, key: str = Form(default="", max_length=200), db: Session = Depends(get_db)):
    if log_in(request, db, key) is None:
        error = (
            "Ключ не подошёл: проверьте его или попросите администратора выдать новый "
            "(painmap keys create)."
        )
        # 200, not 401: the form is shown again with the reason (a 401 asks for HTTP authentication).
        return render(request, "login", None, error=error)
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

    chosen, known = quarter_choice(db, quarter)
    report, message = None, None
    if chosen is None:
        message = "В базе ещё нет записей: загрузите обращения или ответы опросов на странице «Загрузка»."
    else:
        try:
            report = stored_quarterly_report(db, chosen, cache=request.app.state.report_cache)
        except (EmptyQuarter, ValueError) as exc:
            message = str(exc)
    return render(request, "overview", who, quarter=chosen, quarters=known, report=report, message=message)


@router.get("/report.html", response_class=HTMLResponse)
def reportrender(
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



@router.get("/painmap", response_class=HTMLResponse)
def painmaprender(
    request: Request,
    period: str | None = Query(default=None, pattern=QUARTER),
    db: Session = Depends(get_db),
    who: PageUser = Depends(user),
) -> HTMLResponse:
    chosen, known = quarter_choice(db, period)
    entries = list(
        db.scalars(select(PainMapEntry).where(PainMapEntry.period == chosen).order_by(PainMapEntry.number))
    )
    return render(
        request, "painmap", who, period=chosen, quarters=known, entries=entries, statuses=STATUS_TITLES
    )


@router.post("/painmap/{entry_id}")
def painmap_change(
    entry_id: int = PathParam(ge=1, le=MAX_ID),
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
    content, name = painmap_workbook(db, period)
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
