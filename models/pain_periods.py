"""The one pains workflow: the pains of every period of a table, chained across periods, with suggestions.

`painmap pains`, `POST /v1/pains/refresh` and `make run` all call `find_period_pains`, so one file gives the
same pains through the CLI and through the store (the CLI and the store only read and write):

    >>> run = find_period_pains(frame, text_col="text", id_col="id", period_col="quarter")
    >>> run.latest.pains[0].label, run.to_dict()["history"]

Periods are found in sorted order; each is clustered on its own and `PainTracker` renumbers it to the ids of
the previous period's pains it continues. Pains are grouped by a column (`cluster_by`) only when the caller
asks: the CLI when `--cluster-by` is given, the store when the items' topics come from labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.pain_report import PainReport
from models.painmap import suggest_entries
from models.pains import PainFinder
from models.tracking import PainTracker


@dataclass
class PeriodPains:
    period: str | None
    report: PainReport


@dataclass
class PainsRun:
    """Every period's report in order (`periods`), and the earlier periods that failed (`errors`)."""

    periods: list[PeriodPains]
    errors: list[str] = field(default_factory=list)

    @property
    def latest(self) -> PainReport:
        return self.periods[-1].report

    def history(self) -> list[dict[str, Any]]:
        return [
            {
                "period": part.period,
                "n_items": part.report.n_items,
                "gone": part.report.gone,
                "pains": [
                    {
                        "id": p.id,
                        "label": p.label,
                        "size": p.size,
                        "prevalence": p.prevalence,
                        "lineage": p.lineage,
                        "previous_ids": p.previous_ids,
                    }
                    for p in part.report.pains
                ],
            }
            for part in self.periods
        ]

    def to_dict(self) -> dict[str, Any]:
        """The latest period's pains, items and pain-map suggestions; with periods, their history too."""
        result = self.latest.to_dict()
        result["suggestions"] = suggest_entries(self.latest)
        if self.periods[-1].period is not None:
            result["period"] = self.periods[-1].period
            result["history"] = self.history()
        if self.errors:
            result["errors"] = list(self.errors)
        return result


def find_period_pains(
    items: pd.DataFrame,
    *,
    text_col: str = "text",
    id_col: str | None = None,
    period_col: str | None = None,
    cluster_by: str | None = None,
    group_cols: Sequence[str] = ("process", "topic"),
    channel_col: str | None = "channel",
    upto: str | None = None,
    finder: PainFinder | None = None,
    embedder=None,
    on_period: Callable[[str | None, int], None] | None = None,
) -> PainsRun:
    """Pains of each period of `items` (one period without `period_col`) up to `upto` (default: all).

    An earlier period that fails only breaks the lineage (its error is kept in `errors`); the last one
    raises. `on_period(period, n_items)` is called before each period, for progress."""
    finder = finder or PainFinder(embedder=embedder)
    if period_col is None:
        chunks: list[tuple[str | None, pd.DataFrame]] = [(None, items)]
    else:
        values = items[period_col].astype(str)
        chunks = [(str(v), items[values == v]) for v in sorted(values.unique()) if upto is None or v <= upto]
    if not chunks:
        raise ValueError("нет записей за выбранные периоды")
    tracker, previous = PainTracker(), None
    run = PainsRun(periods=[])
    for number, (period, part) in enumerate(chunks):
        if on_period is not None:
            on_period(period, len(part))
        try:
            found = finder.find(
                part,
                text_col=text_col,
                id_col=id_col,
                group_cols=group_cols,
                channel_col=channel_col,
                cluster_by=cluster_by,
            )
        except Exception as exc:
            if number == len(chunks) - 1:
                raise
            run.errors.append(f"{period}: {type(exc).__name__}: {exc}")
            previous = None
            continue
        report = tracker.match(previous, found)
        run.periods.append(PeriodPains(period, report))
        previous = report
    return run
