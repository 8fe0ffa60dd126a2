"""Pains and the pain map in the database: recompute pains from stored items, keep analysts' decisions.

Pains of every period are recomputed in period order and chained with `PainTracker`, so a pain keeps its id
from one refresh to the next (the finder is deterministic). Pain-map suggestions are refreshed only while
they are still `suggested`: an accepted, rejected or done entry is the analyst's and is never overwritten.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.painmap import SEED_FORM
from service.db.models import (
    Item,
    ItemPains,
    Label,
    Pain,
    PainMapChange,
    PainMapEntry,
    PainSnapshot,
    Prediction,
)
from service.db.session import begin_write

# The seeds' pain-map form: column title → our field (models.painmap.SEED_FORM, the one definition).
SEED_COLUMNS: dict[str, str] = {title: field for field, title in SEED_FORM}
# Keys a suggestion dict from models.painmap may use for each field (English or the seeds' titles).
_SUGGESTION_KEYS: dict[str, tuple[str, ...]] = {
    "process": ("process", "Наименование процесса"),
    "problem": ("problem", "Выявленные проблемы / потенциальные потребности клиентов", "label"),
    "prevalence": ("prevalence", "prevalence_level", "Распространенность проблемы (высокая/средняя/низкая)"),
    "priority": ("priority", "Приоритетность решения проблемы (высокая/средняя/низкая)"),
    "measures": ("measures", "Необходимые к реализации мероприятия", "Мероприятия"),
    "responsible": ("responsible", "Ответственный"),
    "deadline": ("deadline", "Срок реализации"),
}


def items_frame(session: Session, period: str) -> pd.DataFrame:
    """Stored items of one period as the frame models.pains expects (masked text, process, topic, channel).

    `topic_source` says where each topic came from: `label` (training import or an analyst), `prediction`
    (the model), or None."""
    rows = session.execute(
        select(Item.id, Item.text_masked, Item.channel, Item.process, Item.kind)
        .where(Item.period == period)
        .order_by(Item.id)  # a fixed order keeps each pain's item ids in the same order run to run
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "text", "channel", "process", "kind"])
    if frame.empty:
        return frame
    ids = frame["id"].tolist()
    for head in ("process", "topic"):
        predicted, labelled = _known_labels(session, ids, head)
        current = frame[head].tolist() if head in frame else [None] * len(frame)
        known = [c if isinstance(c, str) and c else labelled.get(i, predicted.get(i)) for i, c in
                 zip(ids, current, strict=True)]
        frame[head] = known
        if head == "topic":
            frame["topic_source"] = [
                "label" if i in labelled else "prediction" if i in predicted else None for i in ids
            ]
    return frame


def _known_labels(session: Session, ids: list[int], head: str) -> tuple[dict[int, str], dict[int, str]]:
    """(latest prediction, latest label) of each item for one head."""
    predicted: dict[int, str] = {}
    labelled: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for item_id, label in session.execute(
            select(Prediction.item_id, Prediction.label)
            .where(Prediction.item_id.in_(chunk), Prediction.head == head, Prediction.label.is_not(None))
            .order_by(Prediction.id)
        ):
            predicted[item_id] = label
        for item_id, value in session.execute(
            select(Label.item_id, Label.value)
            .where(Label.item_id.in_(chunk), Label.head == head)
            .order_by(Label.id)
        ):
            labelled[item_id] = value  # later labels win over earlier ones
    return predicted, labelled


def periods(session: Session) -> list[str]:
    return [p for (p,) in session.execute(select(Item.period).distinct().order_by(Item.period))]


def refresh_pains(session: Session, period: str | None = None, embedder=None) -> dict[str, Any]:
    """Recompute pains for every period up to `period` (default: the latest) with the one pains workflow
    (`models.pain_periods`), then store every period's snapshots and the pain-map suggestions of `period`.

    All periods are computed before anything is written, so the write transaction is short. Pains are
    grouped by topic only when most items' topics come from labels: the model's own predictions would
    make the pains repeat the classifier (and the CLI does not group unless asked)."""
    from models.pain_periods import find_period_pains
    from service.store.embedding_cache import default_embedder
    from service.store.pains import stored_corrections

    known = periods(session)
    if not known:
        return {"period": period, "pains": 0, "suggestions": 0, "message": "нет записей для анализа"}
    period = period or known[-1]
    wanted = [p for p in known if p <= period]
    if not wanted:
        return {"period": period, "pains": 0, "suggestions": 0, "message": "нет записей за этот период"}
    frame = pd.concat([items_frame(session, p).assign(period=p) for p in wanted], ignore_index=True)
    by_topic = "topic" if (frame["topic_source"] == "label").mean() >= 0.5 else None
    corrections = stored_corrections(session)
    session.commit()  # end the read transaction: writers are not held up while the pains are computed
    run = find_period_pains(
        frame,
        text_col="text",
        id_col="id",
        period_col="period",
        cluster_by=by_topic,
        embedder=embedder or default_embedder(),
    )
    summary: dict[str, Any] = {"period": period, "periods": [], "cluster_by": by_topic}
    if run.errors:
        summary["errors"] = run.errors
    # Everything is ready before the write lock is taken: the refresh runs niced, and a lock held while it
    # computed under load made every writer of both workers wait. Corrections an analyst saved meanwhile
    # are seen under the lock, and only then are the periods prepared again (under it) with them.
    parts, suggestions = _corrected(run, corrections)
    begin_write(session)
    now = stored_corrections(session)
    if now != corrections:
        parts, suggestions = _corrected(run, now)
    for name, pains, item_pains, n_items in parts:
        _store_snapshots(session, name, pains)
        _store_item_pains(session, name, item_pains)
        summary["periods"].append({"period": name, "items": n_items, "pains": len(pains)})
    summary["pains"] = len(parts[-1][1])
    summary["suggestions"] = _store_suggestions(session, period, suggestions)
    session.commit()
    return summary


def _corrected(run, corrections) -> tuple[list[tuple], list[dict[str, Any]]]:  # noqa: ANN001
    """Each period's (name, pains as dicts, item → pains, item count) with the analysts' `corrections`
    applied to a copy of its report, and the pain-map suggestions of the latest."""
    from models.pain_corrections import apply_corrections
    from models.painmap import suggest_entries

    parts, latest = [], None
    for part in run.periods:
        latest = apply_corrections(copy.deepcopy(part.report), corrections)
        parts.append((str(part.period), latest.to_dict()["pains"], latest.item_pains, latest.n_items))
    return parts, suggest_entries(latest)


def _store_item_pains(session: Session, period: str, item_pains: dict[Any, list[str]]) -> None:
    session.query(ItemPains).filter(ItemPains.period == period).delete()
    session.bulk_insert_mappings(
        ItemPains, [{"period": period, "item_id": int(i), "pains": list(p)} for i, p in item_pains.items()]
    )
    session.flush()


def item_pains(session: Session, period: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """Items of a period with their pains (primary first), in item order."""
    rows = session.execute(
        select(ItemPains.item_id, ItemPains.pains)
        .where(ItemPains.period == period)
        .order_by(ItemPains.item_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [{"id": item_id, "pains": list(pains or [])} for item_id, pains in rows]


def _store_snapshots(session: Session, period: str, pains: list[dict[str, Any]]) -> None:
    session.query(PainSnapshot).filter(PainSnapshot.period == period).delete()
    for data in pains:
        pain = session.get(Pain, data["id"])
        if pain is None:
            pain = Pain(id=data["id"], label=data["label"], first_period=period)
            session.add(pain)
        pain.label, pain.keywords = data["label"], data.get("keywords")
        pain.first_period = min(pain.first_period or period, period)
        pain.last_period = max(pain.last_period or period, period)
        session.add(
            PainSnapshot(
                pain_id=data["id"],
                period=period,
                label=data["label"],
                size=int(data.get("size", 0)),
                prevalence=data.get("prevalence"),
                ci_low=data.get("ci_low"),
                ci_high=data.get("ci_high"),
                trend=data.get("lineage"),
                processes=data.get("processes"),
                payload={k: v for k, v in data.items() if k != "item_ids"}
                | {"n_items": len(data.get("item_ids", []))},
            )
        )
    session.flush()


def _pick(suggestion: dict[str, Any], field: str) -> str | None:
    for key in _SUGGESTION_KEYS[field]:
        value = suggestion.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _store_suggestions(session: Session, period: str, suggestions: list[dict[str, Any]]) -> int:
    # Undecided suggestions of this period whose pain is no longer found are machine output only: drop them.
    current = {s.get("pain_id") for s in suggestions if s.get("pain_id")}
    stale = session.scalars(
        select(PainMapEntry).where(PainMapEntry.period == period, PainMapEntry.status == "suggested")
    ).all()
    for entry in stale:
        if entry.pain_id not in current:
            session.delete(entry)
    session.flush()
    number = session.scalar(select(func.max(PainMapEntry.number))) or 0
    stored = 0
    for suggestion in suggestions:
        pain_id = suggestion.get("pain_id")
        if pain_id is not None and session.get(Pain, pain_id) is None:
            pain_id = None
        entry = (
            session.scalar(select(PainMapEntry).where(PainMapEntry.pain_id == pain_id)) if pain_id else None
        )
        if entry is not None and entry.status != "suggested":
            continue  # the analyst decided; keep their entry as it is
        fields = {f: _pick(suggestion, f) for f in _SUGGESTION_KEYS}
        fields["process"] = fields["process"] or "Процесс не определён"
        fields["problem"] = fields["problem"] or "Проблема без описания"
        if entry is None:
            number += 1
            entry = PainMapEntry(number=number, status="suggested", pain_id=pain_id, period=period, **fields)
            session.add(entry)
            entry.history.append(PainMapChange(field="status", new_value="suggested", author="painmap"))
        else:
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.period = period
        stored += 1
    session.flush()
    return stored


def change_entry(entry: PainMapEntry, changes: dict[str, Any], author: str) -> list[str]:
    """Apply field changes, recording each real change in the entry's history; returns changed fields."""
    changed = []
    for name, value in changes.items():
        old = getattr(entry, name)
        if old == value:
            continue
        setattr(entry, name, value)
        entry.history.append(
            PainMapChange(
                field=name,
                old_value=None if old is None else str(old),
                new_value=None if value is None else str(value),
                author=author,
            )
        )
        changed.append(name)
    return changed


