"""Storing items: personal data masked, idempotent by (source, external id), classified on the way in.

Used by POST /v1/items, POST /v1/items/upload, `painmap load` and `make run`, so every path stores the same.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db.models import ITEM_KINDS, SATISFIED_VALUES, Item, Label, Prediction
from service.db.session import begin_write
from service.modelling.serving import ServedModel
from service.schemas import MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES, MAX_TEXT, MAX_YEAR, MIN_YEAR, without_nul
from service.tables.dates import parse_date

LABEL_HEADS = ("topic", "process", "category", "reason")
TEXT_COLUMNS = ("text", "answer", "текст", "ответ", "обращение")
ID_COLUMNS = ("external_id", "id", "respondent_id")
RATING_PREFIXES = ("rating_", "q10_", "portal_")  # numeric answers → Item.ratings
RATING_NAMES = ("ease",)
# Non-numeric survey answers → Item.attributes under their item-frame names (service.reports.quarterly). Only
# these:
# demographics, free-form categoricals and the export's row key never reach the database.
ATTRIBUTE_PREFIXES = ("grid_",)
ATTRIBUTE_NAMES = ("audience", "internal_object", "topic")
_FIELDS = ("kind", "channel", "created_at", "answered_at", "satisfied", "process", "nps", "period", "source")


def quarter_of(moment: datetime | date) -> str:
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def mask_texts(texts: Sequence[str], ner: bool = True) -> list[str]:
    """The readable texts with personal data → placeholders (`nlp.pii.mask_texts`, the one masking path);
    with `ner` person names are found by natasha too (storage, exports and API answers need it)."""
    from nlp.pii import mask_texts as mask

    return [masked for masked, _ in mask(texts, ner=ner)]


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # Converted, not just labelled: SQLite keeps the wall time and drops the zone, so «10:00+03:00» was
    # stored as 10:00 and read back as 10:00 UTC, three hours off (PostgreSQL kept the instant).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _key(item: dict[str, Any]) -> tuple[str, str] | None:
    # An empty external id is an id like any other ("" is stored and unique), so compare with None only.
    return (item.get("source") or "api", item["external_id"]) if item.get("external_id") is not None else None


def _existing(session: Session, items: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    key_list = sorted({key for it in items if (key := _key(it)) is not None})
    existing: dict[tuple[str, str], int] = {}
    for start in range(0, len(key_list), 500):  # bounded IN lists for big uploads
        chunk = key_list[start : start + 500]
        rows = session.execute(
            select(Item.source, Item.external_id, Item.id).where(
                tuple_(Item.source, Item.external_id).in_(chunk)
            )
        )
        existing.update({(s, e): i for s, e, i in rows})
    return existing


Prepared = dict[int, tuple[str, dict | None]]  # position → (masked text, predictions)


def _prepare(session: Session, items: list[dict[str, Any]], model: ServedModel | None) -> Prepared:
    """Masked texts and predictions of the items not stored yet — the slow part (NER, the model), done before
    the write lock is taken: computed under it, every writer of every worker queued behind one request's
    masking, and a soak's writes backed up until the pool ran dry."""
    existing, seen = _existing(session, items), set()
    fresh = []
    for pos, it in enumerate(items):
        key = _key(it)
        if key is None or (key not in existing and key not in seen):
            fresh.append(pos)
            seen.add(key)
    return _prepared_now(items, fresh, model)


def _prepared_now(items: list[dict[str, Any]], positions: list[int], model: ServedModel | None) -> Prepared:
    texts = [items[pos]["text"] for pos in positions]
    predictions = model.predict(texts) if (model and texts) else [None] * len(texts)
    return dict(zip(positions, zip(mask_texts(texts), predictions, strict=True), strict=True))


