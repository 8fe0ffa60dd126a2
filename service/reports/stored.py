"""The quarterly report of the stored items: one function for the API (JSON, HTML, XLSX) and the pages."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db.models import Item, Label, Pain, PainMapEntry, PainSnapshot, Prediction
from service.reports.queries import items_frame, stored_pain_report


class ReportCache:
    """The last few quarterly reports, each kept while the data under it is unchanged: a report of two
    quarters of a big city (60k appeals) takes seconds to compute and the overview opens it every time.
    The key holds the quarter, the options and the data's version (item count and the newest id or change
    of items, labels, predictions, pains and pain-map entries), so any write makes a fresh report."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._reports: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> dict | None:
        with self._lock:
            report = self._reports.get(key)
            if report is not None:
                self._reports.move_to_end(key)
            return report

    def entries(self) -> list[tuple[tuple, dict]]:
        """(key, report) pairs, oldest first: what another process computed, to `put` here."""
        with self._lock:
            return list(self._reports.items())

    def put(self, key: tuple, report: dict) -> None:
        with self._lock:
            self._reports[key] = report
            while len(self._reports) > self.size:
                self._reports.popitem(last=False)


def data_version(session: Session) -> tuple:
    """What the stored report depends on, in one round trip."""
    return tuple(
        session.execute(
            select(
                select(func.count(Item.id)).scalar_subquery(),
                select(func.max(Item.id)).scalar_subquery(),
                select(func.max(Label.id)).scalar_subquery(),
                select(func.max(Prediction.id)).scalar_subquery(),
                select(func.max(PainSnapshot.id)).scalar_subquery(),
                select(func.max(Pain.updated_at)).scalar_subquery(),
                select(func.max(PainMapEntry.updated_at)).scalar_subquery(),
            )
        ).one()
    )


class EmptyQuarter(LookupError):
    """The quarter has no stored items: a report of zeros would look like a quarter without complaints."""


def stored_quarterly_report(
    session: Session,
    quarter: str,
    *,
    deadline_days: float = 30,
    topic_head: str = "topic",
    top: int = 10,
    cache: ReportCache | None = None,
) -> dict:
    """The report of `quarter` with the quarter before beside it (from `cache` while the data is
    unchanged). Raises ValueError for a malformed quarter or stored dates that are not dates,
    EmptyQuarter (naming the quarters that have items) when the quarter has none."""
    from service.reports.quarterly import parse_quarter, quarterly_report

    period = parse_quarter(quarter)
    key = (str(period), deadline_days, topic_head, top, data_version(session)) if cache else None
    if cache is not None and (known := cache.get(key)) is not None:
        return known
    if not session.scalar(select(func.count()).select_from(Item).where(Item.period == str(period))):
        known = [p for (p,) in session.execute(select(Item.period).distinct().order_by(Item.period)) if p]
        have = f"записи есть за {', '.join(known[-8:])}" if known else "в базе ещё нет ни одной записи"
        raise EmptyQuarter(
            f"за квартал {period} нет записей ({have}); загрузите обращения или ответы опросов за этот "
            "квартал (POST /v1/items/upload, painmap load) или выберите другой квартал"
        )
    items = items_frame(session, [str(period), str(period - 1)], topic_head=topic_head)
    pains = stored_pain_report(session, str(period))
    report = quarterly_report(items, str(period), deadline_days=deadline_days, pains=pains, top=top)
    if cache is not None:
        cache.put(key, report)
    return report
