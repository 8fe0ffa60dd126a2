"""What every analysts' page shares: the templates, the logged-in user, rendering, the quarter choice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from service.db.models import Job
from service.db.session import request_session as get_db
from service.store.painmap import periods
from service.web.session import CSRF_FIELD, PageUser, page_user

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
# How a pain moved against the previous quarter (models.tracking's lineage), as the pages say it.
TEMPLATES.env.globals["LINEAGE_TITLES"] = {
    "new": "новая", "growing": "растёт", "fading": "снижается", "persisting": "без изменений",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUARTER = r"^\d{4}Q[1-4]$"


def user(request: Request, db: Session = Depends(get_db)) -> PageUser:
    """The session's user (a page without one redirects to /login: `LoginRequired`)."""
    return page_user(request, db)


def render(
    request: Request, template: str, who: PageUser | None, code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(request=request, user=who, csrf_field=CSRF_FIELD, page=template)
    return TEMPLATES.TemplateResponse(request, f"{template}.html", context, status_code=code)


def quarter_choice(db: Session, wanted: str | None) -> tuple[str | None, list[str]]:
    """The quarter asked for (or the latest with items) and every quarter that has items."""
    known = [p for p in periods(db) if p]
    return (wanted or (known[-1] if known else None)), known


def job_of(db: Session, job_id: str | None) -> Job | None:
    return db.get(Job, job_id) if job_id else None