STATUS_TITLES = {
    "suggested": "предложено", "accepted": "принято", "rejected": "отклонено", "done": "выполнено"
}
_EXPORT_WIDTHS = {"№": 6, "Мероприятия": 40, "Ответственный": 24, "Срок реализации": 16, "Статус": 14}


def painmap_workbook(
    session: Session, period: str | None = None, status: str | None = None
) -> tuple[bytes, str]:
    """(XLSX bytes, file name) of the pain map of `period` (every period when None), every status unless
    `status` names one: what the API's export and the page's download both send."""
    query = select(PainMapEntry).order_by(PainMapEntry.period, PainMapEntry.number)
    if status is not None:
        query = query.where(PainMapEntry.status == status)
    if period is not None:
        query = query.where(PainMapEntry.period == period)
    name = f"painmap_{period}.xlsx" if period else "painmap.xlsx"
    return export_xlsx(list(session.scalars(query)), period), name


def export_xlsx(entries: list[PainMapEntry], period: str | None = None) -> bytes:
    """The pain map in the seeds' form as XLSX bytes: a title row naming the period, the form's columns
    plus the entry's status, wrapped text and set widths (cells that look like formulas are neutralised)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from service.tables.write import formula_safe_cell

    titles = [*SEED_COLUMNS, "Статус"]
    book = Workbook()
    sheet = book.active
    sheet.title = "Карта болей"
    periods = sorted({e.period for e in entries if e.period})
    shown = period or (", ".join(periods) if periods else "все периоды")
    sheet.append([f"Карта болей за {shown}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(titles)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    # the form's row number; stored numbers have gaps after rejections
    for number, entry in enumerate(entries, start=1):
        values = [getattr(entry, field) for field in SEED_COLUMNS.values()]
        values[0] = number
        sheet.append([formula_safe_cell(v) for v in values] + [STATUS_TITLES.get(entry.status, entry.status)])
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, title in enumerate(titles, start=1):
        letter = sheet.cell(row=2, column=column).column_letter
        sheet.column_dimensions[letter].width = _EXPORT_WIDTHS.get(title, 30)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.alignment = wrap
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