def _insert(
    session: Session,
    items: list[dict[str, Any]],
    model: ServedModel | None,
    store_raw: bool,
    author: str | None,
    prepared: Prepared,
) -> dict[str, Any]:
    """Store the items not stored yet (checked again under the write lock) with their `prepared` masks and
    predictions; an item prepared as existing but gone since is masked and classified here."""
    existing = _existing(session, items)
    new: list[tuple[int, dict[str, Any]]] = []  # (position, item)
    first_of: dict[tuple[str, str], int] = {}  # key → position of its first occurrence in this batch
    ids: list[int | None] = [None] * len(items)
    repeats: dict[int, int] = {}  # position → position of the same record earlier in the batch
    for pos, it in enumerate(items):
        key = _key(it)
        if key and key in existing:
            ids[pos] = existing[key]
        elif key and key in first_of:
            repeats[pos] = first_of[key]
        else:
            if key:
                first_of[key] = pos
            new.append((pos, it))

    missing = [pos for pos, _ in new if pos not in prepared]
    if missing:
        prepared = {**prepared, **_prepared_now(items, missing, model)}
    masked = [prepared[pos][0] for pos, _ in new]
    predictions = [prepared[pos][1] for pos, _ in new]
    rows: list[Item] = []
    for (_, it), text_masked, heads in zip(new, masked, predictions, strict=True):
        created = _as_utc(it.get("created_at"))
        row = Item(
            source=it.get("source") or "api",
            external_id=it.get("external_id"),
            kind=it.get("kind") or "appeal",
            channel=it.get("channel"),
            text_masked=text_masked,
            text_raw=it["text"] if store_raw else None,
            created_at=created,
            answered_at=_as_utc(it.get("answered_at")),
            satisfied=it.get("satisfied") or "unknown",
            process=it.get("process"),
            ratings=it.get("ratings"),
            attributes=it.get("attributes") or None,
            nps=it.get("nps"),
            # The quarter of the writer's own date («01.04 01:00+03:00» is Q2, though 31.03 in UTC).
            period=it.get("period") or quarter_of(it.get("created_at") or datetime.now(UTC)),
        )
        for head, value in (it.get("labels") or {}).items():
            row.labels.append(Label(head=head, value=str(value), source="import", author=author))
        for head, pred in (heads or {}).items():
            row.predictions.append(Prediction(head=head, model_id=model.model_id, **pred))  # type: ignore[union-attr]
        session.add(row)
        rows.append(row)
    session.flush()
    for (pos, _), row in zip(new, rows, strict=True):
        ids[pos] = row.id
    for pos, first in repeats.items():
        ids[pos] = ids[first]
    return {
        "created": len(rows),
        "existing": len(items) - len(rows),
        "classified": len(rows) if model else 0,
        "model_id": model.model_id if model else None,
        "ids": ids,
    }


def ingest_items(
    session: Session,
    items: list[dict[str, Any]],
    model: ServedModel | None = None,
    *,
    store_raw: bool = False,
    author: str | None = None,
) -> dict[str, Any]:
    """Store new items (skipping known external ids), commit, and report what happened: one batch of
    `ingest_file_items` (a concurrent insert of the same external id is retried there, found existing)."""
    return ingest_file_items(
        session, items, model, store_raw=store_raw, author=author, batch=max(1, len(items))
    )


