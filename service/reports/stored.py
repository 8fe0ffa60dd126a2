"""The quarterly report of the stored items: one function for the API (JSON, HTML, XLSX) and the pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db.models import Item
from service.reports.queries import items_frame, stored_pain_report


class EmptyQuarter(LookupError):
    """The quarter has no stored items: a report of zeros would look like a quarter without complaints."""


def stored_quarterly_report(
    session: Session, quarter: str, *, deadline_days: float = 30, topic_head: str = "topic", top: int = 10
) -> dict:
    """The report of `quarter` with the quarter before beside it. Raises ValueError for a malformed
    quarter or stored dates that are not dates, EmptyQuarter (naming the quarters that have items) when
    the quarter has none."""
    from service.reports.quarterly import parse_quarter, quarterly_report

    period = parse_quarter(quarter)
    if not session.scalar(select(func.count()).select_from(Item).where(Item.period == str(period))):
        known = [p for (p,) in session.execute(select(Item.period).distinct().order_by(Item.period)) if p]
        have = f"записи есть за {', '.join(known[-8:])}" if known else "в базе ещё нет ни одной записи"
        raise EmptyQuarter(
            f"за квартал {period} нет записей ({have}); загрузите обращения или ответы опросов за этот "
            "квартал (POST /v1/items/upload, painmap load) или выберите другой квартал"
        )
    items = items_frame(session, [str(period), str(period - 1)], topic_head=topic_head)
    pains = stored_pain_report(session, str(period))
    return quarterly_report(items, str(period), deadline_days=deadline_days, pains=pains, top=top)
