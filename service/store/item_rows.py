"""Table rows → items: which column is the text, the id, the date and the labels; values checked and
converted, repeated ids refused. `service.store.items` stores what this reads."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from service.db.models import ITEM_KINDS, SATISFIED_VALUES
from service.schemas import MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES, MAX_TEXT, MAX_YEAR, MIN_YEAR
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