def ingest_file_items(
    session: Session,
    items: list[dict[str, Any]],
    model: ServedModel | None = None,
    *,
    store_raw: bool = False,
    author: str | None = None,
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """All of a file's items in one transaction: the file is stored whole or not at all (a crash, a kill
    or an error half-way leaves nothing of it), and a re-run stores each row exactly once. The slow part —
    masking and classifying the rows not stored yet — runs first, batch by batch, without the write lock
    (`progress(done, total)` after each batch); then the write transaction stores the batches, each in a
    savepoint, so the retry on a concurrent insert of the same id rolls back that batch only."""
    model_id = model.model_id if model else None
    totals: dict[str, Any] = {"created": 0, "existing": 0, "classified": 0, "model_id": model_id, "ids": []}
    items = [without_nul(it) for it in items]  # PostgreSQL text cannot hold NUL
    parts = [items[start : start + batch] for start in range(0, len(items), batch)]
    ours = not session.in_transaction()  # a caller's transaction under way is left to the caller
    try:
        # Read phase: what is new, masked and classified (the slow part), without the write lock.
        prepared = []
        for number, part in enumerate(parts):
            prepared.append(_prepare(session, part, model))
            if progress is not None:
                progress(min((number + 1) * batch, len(items)), len(items))
        if ours:
            session.rollback()  # ends the read transaction (nothing was written) before the write one
        # Write phase: the whole file in one transaction, each batch in a savepoint.
        begin_write(session)
        for part, ready in zip(parts, prepared, strict=True):
            for attempt in range(2):
                try:
                    with session.begin_nested():
                        result = _insert(session, part, model, store_raw, author, ready)
                    break
                except IntegrityError:
                    if attempt:
                        raise
            for key in ("created", "existing", "classified"):
                totals[key] += result[key]
            totals["model_id"], totals["ids"] = result["model_id"], totals["ids"] + result["ids"]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return totals


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _datetime(value: Any, where: str) -> datetime | None:
    value = _cell(value)
    if value is None:
        return None
    try:
        # «03.04.2025» is the 3rd of April in Russian exports (pandas alone reads it month first).
        stamp = parse_date(value) if isinstance(value, str) else pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: не дата/время: {value!r}") from exc
    if pd.isna(stamp):
        return None
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:  # the API's limit (service.schemas): typos, not history
        raise ValueError(f"{where}: дата {value!r} вне {MIN_YEAR}–{MAX_YEAR} годов")
    return stamp.to_pydatetime()


def _attributes(row: dict, cols: list, kind: str, here: str) -> dict[str, str]:
    """The row's non-numeric survey answers; `topic` only for survey answers (elsewhere it is a label)."""
    out: dict[str, str] = {}
    for col in cols:
        name, value = str(col).strip().lower(), _cell(row[col])
        if value is None or (name == "topic" and kind != "survey_answer"):
            continue
        if len(str(value)) > MAX_ATTRIBUTE_VALUE:
            raise ValueError(f"{here}, колонка {col}: значение длиннее {MAX_ATTRIBUTE_VALUE} символов")
        out[name] = str(value)
    if len(out) > MAX_ATTRIBUTES - 1:  # one place kept for the respondent token
        raise ValueError(f"{here}: больше {MAX_ATTRIBUTES - 1} атрибутов опроса")
    return out


SURVEY_TEXT_COLUMNS = ("answer", "ответ", "ответы")


def kind_for_text_column(name: str) -> str:
    """What a file's rows are when it does not say: survey answers when the text column is an answer
    («answer», «ответ»), appeals otherwise. Uploads and `painmap pains` decide alike, so both cluster the
    same unit (appeals by whole text, answers by clause)."""
    return "survey_answer" if name.strip().lower() in SURVEY_TEXT_COLUMNS else "appeal"


# The columns a user may name for an upload (`text_col`, `id_col`, `date_col`, `channel_col`) → the item
# field each feeds; the other columns are found by their usual names.
CHOSEN_FIELDS = {"text": "text", "id": "external_id", "date": "created_at", "channel": "channel"}


def choose_columns(
    frame: pd.DataFrame, chosen: dict[str, str | None], where: str
) -> tuple[pd.DataFrame, str]:
    """The frame with the columns the user named («Текст обращения» as text, …) renamed to the item fields
    they feed, and the name of the text column as the file spells it (it decides the rows' kind).

    A named column is matched by the table readers' rule (case, spaces and ё ignored); a missing one is
    refused with the file's columns listed. A column of the file that already bears a field's name but was
    not chosen steps aside («text (не выбран)»), so the choice, not the guess, feeds the field."""
    from service.tables.base import InputError, resolve_columns

    columns = [str(c) for c in frame.columns]
    rename: dict[str, str] = {}
    for role, wanted in chosen.items():
        if not wanted:
            continue
        try:
            found = next(iter(resolve_columns(where, columns, [wanted])), wanted)
        except InputError as exc:
            raise ValueError(f"{exc} (выбран как столбец «{role}»)") from exc
        rename[found] = CHOSEN_FIELDS[role]
    taken = set(rename.values())
    aside = {c: f"{c} (не выбран)" for c in columns if c.strip().lower() in taken and c not in rename}
    text_name = next((c for c, field in rename.items() if field == "text"), None)
    frame = frame.rename(columns={**aside, **rename})
    if text_name is None:
        lower = {c.strip().lower(): c for c in columns}
        text_name = next((lower[c] for c in TEXT_COLUMNS if c in lower), "text")
    return frame, text_name


def frame_to_items(
    frame: pd.DataFrame,
    *,
    source: str,
    kind: str | None = None,
    where: str = "файл",
    chosen: dict[str, str | None] | None = None,
) -> Iterable[dict[str, Any]]:
    """Rows of an uploaded table → item dicts; errors name the row (1-based, header excluded) and column.
    `chosen` names the file's text, id, date and channel columns (`CHOSEN_FIELDS`); the rest are found by
    their usual names."""
    text_name = None
    if chosen and any(chosen.values()):
        frame, text_name = choose_columns(frame, chosen, where)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    text_col = next((columns[c] for c in TEXT_COLUMNS if c in columns), None)
    if text_col is None:
        raise ValueError(
            f"{where}: нет колонки с текстом (ожидается одна из: {', '.join(TEXT_COLUMNS)}; "
            f"в файле: {', '.join(map(str, frame.columns))}); укажите её явно (text_col, --text-col)"
        )
    id_col = next((columns[c] for c in ID_COLUMNS if c in columns), None)
    rating_cols = [c for low, c in columns.items() if low.startswith(RATING_PREFIXES) or low in RATING_NAMES]
    attribute_cols = [
        c for low, c in columns.items() if low.startswith(ATTRIBUTE_PREFIXES) or low in ATTRIBUTE_NAMES
    ]
    respondent_col = columns.get("respondent")
    # A survey respondent's several answers share a random token (not the export's row key), so that the
    # report counts their ratings, grids and satisfaction once without anything traceable being stored.
    tokens: dict[str, str] = {}
    if kind is None:
        kind = kind_for_text_column(str(text_name or text_col))
    if kind not in ITEM_KINDS:
        raise ValueError(f"{where}: неизвестный вид записей {kind!r} (допустимы {', '.join(ITEM_KINDS)})")
    rows_of_id: dict[str, list[int]] = {}
    for number, row in enumerate(frame.to_dict("records"), start=1):
        here = f"{where}, строка {number}"
        text = _cell(row[text_col])
        if text is None:
            continue  # an empty answer is not an item
        if len(str(text)) > MAX_TEXT:
            raise ValueError(
                f"{here}, колонка {text_col}: текст длиннее {MAX_TEXT:,} символов ({len(str(text)):,}); "
                "разбейте его или сократите".replace(",", " ")
            )
        item: dict[str, Any] = {"text": str(text), "source": source, "kind": kind}
        if id_col is not None and _cell(row[id_col]) is not None:
            item["external_id"] = str(_cell(row[id_col]))
            rows_of_id.setdefault(item["external_id"], []).append(number)
        for name in _FIELDS:
            col = columns.get(name) or (columns.get("quarter") if name == "period" else None)
            if col is None or _cell(row[col]) is None:
                continue
            value = _cell(row[col])
            if name in ("created_at", "answered_at"):
                value = _datetime(value, f"{here}, колонка {col}")
            elif name == "nps":
                try:
                    value = int(float(value))
                except ValueError as exc:
                    raise ValueError(f"{here}, колонка {col}: NPS не число: {value!r}") from exc
            elif name == "satisfied" and str(value).lower() not in SATISFIED_VALUES:
                raise ValueError(f"{here}, колонка {col}: {value!r} (допустимы yes/no/unknown)")
            item[name] = value if name in ("created_at", "answered_at", "nps") else str(value)
        ratings = {str(c): float(row[c]) for c in rating_cols if _cell(row[c]) is not None}
        if ratings:
            item["ratings"] = ratings
        attributes = _attributes(row, attribute_cols, kind, here)
        if respondent_col is not None and _cell(row[respondent_col]) is not None:
            key = str(_cell(row[respondent_col]))
            attributes["respondent"] = tokens.setdefault(key, uuid.uuid4().hex[:16])
        if attributes:
            item["attributes"] = attributes
        labels = {
            h: str(_cell(row[columns[h]])) for h in LABEL_HEADS if h in columns and _cell(row[columns[h]])
        }
        if labels and kind != "survey_answer":  # a survey's process is the respondent's choice, not a label
            item["labels"] = labels
        yield item
    _refuse_repeated_ids(rows_of_id, id_col, where)


def _refuse_repeated_ids(rows_of_id: dict[str, list[int]], id_col: Any, where: str) -> None:
    """One id on two rows is two records the file says are one: refused, naming them, rather than stored
    as one and reported as «already there» (callers collect every item before storing anything)."""
    repeated = {key: rows for key, rows in rows_of_id.items() if len(rows) > 1}
    if not repeated:
        return
    shown = "; ".join(
        f"«{key}» в строках {', '.join(map(str, rows[:5]))}{' …' if len(rows) > 5 else ''}"
        for key, rows in list(repeated.items())[:10]
    )
    more = f" и ещё {len(repeated) - 10}" if len(repeated) > 10 else ""
    raise ValueError(
        f"{where}: идентификатор в колонке {id_col} повторяется ({len(repeated)}): {shown}{more}; "
        "у каждой записи должен быть свой идентификатор — исправьте файл и загрузите его снова"
    )
