"""Storing items: personal data masked, idempotent by (source, external id), classified on the way in.

Used by POST /v1/items, POST /v1/items/upload, `painmap load` and `make run`, so every path stores the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db.models import Item, Label, Prediction
from service.db.session import begin_write
from service.modelling.serving import ServedModel
from service.schemas import without_nul


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
