"""GET /v1/reports/quarterly: the seeds' quarterly report from stored items (service.reports.queries)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.api.deps import get_db, reader

router = APIRouter(tags=["reports"])

class ReportQuery:
    """Query parameters shared by the JSON, HTML and XLSX forms of the report."""

    def __init__(
        self,
        quarter: str = Query(
            ..., pattern=r"^\s*(19\d\d|20\d\d|2100)[- ]?[Qq][1-4]\s*$", examples=["2021Q1"],
            description="Квартал вида 2021Q1",
        ),
        deadline_days: float = Query(30, gt=0, le=365, description="Срок ответа, дней"),
        topic_head: str = Query("topic", max_length=50, description="Голова классификатора с темой"),
        top: int = Query(10, ge=1, le=100, description="Сколько тем и болей показывать"),
    ) -> None:
        self.quarter, self.deadline_days, self.topic_head, self.top = quarter, deadline_days, topic_head, top


def build_report(q: ReportQuery, db: Session, request: Request) -> dict:
    from service.reports.stored import EmptyQuarter, stored_quarterly_report

    try:
        return stored_quarterly_report(
            db, q.quarter, deadline_days=q.deadline_days, topic_head=q.topic_head, top=q.top,
            cache=request.app.state.report_cache,
        )  # fmt: skip
    except EmptyQuarter as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:  # a malformed quarter, or stored dates that are not dates (named by the report)
        raise HTTPException(422, str(exc)) from exc


@router.get("/reports/quarterly", summary="Квартальный отчёт по обратной связи (JSON)")
def quarterly(
    request: Request, q: ReportQuery = Depends(), db: Session = Depends(get_db), _: Any = Depends(reader)
) -> dict:
    return build_report(q, db, request)


@router.get("/reports/quarterly.html", response_class=HTMLResponse, summary="Квартальный отчёт: страница")
def quarterly_html(
    request: Request,
    q: ReportQuery = Depends(), db: Session = Depends(get_db), _: Any = Depends(reader)
) -> HTMLResponse:
    from service.reports.render import render_html

    return HTMLResponse(render_html(build_report(q, db, request)))


@router.get("/reports/quarterly.xlsx", summary="Квартальный отчёт: XLSX в форме порядка")
def quarterly_xlsx(
    request: Request,
    q: ReportQuery = Depends(), db: Session = Depends(get_db), _: Any = Depends(reader)
) -> Response:
    from service.reports.render import write_xlsx

    report = build_report(q, db, request)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_xlsx(report, Path(tmp) / "report.xlsx").read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="report_{report["quarter"]}.xlsx"'},
    )
